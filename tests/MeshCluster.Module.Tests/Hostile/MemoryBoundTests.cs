using MeshCluster.Module.Tests.RemoteSecret;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests.Hostile;

/// <summary>
/// Issue 20, point 4, measured: memory stays bounded when every remote of a primary points at a server streaming without end, and
/// -ThrottleLimit checks them at once. Measured in a child process (tests/MeshCluster.ChildHost reports its peak working set), so
/// nothing else of the test run counts. A limit, not a timing: the bound has a wide margin over what the module needs.
/// </summary>
public sealed class MemoryBoundTests(ClustersFixture fixture)
{
    private const int Remotes = 8;
    private const long Bound = 1024L * 1024 * 1024;

    private readonly RemoteSecretGround _ground = new(fixture);

    [Fact]
    public async Task Eight_checks_of_endless_servers_at_once_stay_under_1_GiB()
    {
        var ns = await _ground.NamespaceAsync("i20-memory");
        using var endless = PlainHttpServer.Endless();
        for (var i = 0; i < Remotes; i++)
        {
            var name = $"endless-{i}";
            await _ground.WriteRemoteSecretAsync(ns, name, RemoteSecretGround.KubeConfig(name, endless.Server, null, null,
                userYaml: "    auth-provider:\n      name: oidc\n      config:\n        id-token: not-sent\n"));
        }

        var report = await ChildHost.RunAsync("""
            Test-IstioRemoteCluster -KubeConfig $args[0] -Context $args[2] -Namespace $args[1] -ThrottleLimit 8 |
                ForEach-Object { '{0}: {1}' -f $_.ClusterName, ($_.Checks | Where-Object Name -eq Server).Detail }
            """, fixture.KubeConfigPath, ns, _ground.Primary.ContextName);

        Assert.True(report.ExitCode == 0, $"the child process ended with exit code {report.ExitCode}: {report.StdErr}");
        Assert.Empty(report.ErrorIds);
        Assert.Equal(Remotes, report.Output.Count);
        Assert.All(report.Output, line => Assert.Contains("answered more than 16 MiB", line));
        Assert.True(endless.Requests >= Remotes, $"{endless.Requests} requests");
        // Before: each /version answer was buffered up to 128 MiB (and 2 GiB before that), eight at once; now 16 MiB each (measured: 222 MiB in all).
        TestContext.Current.TestOutputHelper?.WriteLine($"peak working set of the child: {report.PeakWorkingSetBytes / (1024 * 1024)} MiB");
        Assert.InRange(report.PeakWorkingSetBytes, 1, Bound);
    }
}
