using System.Management.Automation;
using k8s;
using k8s.Models;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.Naming;

namespace MeshCluster.Engine.ControlPlane;

/// <summary>Which control plane to wait for, and what the install step knew about it.</summary>
/// <param name="Form">Istiod, Remote, or null: read from the cluster (<see cref="ControlPlaneFormRule"/>).</param>
/// <param name="ClusterName">Carried into the result (Publish-IstioRemoteSecret binds it); the remote form's injection path names it.</param>
/// <param name="Network">The remote form's injection path names it.</param>
/// <param name="DiscoveryAddress">remotePilotAddress: where the remote form's Service istiod points.</param>
public sealed record ControlPlaneTarget(string Namespace, string? ClusterName, ControlPlaneForm? Form = null, string? Network = null, string? DiscoveryAddress = null);

/// <summary>
/// The step "verify that the control plane of Cluster_2 is ready" (<c>kubectl -n istio-system get pod</c>),
/// event-driven: pods and Deployments are each listed and then watched from the list's
/// resourceVersion, and the namespace is judged again on every event of either kind, so the wait
/// ends as soon as the server reports the last change. A remote-profile cluster runs no pods: its wait
/// is <see cref="RemoteControlPlaneWaiter"/>'s. With no form given, Service istiod is watched too, and the wait
/// turns to the remote form the moment the cluster shows it (<see cref="ControlPlaneFormRule"/>).
/// </summary>
public static class ControlPlaneWaiter
{
    public const string Activity = "Waiting for the Istio control plane";

    /// <summary>Waits until ready and returns the status; on timeout throws ControlPlaneNotReady (or
    /// ControlPlaneNamespaceNotFound) with the status as target, so nothing goes on down a pipeline.</summary>
    public static async Task<IstioControlPlaneStatus> WaitAsync(KubeConnection connection, ControlPlaneTarget target,
        TimeSpan timeout, IOperationReporter reporter, CancellationToken ct)
    {
        var @namespace = target.Namespace;
        KubeNameRule.RequireNamespace(@namespace, "-Namespace");
        var where = $"namespace '{@namespace}' of context '{connection.ContextName}'";
        var ends = DateTime.UtcNow + timeout;
        // A first look, bounded by the wait's own time: an API server that does not answer now is waited out below.
        var exists = await NamespaceExistsAsync(connection, @namespace, Left(ends, timeout), ct).ConfigureAwait(false);
        if (exists == false)
        {
            // Not an error yet: an operator-driven install creates the namespace after it returns.
            reporter.Warning($"The namespace '{@namespace}' does not exist in context '{connection.ContextName}' (yet). " +
                             $"Waiting up to {Input.TimeoutRule.Text(timeout)} for it and its {(target.Form == ControlPlaneForm.Remote ? "objects" : "pods")}; " +
                             "check -Namespace if Istio is installed elsewhere.");
        }

        if (target.Form == ControlPlaneForm.Remote)
        {
            return await RemoteControlPlaneWaiter.WaitAsync(connection, target, ends, timeout, reporter, ct).ConfigureAwait(false);
        }

        var detect = target.Form is null;
        reporter.Verbose($"Waiting up to {Input.TimeoutRule.Text(timeout)} for the pods and deployments in {where} to be ready" +
                         (detect ? " (watching Service istiod too: a remote-profile cluster runs no pods)." : "."));
        var state = new SharedState(connection.ContextName, @namespace, detect, reporter);
        reporter.Progress(Activity, $"{connection.ContextName}/{@namespace}: listing pods and deployments");

        var outcomes = new WaitOutcome<ControlPlaneSnapshot>[detect ? 3 : 2];
        var left = Left(ends, timeout);
        var loops = new List<Func<CancellationToken, Task<bool>>>
        {
            async token => (outcomes[0] = await ListWatch.UntilAsync<V1Pod, V1PodList, ControlPlaneSnapshot>(
                connection, $"watching pods in {where}",
                (client, t) => client.CoreV1.ListNamespacedPodAsync(@namespace, cancellationToken: t),
                (client, rv, seconds, onError, t) => client.CoreV1.WatchListNamespacedPodAsync(@namespace,
                    resourceVersion: rv, timeoutSeconds: seconds, allowWatchBookmarks: true, onError: onError, cancellationToken: t),
                pods => state.Update(pods: pods), left, reporter, token).ConfigureAwait(false)).Done,
            async token => (outcomes[1] = await ListWatch.UntilAsync<V1Deployment, V1DeploymentList, ControlPlaneSnapshot>(
                connection, $"watching deployments in {where}",
                (client, t) => client.AppsV1.ListNamespacedDeploymentAsync(@namespace, cancellationToken: t),
                (client, rv, seconds, onError, t) => client.AppsV1.WatchListNamespacedDeploymentAsync(@namespace,
                    resourceVersion: rv, timeoutSeconds: seconds, allowWatchBookmarks: true, onError: onError, cancellationToken: t),
                deployments => state.Update(deployments: deployments), left, reporter, token).ConfigureAwait(false)).Done,
        };
        if (detect)
        {
            const string field = "metadata.name=" + RemoteControlPlaneNames.IstiodService;
            loops.Add(async token => (outcomes[2] = await ListWatch.UntilAsync<V1Service, V1ServiceList, ControlPlaneSnapshot>(
                connection, $"watching Service istiod in {where}",
                (client, t) => client.CoreV1.ListNamespacedServiceAsync(@namespace, fieldSelector: field, cancellationToken: t),
                (client, rv, seconds, onError, t) => client.CoreV1.WatchListNamespacedServiceAsync(@namespace, fieldSelector: field,
                    resourceVersion: rv, timeoutSeconds: seconds, allowWatchBookmarks: true, onError: onError, cancellationToken: t),
                services => state.Update(services: services), left, reporter, token).ConfigureAwait(false)).Done);
        }

        await ListWatchGroup.UntilAnyAsync(loops, ct).ConfigureAwait(false);
        if (state.TurnedRemote)
        {
            reporter.ProgressCompleted(Activity);
            reporter.Verbose($"The control plane in {where} is a remote profile's: Service istiod selects no pods and no istiod Deployment runs " +
                             "(Istio's remote-istiod-service.yaml). Waiting for what a remote needs instead of pods.");
            return await RemoteControlPlaneWaiter.WaitAsync(connection, target, ends, timeout, reporter, ct).ConfigureAwait(false);
        }

        var (ready, snapshot) = state.Outcome();
        if (state.ReadySince is { } since) reporter.Debug($"The watches stopped {(DateTime.UtcNow - since).TotalMilliseconds:0} ms after the control plane was seen ready.");
        reporter.ProgressCompleted(Activity);

        if (!ready && !outcomes.Any(o => o.Listed))
        {
            throw await ListWatch.NeverReachedAsync(connection, $"waiting for the control plane in {where}", timeout,
                outcomes.Select(o => o.LastFailure).LastOrDefault(f => f is not null), ct).ConfigureAwait(false);
        }

        if (!ready && snapshot.Pods.Count == 0)
        {
            // Was it the namespace? A last look, with a second of grace at most: the wait never runs long past its deadline.
            exists = await NamespaceExistsAsync(connection, @namespace, NamespaceGrace, ct).ConfigureAwait(false) ?? exists;
        }

        var status = new IstioControlPlaneStatus(connection.ContextName, target.ClusterName, @namespace, ready,
            ControlPlaneEvaluator.Rows(snapshot.Pods, DateTime.UtcNow), snapshot.DeploymentsAvailable, snapshot.DeploymentsTotal, ControlPlaneForm.Istiod);
        if (!ready) throw NotReadyError(status, snapshot, exists != false || snapshot.Pods.Count > 0, timeout);
        reporter.Verbose($"The control plane in {where} is ready: {snapshot.Summary}.");
        return status;
    }

    /// <summary>The most the namespace checks may take beyond the wait's own time.</summary>
    internal static readonly TimeSpan NamespaceGrace = TimeSpan.FromSeconds(1);

    internal static TimeSpan Left(DateTime ends, TimeSpan timeout)
    {
        var left = ends - DateTime.UtcNow;
        return left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);
    }

    /// <summary>The error for a wait that timed out; the status is the user's TargetObject.</summary>
    private static MeshClusterException NotReadyError(IstioControlPlaneStatus status, ControlPlaneSnapshot snapshot, bool namespaceExists, TimeSpan timeout)
    {
        var where = $"namespace '{status.Namespace}' of context '{status.Context}'";
        var within = $"within {Input.TimeoutRule.Text(timeout)}";
        if (!namespaceExists) return NamespaceNotFound(status, timeout);

        var message = snapshot.Pods.Count == 0
            ? $"The Istio control plane in {where} was not ready {within}: the namespace has no pods (was Istio installed?)."
            : $"The Istio control plane in {where} was not ready {within} ({snapshot.Summary}):";
        var lines = snapshot.Problems.Select(p => Environment.NewLine + "  " + p);
        return new MeshClusterException(ErrorIds.ControlPlaneNotReady, ErrorCategory.OperationTimeout, message + string.Concat(lines), status,
            recommendedAction: "Look at the pods named above (kubectl describe pod, kubectl logs), or wait longer with -Timeout.");
    }

    /// <summary>ControlPlaneNamespaceNotFound: the namespace never appeared.</summary>
    internal static MeshClusterException NamespaceNotFound(IstioControlPlaneStatus status, TimeSpan timeout) =>
        new(ErrorIds.ControlPlaneNamespaceNotFound, ErrorCategory.ObjectNotFound,
            $"The namespace '{status.Namespace}' did not appear in context '{status.Context}' within {Input.TimeoutRule.Text(timeout)}. " +
            "Was Istio installed there? -Namespace names another namespace.",
            status);

    /// <summary>Whether the namespace exists; null when the API server did not tell within <paramref name="budget"/>.</summary>
    internal static async Task<bool?> NamespaceExistsAsync(KubeConnection connection, string ns, TimeSpan budget, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(budget);
        try
        {
            return await KubeApi.TryGetAsync(connection, $"reading namespace '{ns}'",
                c => c.Client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: c.Token), limit.Token).ConfigureAwait(false) is not null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
        catch (MeshClusterException ex) when (KubeApi.IsPassing(ex))
        {
            return null;
        }
    }

    /// <summary>The latest pods, deployments (and, when the form is not known, Service istiod) from the loops, judged under one lock.</summary>
    private sealed class SharedState(string context, string ns, bool detect, IOperationReporter reporter)
    {
        private readonly object _gate = new();
        private V1Pod[]? _pods;
        private V1Deployment[]? _deployments;
        private V1Service[]? _services;
        private ControlPlaneSnapshot? _last;
        private ControlPlaneSnapshot? _readyAt;
        private string? _lastProgress;
        private DateTime? _podsReadySince;

        /// <summary>When the evaluation first said ready (UTC).</summary>
        public DateTime? ReadySince { get; private set; }

        /// <summary>The cluster showed the remote form (<see cref="ControlPlaneFormRule"/>): the pod wait ends for the remote one.</summary>
        public bool TurnedRemote { get; private set; }

        public (bool Done, ControlPlaneSnapshot State) Update(IReadOnlyCollection<V1Pod>? pods = null, IReadOnlyCollection<V1Deployment>? deployments = null,
            IReadOnlyCollection<V1Service>? services = null)
        {
            lock (_gate)
            {
                // The loops hand over their live collections: keep copies.
                if (pods is not null) _pods = pods.ToArray();
                if (deployments is not null) _deployments = deployments.ToArray();
                if (services is not null) _services = services.ToArray();
                if (_readyAt is not null) return (true, _readyAt);

                var snapshot = ControlPlaneEvaluator.Evaluate(_pods ?? Array.Empty<V1Pod>(), _deployments ?? Array.Empty<V1Deployment>());
                // Until every kind is listed, an empty side would look ready (and the form is not known).
                if (_pods is null || _deployments is null || (detect && _services is null)) snapshot = snapshot with { Ready = false };
                _last = snapshot;
                if (detect && _services is not null && _deployments is not null &&
                    ControlPlaneFormRule.FromCluster(_services.FirstOrDefault(), _deployments) == ControlPlaneForm.Remote)
                {
                    TurnedRemote = true;
                    return (true, snapshot);
                }

                var podsReady = snapshot.PodsCounted > 0 && snapshot.PodsReady == snapshot.PodsCounted;
                _podsReadySince = podsReady ? _podsReadySince ?? DateTime.UtcNow : null;
                if (snapshot.Ready)
                {
                    _readyAt = snapshot;
                    ReadySince = DateTime.UtcNow;
                    // Says how much of the wait was the deployment controller catching up with the pods.
                    reporter.Debug($"Ready on a {(pods is not null ? "pod" : deployments is not null ? "deployment" : "service")} event at {ReadySince:HH:mm:ss.fff} UTC, " +
                                   $"{(DateTime.UtcNow - _podsReadySince!.Value).TotalMilliseconds:0} ms after all pods were seen ready.");
                }

                var progress = $"{context}/{ns}: {snapshot.Summary}";
                if (progress != _lastProgress)
                {
                    _lastProgress = progress;
                    reporter.Progress(Activity, progress, snapshot.Ready ? 100 : Math.Min(99, snapshot.Percent));
                }

                return (snapshot.Ready, snapshot);
            }
        }

        public (bool Ready, ControlPlaneSnapshot Snapshot) Outcome()
        {
            lock (_gate)
            {
                if (_readyAt is not null) return (true, _readyAt);
                return (false, _last ?? ControlPlaneEvaluator.Evaluate(_pods ?? Array.Empty<V1Pod>(), _deployments ?? Array.Empty<V1Deployment>()));
            }
        }
    }
}
