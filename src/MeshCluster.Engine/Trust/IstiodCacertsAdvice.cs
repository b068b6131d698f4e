using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.Istiod;

namespace MeshCluster.Engine.Trust;

/// <summary>
/// What a namespace's running istiods make of a new cacerts: whether each picks it up by itself (by its version and settings,
/// <see cref="CacertsReload"/>) or must be restarted, said as warnings. Read before a write (<see cref="CacertsPublisher"/>: a failure
/// to read changes nothing) and advised after it; or both after a write already made (Update-IstioMeshTrust).
/// </summary>
internal static class IstiodCacertsAdvice
{
    /// <summary>The istiods of a namespace as read before a write, or why they could not be read (a warning after it).</summary>
    internal sealed record IstiodsSeen(IReadOnlyList<(IstiodDeployment Istiod, string Deployment)> Istiods, string? CannotTell)
    {
        public static readonly IstiodsSeen None = new(Array.Empty<(IstiodDeployment, string)>(), null);
    }

    /// <summary>
    /// The namespace's running istiods (their Deployments, else istiod pods made some other way). Not being allowed to look is a reading
    /// (CannotTell), not an error; any other failure is an error, raised before anything is written.
    /// </summary>
    internal static async Task<IstiodsSeen> ReadAsync(KubeConnection connection, string ns, IOperationReporter reporter, CancellationToken ct)
    {
        var istiods = (await IstiodDeploymentReader.ReadAsync(connection, ns, reporter, ct).ConfigureAwait(false)).Deployments
            .Where(d => d.Replicas != 0).Select(d => (Istiod: d, Deployment: d.Name)).ToList();
        if (istiods.Count > 0) return new IstiodsSeen(istiods, null);

        // istiod pods without a Deployment of the chart's (made some other way): the chart's name for the restart.
        IReadOnlyList<PodShape> pods;
        try
        {
            pods = await IstiodDeploymentReader.ListPodsAsync(connection, ns, limit: null, ct).ConfigureAwait(false);
        }
        catch (MeshClusterException ex) when (ex.ErrorId is ErrorIds.KubeApiForbidden or ErrorIds.KubeApiUnauthorized)
        {
            return new IstiodsSeen(istiods, ex.Message.TrimEnd('.'));
        }

        if (pods.FirstOrDefault(p => p.Status?.Phase is not ("Succeeded" or "Failed")) is { } pod && IstiodDeploymentReader.FromPod(pod) is { } fromPod)
        {
            istiods.Add((fromPod, "istiod"));
        }

        return new IstiodsSeen(istiods, null);
    }

    /// <summary>Whether each running istiod picks up the new cacerts by itself (by its version and settings), or must be restarted: a warning for the latter. No request.</summary>
    internal static void Advise(IstiodsSeen seen, KubeConnection connection, string ns, (CacertsChange Change, bool Nested) change, IOperationReporter reporter)
    {
        if (seen.CannotTell is { } why)
        {
            // The Secret is written: not being allowed to look at istiod must not turn that into a failure.
            reporter.Warning($"Cannot tell whether istiod runs in namespace {ns} of context '{connection.ContextName}' ({why}): " +
                             $"if it does, it may need a restart to sign with the new CA (kubectl rollout restart deployment/istiod -n {ns} --context {connection.ContextName}).");
            return;
        }

        foreach (var (istiod, deployment) in seen.Istiods)
        {
            var advice = CacertsReload.Advise(istiod, change.Change, change.Nested);
            var restart = $"kubectl rollout restart deployment/{deployment} -n {ns} --context {connection.ContextName}";
            var who = $"istiod {deployment} in namespace {ns} of context '{connection.ContextName}'";
            switch (advice.RestartNeeded)
            {
                case true:
                    reporter.Warning($"{who} {advice.Message}: restart it to sign with the new CA ({restart}), then restart the workloads' proxies.");
                    break;
                case null:
                    reporter.Warning($"{who}: {advice.Message}. If it is older, restart it to sign with the new CA ({restart}).");
                    break;
                default:
                    reporter.Verbose($"{who}: {advice.Message}; no restart needed.");
                    break;
            }
        }
    }

    /// <summary>
    /// For a write already made (Update-IstioMeshTrust): reads the istiods and advises. A failure to read them is a warning, never an error
    /// after a successful write.
    /// </summary>
    internal static async Task ReadAndAdviseAsync(KubeConnection connection, string ns, (CacertsChange Change, bool Nested) change, IOperationReporter reporter, CancellationToken ct)
    {
        IstiodsSeen seen;
        try
        {
            seen = await ReadAsync(connection, ns, reporter, ct).ConfigureAwait(false);
        }
        catch (MeshClusterException ex)
        {
            seen = new IstiodsSeen(Array.Empty<(IstiodDeployment, string)>(), ex.Message.TrimEnd('.'));
        }

        Advise(seen, connection, ns, change, reporter);
    }
}
