using System.Management.Automation;
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.RemoteSecret;

namespace MeshCluster.Engine.ControlPlane;

/// <summary>
/// Waits for an Istio 1.24+ <c>profile: remote</c> cluster, which runs no pods: each object <see cref="RemoteControlPlaneEvaluator"/>
/// judges is listed and then watched (one list-then-watch per kind, by name where there is one), and the whole is judged again
/// on every event, so the wait ends as soon as the server reports the last missing object. Passing failures and dropped
/// watches are waited out by <see cref="ListWatch"/> within the deadline.
/// </summary>
internal static class RemoteControlPlaneWaiter
{
    private const int Kinds = 9;

    public static async Task<IstioControlPlaneStatus> WaitAsync(KubeConnection connection, ControlPlaneTarget target, DateTime ends, TimeSpan timeout,
        IOperationReporter reporter, CancellationToken ct)
    {
        var ns = target.Namespace;
        var where = $"namespace '{ns}' of context '{connection.ContextName}'";
        var expected = new RemoteExpectation(ns, target.ClusterName, target.Network, target.DiscoveryAddress);
        var left = ControlPlaneWaiter.Left(ends, timeout);
        reporter.Verbose($"Waiting up to {Input.TimeoutRule.Text(left)} for the remote-profile control plane in {where} (Istio 1.24+ profile remote: no pods run there): " +
                         $"the namespace, Istio's CRDs, the reader account and role, the injector webhook {RemoteControlPlaneNames.InjectorWebhook(ns)}, " +
                         $"Service istiod and its endpoints{(target.DiscoveryAddress is { } a ? $" at {a}" : "")}.");
        reporter.Progress(ControlPlaneWaiter.Activity, $"{connection.ContextName}/{ns}: listing the remote's objects");
        var state = new State(connection.ContextName, expected, reporter);
        var outcomes = new WaitOutcome<RemoteJudgement>[Kinds];
        var slices = new EndpointSliceSource(ns);
        var role = RemoteControlPlaneNames.ReaderRole(ns);
        var webhook = RemoteControlPlaneNames.InjectorWebhook(ns);
        const string service = RemoteControlPlaneNames.IstiodService;

        Func<CancellationToken, Task<bool>> Loop<T, TList>(int kind, string what, Func<IKubernetes, CancellationToken, Task<TList>> list, WatchFrom<T> watch,
            Action<RemoteObjectsBuilder, IReadOnlyCollection<T>> set)
            where T : IKubernetesObject<V1ObjectMeta>
            where TList : IKubernetesObject<V1ListMeta>, IItems<T> =>
            async token => (outcomes[kind] = await ListWatch.UntilAsync<T, TList, RemoteJudgement>(connection, $"watching {what} in {where}", list, watch,
                items => state.Update(kind, b => set(b, items)), left, reporter, token).ConfigureAwait(false)).Done;

        static string Name(string name) => "metadata.name=" + name;
        var loops = new[]
        {
            Loop<V1Namespace, V1NamespaceList>(0, "the namespace",
                (c, t) => c.CoreV1.ListNamespaceAsync(fieldSelector: Name(ns), cancellationToken: t),
                (c, rv, s, e, t) => c.CoreV1.WatchListNamespaceAsync(fieldSelector: Name(ns), resourceVersion: rv, timeoutSeconds: s, allowWatchBookmarks: true, onError: e, cancellationToken: t),
                (b, items) => b.Namespace = items.FirstOrDefault()),
            Loop<V1CustomResourceDefinition, V1CustomResourceDefinitionList>(1, "CustomResourceDefinitions",
                (c, t) => c.ApiextensionsV1.ListCustomResourceDefinitionAsync(cancellationToken: t),
                (c, rv, s, e, t) => c.ApiextensionsV1.WatchListCustomResourceDefinitionAsync(resourceVersion: rv, timeoutSeconds: s, allowWatchBookmarks: true, onError: e, cancellationToken: t),
                (b, items) => b.Crds = items.ToArray()),
            Loop<V1ServiceAccount, V1ServiceAccountList>(2, "the reader ServiceAccount",
                (c, t) => c.CoreV1.ListNamespacedServiceAccountAsync(ns, fieldSelector: Name(RemoteSecretNames.DefaultServiceAccount), cancellationToken: t),
                (c, rv, s, e, t) => c.CoreV1.WatchListNamespacedServiceAccountAsync(ns, fieldSelector: Name(RemoteSecretNames.DefaultServiceAccount), resourceVersion: rv,
                    timeoutSeconds: s, allowWatchBookmarks: true, onError: e, cancellationToken: t),
                (b, items) => b.ReaderAccount = items.FirstOrDefault()),
            Loop<V1ClusterRole, V1ClusterRoleList>(3, $"ClusterRole {role}",
                (c, t) => c.RbacAuthorizationV1.ListClusterRoleAsync(fieldSelector: Name(role), cancellationToken: t),
                (c, rv, s, e, t) => c.RbacAuthorizationV1.WatchListClusterRoleAsync(fieldSelector: Name(role), resourceVersion: rv, timeoutSeconds: s, allowWatchBookmarks: true, onError: e, cancellationToken: t),
                (b, items) => b.ReaderRole = items.FirstOrDefault()),
            Loop<V1ClusterRoleBinding, V1ClusterRoleBindingList>(4, $"ClusterRoleBinding {role}",
                (c, t) => c.RbacAuthorizationV1.ListClusterRoleBindingAsync(fieldSelector: Name(role), cancellationToken: t),
                (c, rv, s, e, t) => c.RbacAuthorizationV1.WatchListClusterRoleBindingAsync(fieldSelector: Name(role), resourceVersion: rv, timeoutSeconds: s, allowWatchBookmarks: true, onError: e, cancellationToken: t),
                (b, items) => b.ReaderBinding = items.FirstOrDefault()),
            Loop<V1MutatingWebhookConfiguration, V1MutatingWebhookConfigurationList>(5, $"MutatingWebhookConfiguration {webhook}",
                (c, t) => c.AdmissionregistrationV1.ListMutatingWebhookConfigurationAsync(fieldSelector: Name(webhook), cancellationToken: t),
                (c, rv, s, e, t) => c.AdmissionregistrationV1.WatchListMutatingWebhookConfigurationAsync(fieldSelector: Name(webhook), resourceVersion: rv, timeoutSeconds: s,
                    allowWatchBookmarks: true, onError: e, cancellationToken: t),
                (b, items) => b.Injector = items.FirstOrDefault()),
            Loop<V1Service, V1ServiceList>(6, "Service istiod",
                (c, t) => c.CoreV1.ListNamespacedServiceAsync(ns, fieldSelector: Name(service), cancellationToken: t),
                (c, rv, s, e, t) => c.CoreV1.WatchListNamespacedServiceAsync(ns, fieldSelector: Name(service), resourceVersion: rv, timeoutSeconds: s, allowWatchBookmarks: true, onError: e, cancellationToken: t),
                (b, items) => b.Istiod = items.FirstOrDefault()),
            Loop<V1Endpoints, V1EndpointsList>(7, "Endpoints istiod",
                (c, t) => c.CoreV1.ListNamespacedEndpointsAsync(ns, fieldSelector: Name(service), cancellationToken: t),
                (c, rv, s, e, t) => c.CoreV1.WatchListNamespacedEndpointsAsync(ns, fieldSelector: Name(service), resourceVersion: rv, timeoutSeconds: s, allowWatchBookmarks: true, onError: e, cancellationToken: t),
                (b, items) => b.Endpoints = items.FirstOrDefault()),
            Loop<V1EndpointSlice, V1EndpointSliceList>(8, "the EndpointSlices of Service istiod", slices.ListAsync, slices.Watch,
                (b, items) => b.Slices = items.ToArray()),
        };

        await ListWatchGroup.UntilAnyAsync(loops, ct).ConfigureAwait(false);
        var (ready, judgement) = state.Outcome();
        reporter.ProgressCompleted(ControlPlaneWaiter.Activity);
        if (judgement.ExternalName is { } host)
        {
            reporter.Warning($"Service istiod in {where} is an ExternalName ({host}): Kubernetes' API server cannot call the sidecar injector through it, " +
                             "so every pod that should get a sidecar fails to be created with 'unsupported service type \"ExternalName\"' (istio#45014). " +
                             "Give the remote the IP address of the primary's discovery address (New-IstioRemoteInstallSpec -RemotePilotAddress <ip>), " +
                             "or let the webhook call the primary directly (values.istiodRemote.injectionURL).");
        }

        if (!ready && !outcomes.Any(o => o.Listed))
        {
            throw await ListWatch.NeverReachedAsync(connection, $"waiting for the control plane in {where}", timeout,
                outcomes.Select(o => o.LastFailure).LastOrDefault(f => f is not null), ct).ConfigureAwait(false);
        }

        var status = new IstioControlPlaneStatus(connection.ContextName, target.ClusterName, ns, ready, Array.Empty<IstioPodStatus>(), 0, 0,
            ControlPlaneForm.Remote, judgement.Checks);
        if (!ready)
        {
            var namespaceSeen = judgement.Checks.Count > 0 && judgement.Checks[0].Detail != "missing";
            if (!namespaceSeen && await ControlPlaneWaiter.NamespaceExistsAsync(connection, ns, ControlPlaneWaiter.NamespaceGrace, ct).ConfigureAwait(false) != true)
            {
                throw ControlPlaneWaiter.NamespaceNotFound(status, timeout);
            }

            throw new MeshClusterException(ErrorIds.ControlPlaneNotReady, ErrorCategory.OperationTimeout,
                $"The Istio remote control plane (profile remote) in {where} was not ready within {Input.TimeoutRule.Text(timeout)} ({judgement.Summary}):" +
                string.Concat(judgement.Problems.Select(p => Environment.NewLine + "  " + p)),
                status,
                recommendedAction: "Install again with the spec of profile remote (Install-IstioRemote), or create what is named above; " +
                                   "a remote-profile cluster runs no pods, so kubectl get pod shows nothing there.");
        }

        reporter.Verbose($"The remote-profile control plane in {where} is ready: {judgement.Summary}.");
        return status;
    }

    /// <summary>The objects as last seen by each loop, and which kinds have been listed at least once.</summary>
    private sealed class RemoteObjectsBuilder
    {
        public V1Namespace? Namespace;
        public V1CustomResourceDefinition[] Crds = Array.Empty<V1CustomResourceDefinition>();
        public V1ServiceAccount? ReaderAccount;
        public V1ClusterRole? ReaderRole;
        public V1ClusterRoleBinding? ReaderBinding;
        public V1MutatingWebhookConfiguration? Injector;
        public V1Service? Istiod;
        public V1Endpoints? Endpoints;
        public V1EndpointSlice[] Slices = Array.Empty<V1EndpointSlice>();

        public RemoteObjects Build() => new(Namespace, Crds, ReaderAccount, ReaderRole, ReaderBinding, Injector, Istiod, Endpoints, Slices);
    }

    private sealed class State(string context, RemoteExpectation expected, IOperationReporter reporter)
    {
        private readonly object _gate = new();
        private readonly RemoteObjectsBuilder _objects = new();
        private int _listed;
        private RemoteJudgement? _last;
        private RemoteJudgement? _readyAt;
        private string? _lastProgress;

        public (bool Done, RemoteJudgement State) Update(int kind, Action<RemoteObjectsBuilder> set)
        {
            lock (_gate)
            {
                set(_objects);
                _listed |= 1 << kind;
                if (_readyAt is not null) return (true, _readyAt);
                var judgement = RemoteControlPlaneEvaluator.Evaluate(expected, _objects.Build());
                // Until every kind is listed, an object not yet read would count as missing: neither ready nor worth a progress record.
                if (_listed != (1 << Kinds) - 1)
                {
                    _last = judgement with { Ready = false };
                    return (false, _last);
                }

                _last = judgement;
                if (judgement.Ready) _readyAt = judgement;
                var progress = $"{context}/{expected.Namespace}: {judgement.Summary}";
                if (progress != _lastProgress)
                {
                    _lastProgress = progress;
                    reporter.Progress(ControlPlaneWaiter.Activity, progress, judgement.Ready ? 100 : Math.Min(99, judgement.Percent));
                }

                return (judgement.Ready, judgement);
            }
        }

        public (bool Ready, RemoteJudgement Judgement) Outcome()
        {
            lock (_gate)
            {
                if (_readyAt is not null) return (true, _readyAt);
                return (false, _last ?? RemoteControlPlaneEvaluator.Evaluate(expected, _objects.Build()));
            }
        }
    }

    /// <summary>
    /// The EndpointSlices of Service istiod: discovery.k8s.io/v1 (Kubernetes 1.21+, where Istio 1.28+ writes its own), or, on a
    /// server that does not serve v1 (404), v1beta1 through the generic client (KubernetesClient no longer has it typed).
    /// </summary>
    private sealed class EndpointSliceSource(string ns)
    {
        private const string Selector = RemoteControlPlaneNames.ServiceNameLabel + "=" + RemoteControlPlaneNames.IstiodService;
        private volatile bool _beta;

        public async Task<V1EndpointSliceList> ListAsync(IKubernetes client, CancellationToken ct)
        {
            if (!_beta)
            {
                try
                {
                    return await client.DiscoveryV1.ListNamespacedEndpointSliceAsync(ns, labelSelector: Selector, cancellationToken: ct).ConfigureAwait(false);
                }
                catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
                {
                    _beta = true;
                }
            }

            using var response = await client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<V1EndpointSliceList>("discovery.k8s.io", "v1beta1", ns, "endpointslices",
                labelSelector: Selector, cancellationToken: ct).ConfigureAwait(false);
            return response.Body;
        }

        public IAsyncEnumerable<(WatchEventType, V1EndpointSlice)> Watch(IKubernetes client, string resourceVersion, int seconds, Action<Exception> onError, CancellationToken ct) =>
            _beta
                ? Convert(client.CustomObjects.WatchListNamespacedCustomObjectAsync("discovery.k8s.io", "v1beta1", ns, "endpointslices", labelSelector: Selector,
                    resourceVersion: resourceVersion, timeoutSeconds: seconds, allowWatchBookmarks: true, onError: onError, cancellationToken: ct))
                : client.DiscoveryV1.WatchListNamespacedEndpointSliceAsync(ns, labelSelector: Selector, resourceVersion: resourceVersion, timeoutSeconds: seconds,
                    allowWatchBookmarks: true, onError: onError, cancellationToken: ct);

        private static async IAsyncEnumerable<(WatchEventType, V1EndpointSlice)> Convert(IAsyncEnumerable<(WatchEventType, object)> events)
        {
            await foreach (var (type, obj) in events.ConfigureAwait(false))
            {
                var json = obj is JsonElement element ? element.GetRawText() : KubernetesJson.Serialize(obj);
                yield return (type, KubernetesJson.Deserialize<V1EndpointSlice>(json));
            }
        }
    }
}
