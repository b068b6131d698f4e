using System.Management.Automation;
using k8s;
using k8s.Models;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests.Hostile;

/// <summary>
/// Issue 20, point 4, for watches: a watch sends one JSON event a line, and a line without end was buffered without limit. The
/// fault proxy in front of a real cluster passes the lists through and turns each watch into a line that never ends.
/// </summary>
public sealed class WatchLineTests(ClustersFixture fixture)
{
    [Theory]
    [InlineData("Wait-IstioControlPlane -KubeConfig $args[0] -Context $args[1] -Namespace $args[2] -Timeout 00:02:00")]
    [InlineData("Get-IstioDiscoveryAddress -KubeConfig $args[0] -Context $args[1] -Namespace $args[2] -Wait -Timeout 00:02:00")]
    public async Task A_watch_line_without_end_is_KubeApiResponseTooLarge_at_16_MiB(string command)
    {
        var cluster = fixture.Clusters.Cluster2;
        var ns = fixture.UniqueName("i20-watchline");
        await cluster.EnsureNamespaceAsync(ns, Ct);
        // A gateway Service without an address (ClusterIP: no load balancer gives it one), for Get-IstioDiscoveryAddress -Wait to watch.
        await cluster.Admin.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "istio-ingressgateway" },
            Spec = new V1ServiceSpec { Type = "ClusterIP", Ports = new List<V1ServicePort> { new() { Name = "tls", Port = 15443 } } },
        }, ns, cancellationToken: Ct);
        await using var proxy = FaultProxy.Start(cluster);
        proxy.Inject(Fault.WatchEndlessLine());
        using var session = fixture.NewSession();

        var result = session.Invoke(command + " -WarningAction SilentlyContinue", proxy.KubeConfigPath, proxy.ContextName, ns);

        var error = Assert.Single(result.Errors);
        Assert.True(error.FullyQualifiedErrorId.StartsWith("KubeApiResponseTooLarge,", StringComparison.Ordinal), error.FullyQualifiedErrorId + ": " + error);
        Assert.Equal(ErrorCategory.LimitsExceeded, error.CategoryInfo.Category);
        Assert.Contains("sent a watch event (one line) longer than 16 MiB", error.ToString());
        Assert.Empty(result.Output);
        // The wait ends at the first such line: no relisting and rewatching the same stream over and over.
        var watches = proxy.Requests.Where(r => r.IsWatch).ToList();
        Assert.NotEmpty(watches);
        Assert.True(watches.Count <= 3, string.Join("\n", watches));
    }
}
