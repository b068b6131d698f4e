using System.Management.Automation;
using System.Net;
using k8s;
using k8s.Models;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.Input;
using MeshCluster.Engine.Naming;

namespace MeshCluster.Engine.Discovery;

/// <summary>
/// Step 1 of Istio's Add a Remote Cluster guide: <c>kubectl get svc istio-ingressgateway -o jsonpath='{.status.loadBalancer.ingress[0].ip}'</c>,
/// but as Istio's own code reads it: every ingress entry, its ip if set, else its hostname.
/// </summary>
public static class DiscoveryAddressReader
{
    public const string Activity = "Reading the Istio discovery address";

    public static async Task<IstioDiscoveryAddress> GetAsync(KubeConnection connection, string @namespace, string serviceName,
        bool wait, TimeSpan timeout, IOperationReporter reporter, CancellationToken ct)
    {
        KubeNameRule.RequireNamespace(@namespace, "-Namespace");
        KubeNameRule.RequireServiceName(serviceName, "-ServiceName");
        reporter.Verbose($"Reading Service {@namespace}/{serviceName} in context '{connection.ContextName}'.");
        IReadOnlyList<string> addresses;
        var what = $"reading Service {@namespace}/{serviceName}";
        if (wait)
        {
            // Issue 21: a pipeline step's gateway has mostly had its address for long, and one hot read answers that without the
            // list and watch (KubernetesClient's typed model). Anything else, no address yet, no Service or a failure, is left to
            // the wait, which reads the Service itself as before (an API server that is down at first is waited out as well),
            // within what is left of -Timeout.
            var started = DateTime.UtcNow;
            var ready = await ReadyAsync(connection, what, @namespace, serviceName, timeout, started, reporter, ct).ConfigureAwait(false);
            addresses = ready ?? Addresses(await WaitAsync(connection, @namespace, serviceName, timeout, started, reporter, ct).ConfigureAwait(false));
        }
        else
        {
            // The hot read of a pipeline step's first call: the few fields used, not KubernetesClient's model (issue 21).
            var service = await ReadAsync(connection, what, @namespace, serviceName, ct).ConfigureAwait(false)
                ?? throw NotFound(connection, @namespace, serviceName);
            addresses = Addresses(service);
            if (addresses.Count == 0)
            {
                var type = service.Spec?.Type ?? "ClusterIP";
                throw new MeshClusterException(ErrorIds.DiscoveryAddressPending, ErrorCategory.ResourceUnavailable,
                    $"Service {@namespace}/{serviceName} in context '{connection.ContextName}' has no load-balancer address yet" +
                    (type == "LoadBalancer" ? "." : $" (its type is {type}; only a LoadBalancer Service gets one).") +
                    " Use -Wait to wait for one.",
                    target: $"{@namespace}/{serviceName}");
            }
        }

        var first = addresses[0];
        var isHostname = !IPAddress.TryParse(first, out _);
        if (isHostname)
        {
            // Istio's charts: 1.7-1.14 write remotePilotAddress into Endpoints as an IP (base/templates/endpoints.yaml); later ones
            // make an ExternalName Service istiod of a name, through which the API server cannot call the injector (istio#45014).
            reporter.Warning($"The discovery address '{first}' is a hostname. As remotePilotAddress it fails the install of the 1.7 guide's form with " +
                             "istioctl before 1.15 (written into Endpoints as an IP), and in the remote profile it gives an ExternalName Service istiod " +
                             "through which the sidecar injector cannot be called (istio#45014). Prefer an IP address of the gateway.");
        }

        reporter.Verbose($"Discovery address of context '{connection.ContextName}': {first}" +
                         (addresses.Count > 1 ? $" (of {string.Join(", ", addresses)})." : "."));
        return new IstioDiscoveryAddress(first, isHostname ? DiscoveryAddressType.Hostname : DiscoveryAddressType.IP, addresses,
            serviceName, @namespace, connection.ContextName);
    }

    /// <summary>Every ingress entry in order: the ip if set, else the hostname (names are not resolved).</summary>
    private static Task<ServiceShape?> ReadAsync(KubeConnection connection, string what, string ns, string name, CancellationToken ct) =>
        KubeRead.TryGetAsync(connection, what, $"api/v1/namespaces/{Uri.EscapeDataString(ns)}/services/{Uri.EscapeDataString(name)}",
            ShapeJson.Default.ServiceShape, ct);

    /// <summary>The addresses when one read finds them within <paramref name="timeout"/>; null for anything else (the wait then decides).</summary>
    private static async Task<IReadOnlyList<string>?> ReadyAsync(KubeConnection connection, string what, string ns, string name, TimeSpan timeout,
        DateTime started, IOperationReporter reporter, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            return await ReadAsync(connection, what, ns, name, limit.Token).ConfigureAwait(false) is { } service && Addresses(service) is { Count: > 0 } found
                ? found
                : null;
        }
        catch (MeshClusterException ex) when (KubeApi.IsPassing(ex) && !ct.IsCancellationRequested)
        {
            // Said as the wait says each failure it waits out (ListWatch), since the wait goes on after it.
            reporter.Verbose($"Waiting out a failure of the API server of context '{connection.ContextName}' while {what}: " +
                             $"{ex.Message.TrimEnd('.')}. The wait ends in {Left(timeout, started).TotalSeconds:0} s.");
            return null;
        }
        catch (Exception ex) when (ex is MeshClusterException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private static TimeSpan Left(TimeSpan timeout, DateTime started)
    {
        var left = timeout - (DateTime.UtcNow - started);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private static IReadOnlyList<string> Addresses(ServiceShape service) =>
        Addresses(service.Status?.LoadBalancer?.Ingress?.Select(i => (i.Ip, i.Hostname)));

    public static IReadOnlyList<string> Addresses(V1Service service) =>
        Addresses(service.Status?.LoadBalancer?.Ingress?.Select(i => ((string?)i.Ip, (string?)i.Hostname)));

    private static IReadOnlyList<string> Addresses(IEnumerable<(string? Ip, string? Hostname)>? ingress) =>
        (ingress ?? Enumerable.Empty<(string?, string?)>())
        .Select(i => !string.IsNullOrEmpty(i.Ip) ? i.Ip : i.Hostname)
        .Where(a => !string.IsNullOrEmpty(a))
        .Select(a => a!)
        .ToArray();

    /// <param name="timeout">-Timeout, as messages say it; the wait itself lasts what is left of it since <paramref name="started"/>.</param>
    private static async Task<V1Service> WaitAsync(KubeConnection connection, string ns, string name, TimeSpan timeout, DateTime started,
        IOperationReporter reporter, CancellationToken ct)
    {
        var waiting = false;
        var what = $"watching Service {ns}/{name}";
        var outcome = await ListWatch.UntilObjectAsync<V1Service, V1ServiceList>(
            connection, what, name,
            (client, field, token) => client.CoreV1.ListNamespacedServiceAsync(ns, fieldSelector: field, cancellationToken: token),
            (client, field, rv, seconds, onError, token) => client.CoreV1.WatchListNamespacedServiceAsync(ns, fieldSelector: field,
                resourceVersion: rv, timeoutSeconds: seconds, allowWatchBookmarks: true, onError: onError, cancellationToken: token),
            svc =>
            {
                if (svc is null) throw NotFound(connection, ns, name);
                if (Addresses(svc).Count > 0) return true;
                if (!waiting)
                {
                    waiting = true;
                    var type = svc.Spec?.Type ?? "ClusterIP";
                    if (type != "LoadBalancer")
                    {
                        reporter.Warning($"Service {ns}/{name} is of type {type}: only a LoadBalancer Service gets an address from a load balancer.");
                    }

                    reporter.Verbose($"Waiting up to {TimeoutRule.Text(timeout)} for Service {ns}/{name} to get a load-balancer address.");
                }

                var elapsed = DateTime.UtcNow - started;
                reporter.Progress(Activity, $"Waiting for {ns}/{name} in '{connection.ContextName}' to get a load-balancer address ({elapsed.TotalSeconds:0} s)",
                    (int)Math.Min(99, 100 * elapsed.TotalSeconds / Math.Max(1, timeout.TotalSeconds)));
                return false;
            },
            Left(timeout, started), reporter, ct).ConfigureAwait(false);
        if (waiting) reporter.ProgressCompleted(Activity);

        if (outcome is { Done: true, State: { } service }) return service;
        if (!outcome.Listed) throw await ListWatch.NeverReachedAsync(connection, what, timeout, outcome.LastFailure, ct).ConfigureAwait(false);
        throw new MeshClusterException(ErrorIds.DiscoveryAddressTimeout, ErrorCategory.OperationTimeout,
            $"Service {ns}/{name} in context '{connection.ContextName}' got no load-balancer address within {TimeoutRule.Text(timeout)}.",
            target: $"{ns}/{name}");
    }

    private static MeshClusterException NotFound(KubeConnection connection, string ns, string name) =>
        new(ErrorIds.IngressGatewayNotFound, ErrorCategory.ObjectNotFound,
            $"No Service '{name}' in namespace '{ns}' of context '{connection.ContextName}'. Is Istio's ingress gateway installed there? -ServiceName and -Namespace pick another gateway.",
            target: $"{ns}/{name}");
}
