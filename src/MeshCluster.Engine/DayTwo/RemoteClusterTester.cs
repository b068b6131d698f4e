using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;

namespace MeshCluster.Engine.DayTwo;

/// <summary>What Test-IstioRemoteCluster found for one input: a health per remote secret, and the cluster names that have none.</summary>
public sealed record RemoteClusterTestResult(IReadOnlyList<IstioRemoteClusterHealth> Health, IReadOnlyList<MeshClusterException> NotFound);

/// <summary>Test-IstioRemoteCluster for one primary and selection: reads the remote secrets, then checks each in turn.</summary>
public static class RemoteClusterTester
{
    public static async Task<RemoteClusterTestResult> TestAsync(KubeConnection primary, RemoteSecretSelection selection, RemoteClusterTestOptions options,
        IOperationReporter reporter, CancellationToken ct)
    {
        var found = await RemoteSecretReader.FindAsync(primary, selection, reporter, ct).ConfigureAwait(false);
        var health = new List<IstioRemoteClusterHealth>();
        try
        {
            for (var i = 0; i < found.Entries.Count; i++)
            {
                var entry = found.Entries[i];
                reporter.Progress(RemoteClusterHealthChecker.Activity, $"{entry.Info.ClusterName} ({i + 1} of {found.Entries.Count})", 100 * i / found.Entries.Count);
                health.Add(await RemoteClusterHealthChecker.CheckAsync(entry, options, reporter, ct).ConfigureAwait(false));
            }
        }
        finally
        {
            reporter.ProgressCompleted(RemoteClusterHealthChecker.Activity);
        }

        return new RemoteClusterTestResult(health, found.NotFound);
    }
}
