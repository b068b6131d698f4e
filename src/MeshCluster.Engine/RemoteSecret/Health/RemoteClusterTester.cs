using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>What Test-IstioRemoteCluster found for one input: a health per remote secret, and the cluster names that have none.</summary>
public sealed record RemoteClusterTestResult(IReadOnlyList<IstioRemoteClusterHealth> Health, IReadOnlyList<MeshClusterException> NotFound);

/// <summary>Test-IstioRemoteCluster for one primary and selection: reads the remote secrets, then checks them, several at once.</summary>
public static class RemoteClusterTester
{
    /// <param name="parallel">How many remotes are checked at once.</param>
    /// <param name="tested">Called with each health as it is known (in completion order), so the caller can write it at once.</param>
    public static async Task<RemoteClusterTestResult> TestAsync(KubeConnection primary, RemoteSecretSelection selection, RemoteClusterTestOptions options,
        int parallel, Action<IstioRemoteClusterHealth> tested, IOperationReporter reporter, CancellationToken ct)
    {
        var found = await RemoteSecretReader.FindAsync(primary, selection, reporter, ct).ConfigureAwait(false);
        var health = new List<IstioRemoteClusterHealth>();
        var total = found.Entries.Count;
        try
        {
            await Parallel.ForEachAsync(found.Entries, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallel), CancellationToken = ct },
                async (entry, token) =>
                {
                    var result = await RemoteClusterHealthChecker.CheckAsync(entry, options, reporter, token).ConfigureAwait(false);
                    int done;
                    lock (health)
                    {
                        health.Add(result);
                        done = health.Count;
                    }

                    reporter.Progress(RemoteClusterHealthChecker.Activity, $"{entry.Info.ClusterName}: {done} of {total} checked", 100 * done / Math.Max(1, total));
                    tested(result);
                }).ConfigureAwait(false);
        }
        finally
        {
            reporter.ProgressCompleted(RemoteClusterHealthChecker.Activity);
        }

        return new RemoteClusterTestResult(health, found.NotFound);
    }
}
