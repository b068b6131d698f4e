using System.Diagnostics;
using MeshCluster.Module.Tests.RemoteSecret;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests.Hostile;

/// <summary>
/// Issue 20, point 7: a plain call (not a wait) against a server that accepts the connection and never answers ends at one
/// overall deadline (30 s, retries included), not after four silent attempts of 15 s each.
/// </summary>
public sealed class DeadlineTests(ClustersFixture fixture)
{
    private readonly RemoteSecretGround _ground = new(fixture);

    [Fact]
    public async Task A_server_that_never_answers_ends_a_plain_call_within_the_deadline()
    {
        await using var proxy = FaultProxy.Start(_ground.Remote);
        proxy.Inject(Fault.Hold(), times: int.MaxValue);
        using var session = fixture.NewSession();

        var watch = Stopwatch.StartNew();
        var result = session.Invoke("Get-IstioRemoteSecret -KubeConfig $args[0] -Context $args[1]", proxy.KubeConfigPath, proxy.ContextName);
        watch.Stop();

        var error = result.FirstError;
        Assert.NotNull(error);
        Assert.StartsWith("KubeApiUnreachable,", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
        Assert.Contains("30 s in all", error.ToString());
        // Before: 4 attempts x 15 s = 60 s. The deadline is 30 s; the margin is for a loaded host, not a speed goal.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(45), $"{watch.Elapsed}");
        // Three attempts of 10 s at each path fit in the deadline; never the five the retry count alone would allow.
        Assert.All(proxy.Requests.GroupBy(r => r.Target), g => Assert.InRange(g.Count(), 1, 3));
    }
}
