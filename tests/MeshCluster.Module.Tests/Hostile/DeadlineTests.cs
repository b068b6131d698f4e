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

    /// <summary>
    /// Issue 20, point 10: a -Timeout too short for any answer, against a server that answers, is no KubeApiUnreachable. The fault
    /// proxy holds every request but /version for 300 ms (a server a little slower than the -Timeout), so the deadline always
    /// comes before the first answer: on a bare loopback server a list can beat a 1 ms timer.
    /// </summary>
    [Theory]
    [InlineData("Wait-IstioControlPlane -KubeConfig $args[1] -Context $args[2] -Namespace $args[0] -Timeout 00:00:00.001")]
    [InlineData("Get-IstioDiscoveryAddress -KubeConfig $args[1] -Context $args[2] -Namespace $args[0] -Wait -Timeout 00:00:00.001")]
    public async Task A_tiny_Timeout_on_a_healthy_server_says_the_Timeout_is_too_short(string command)
    {
        var ns = fixture.UniqueName("i20-tiny");
        await _ground.Remote.EnsureNamespaceAsync(ns, Ct);
        await using var proxy = FaultProxy.Start(_ground.Remote);
        proxy.Inject(Fault.Hold(TimeSpan.FromMilliseconds(300)), when: r => !r.Path.StartsWith("/version", StringComparison.Ordinal));
        using var session = fixture.NewSession();

        var result = session.Invoke(command, ns, proxy.KubeConfigPath, proxy.ContextName);

        var error = Assert.Single(result.Errors);
        Assert.True(error.FullyQualifiedErrorId.StartsWith("WaitTimeoutTooShort,", StringComparison.Ordinal), error.FullyQualifiedErrorId + ": " + error);
        Assert.Equal(System.Management.Automation.ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
        Assert.Contains("The -Timeout of 1 ms passed before the API server", error.ToString());
        Assert.Contains("it is not unreachable", error.ToString());
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task A_tiny_Timeout_in_Test_IstioRemoteCluster_says_it_is_too_short_not_that_the_server_is_silent()
    {
        var ns = await _ground.NamespaceAsync("i20-tinytest");
        using var session = fixture.NewSession();
        var token = RemoteSecretGround.TokenOf(await _ground.PublishAsync(session, ns, "good"), "good");
        // The remote through the fault proxy, 300 ms slow: its answer always comes after a 1 ms -Timeout, and within the second's grace.
        await using var proxy = FaultProxy.Start(_ground.Remote);
        proxy.Inject(Fault.Hold(TimeSpan.FromMilliseconds(300)));
        var ca = System.Text.Encoding.UTF8.GetBytes(await File.ReadAllTextAsync(proxy.CaFile, Ct));
        await _ground.WriteRemoteSecretAsync(ns, "slow", RemoteSecretGround.KubeConfig("slow", proxy.Server, ca, token));

        var result = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0] -ClusterName slow -Timeout 00:00:00.001", ns);

        result.AssertSucceeded();
        var checks = ((object[])Assert.Single(result.Output).Prop("Checks")!).Select(System.Management.Automation.PSObject.AsPSObject)
            .ToDictionary(r => (string)r.Prop("Name")!, r => (string)r.Prop("Detail")!);
        Assert.Contains("within the -Timeout of 1 ms, though it answers", checks["Server"]);
        Assert.Contains("the -Timeout is too short", checks["Server"]);
    }
}
