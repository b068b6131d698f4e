using System.Diagnostics;
using k8s;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>
/// Many clusters at once (-ThrottleLimit): correctness, not speed. "Clusters" here are several contexts for
/// cluster2 (the work per context is the same as for distinct clusters), plus ones that fail on purpose.
/// </summary>
public sealed class FanOutTests(ClustersFixture fixture) : TempFolderTest("meshcluster-fanout-")
{
    private readonly TestCluster _cluster = fixture.Clusters.Cluster2;
    private static void Out(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    /// <summary>A kubeconfig with the test ground's contexts plus fan-0..fan-(n-1) for cluster2, and "closed" for a port nothing listens on.</summary>
    private string KubeConfig(int contexts)
    {
        var path = Path.Combine(TempDir, $"fan-{contexts}.yaml");
        ProxyKubeConfig.Write(_cluster, path, _cluster.Server, File.ReadAllText(_cluster.CaFile), Enumerable.Range(0, contexts).Select(i => $"fan-{i}"));
        var closed = Path.Combine(TempDir, "closed.yaml");
        ProxyKubeConfig.Write(_cluster, closed, $"https://127.0.0.1:{LoopbackPorts.Free()}", File.ReadAllText(_cluster.CaFile), new[] { "closed" });
        return path + Path.PathSeparator + closed;
    }

    private static PowerShellSession Session(string kubeConfig)
    {
        var session = PowerShellSession.Start();
        session.Invoke("$global:PSDefaultParameterValues = @{ '*-Istio*:KubeConfig' = $args[0] }", kubeConfig).AssertSucceeded();
        return session;
    }

    private async Task<string> ReadyNamespaceAsync()
    {
        var ns = fixture.UniqueName("fan-ready");
        await _cluster.EnsureNamespaceAsync(ns, Ct);
        await using var kubelet = SimulatedKubelet.Start(_cluster.Admin, ns, new SimulatedKubeletOptions { ReadyAfter = TimeSpan.FromMilliseconds(100) });
        await _cluster.Admin.AppsV1.CreateNamespacedDeploymentAsync(TestWorkloads.Deployment("istiod", 1, "discovery"), ns, cancellationToken: Ct);
        for (var i = 0; i < 200; i++)
        {
            var d = await _cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("istiod", ns, cancellationToken: Ct);
            if (d.Status?.AvailableReplicas == 1) return ns;
            await Task.Delay(100, Ct);
        }

        throw new TimeoutException("istiod never became available");
    }

    [Fact]
    public async Task One_failing_cluster_is_an_error_naming_it_and_the_others_succeed()
    {
        var ns = await ReadyNamespaceAsync();
        using var session = Session(KubeConfig(4));

        var result = session.Invoke("""
            'fan-0', 'closed', 'fan-1', 'fan-2', 'fan-3' | ForEach-Object { [pscustomobject]@{ Context = $_ } } |
                Wait-IstioControlPlane -Namespace $args[0] -Timeout 00:00:05 -ThrottleLimit 8
            """, ns);

        Assert.Equal(new[] { "fan-0", "fan-1", "fan-2", "fan-3" }, result.Output.Select(o => (string)o.Prop("Context")!).OrderBy(c => c));
        Assert.All(result.Output, o => Assert.Equal(true, o.Prop("Ready")));
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("KubeApiUnreachable,", error.FullyQualifiedErrorId);
        Assert.Equal("closed", error.TargetObject);
        Assert.Null(result.Terminating);
    }

    [Fact]
    public async Task ErrorAction_Stop_ends_the_fan_out_at_the_first_failure_and_cancels_the_rest()
    {
        // Four waits for a gateway that never gets an address (a minute each), and cluster1, which has no such
        // gateway at all: it fails at once, and with Stop the four waits must end with it.
        var ns = fixture.UniqueName("fan-stop");
        await _cluster.EnsureNamespaceAsync(ns, Ct);
        await LoadBalancerSimulator.CreateServiceAsync(_cluster.Admin, ns, "istio-ingressgateway", ct: Ct);
        using var session = Session(KubeConfig(4));

        var watch = Stopwatch.StartNew();
        var result = session.Invoke("""
            $ErrorActionPreference = 'Stop'
            'fan-0', 'fan-1', 'fan-2', 'fan-3', 'cluster1' | ForEach-Object { [pscustomobject]@{ Context = $_ } } |
                Get-IstioDiscoveryAddress -Namespace $args[0] -Wait -Timeout 00:01:00 -ThrottleLimit 8
            """, ns);
        var took = watch.Elapsed;
        Out($"ended after {took.TotalSeconds:0.0} s");

        Assert.NotNull(result.Terminating);
        Assert.StartsWith("IngressGatewayNotFound,", result.Terminating!.ErrorRecord.FullyQualifiedErrorId);
        Assert.Contains("cluster1", result.Terminating.ErrorRecord.Exception.Message);
        Assert.Empty(result.Output);
        Assert.True(took < TimeSpan.FromSeconds(20), $"the other waits were not cancelled: {took}");
    }

    [Fact]
    public async Task Ctrl_C_stops_every_input_of_a_fan_out_within_a_second()
    {
        var ns = fixture.UniqueName("fan-ctrlc");
        await _cluster.EnsureNamespaceAsync(ns, Ct);
        using var session = Session(KubeConfig(6));

        var result = await session.InvokeAsync("""
            0..5 | ForEach-Object { [pscustomobject]@{ Context = "fan-$_" } } |
                Wait-IstioControlPlane -Namespace $args[0] -Timeout 00:05:00 -ThrottleLimit 8
            """, TimeSpan.FromSeconds(2), ns);

        Assert.NotNull(result.StopRequestedAt);
        Assert.NotNull(result.Stopped);
        var stoppedAfter = DateTime.UtcNow - result.StopRequestedAt!.Value;
        Out($"stopped {stoppedAfter.TotalMilliseconds:0} ms after the request");
        Assert.InRange(stoppedAfter, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task Results_at_once_are_the_results_one_after_the_other()
    {
        var ns = fixture.UniqueName("fan-same");
        await _cluster.EnsureNamespaceAsync(ns, Ct);
        await LoadBalancerSimulator.CreateServiceAsync(_cluster.Admin, ns, "istio-ingressgateway", ct: Ct);
        await LoadBalancerSimulator.SetIngressAsync(_cluster.Admin, ns, "istio-ingressgateway", new (string?, string?)[] { ("192.0.2.90", null), (null, "gw.example") }, Ct);
        using var session = Session(KubeConfig(6));
        const string Script = "0..5 | ForEach-Object { [pscustomobject]@{ Context = \"fan-$_\" } } | Get-IstioDiscoveryAddress -Namespace $args[0] -ThrottleLimit $args[1]";

        string Rows(PowerShellResult r) => string.Join("\n", r.Output
            .Select(o => $"{o.Prop("Context")} {o.Prop("Address")} {o.Prop("AddressType")} {string.Join(",", (string[])o.Prop("AllAddresses")!)} {o.Prop("Namespace")}/{o.Prop("ServiceName")}")
            .OrderBy(s => s, StringComparer.Ordinal));
        var sequential = session.Invoke(Script, ns, 1);
        var atOnce = session.Invoke(Script, ns, 8);

        sequential.AssertSucceeded();
        atOnce.AssertSucceeded();
        Assert.Equal(6, atOnce.Output.Count);
        Assert.Equal(Rows(sequential), Rows(atOnce));
        // One parent record, with a child for each input.
        var parent = Assert.Single(atOnce.Progress.Where(p => p.ParentActivityId < 0).Select(p => p.ActivityId).Distinct());
        Assert.Contains(atOnce.Progress, p => p.ActivityId == parent && p.StatusDescription == "6 of 6 done, 0 running");
    }

    [Fact]
    public async Task A_kubeconfig_changed_between_two_calls_in_one_session_is_read_again()
    {
        var ns = fixture.UniqueName("fan-reread");
        foreach (var (cluster, address) in new[] { (fixture.Clusters.Cluster1, "192.0.2.91"), (fixture.Clusters.Cluster2, "192.0.2.92") })
        {
            await cluster.EnsureNamespaceAsync(ns, Ct);
            await LoadBalancerSimulator.CreateServiceAsync(cluster.Admin, ns, "istio-ingressgateway", ct: Ct);
            await LoadBalancerSimulator.SetIngressAsync(cluster.Admin, ns, "istio-ingressgateway", new (string?, string?)[] { (address, null) }, Ct);
        }

        var path = Path.Combine(TempDir, "moving.yaml");
        ProxyKubeConfig.Write(fixture.Clusters.Cluster1, path, fixture.Clusters.Cluster1.Server, File.ReadAllText(fixture.Clusters.Cluster1.CaFile), new[] { "moving" });
        using var session = PowerShellSession.Start();

        var first = session.Invoke("Get-IstioDiscoveryAddress -KubeConfig $args[0] -Context moving -Namespace $args[1]", path, ns);
        // The same context name now points at cluster2, as `az aks get-credentials --overwrite-existing` would leave it.
        await Task.Delay(20, Ct);
        ProxyKubeConfig.Write(fixture.Clusters.Cluster2, path, fixture.Clusters.Cluster2.Server, File.ReadAllText(fixture.Clusters.Cluster2.CaFile), new[] { "moving" });
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(1));
        var second = session.Invoke("Get-IstioDiscoveryAddress -KubeConfig $args[0] -Context moving -Namespace $args[1]", path, ns);

        first.AssertSucceeded();
        second.AssertSucceeded();
        Assert.Equal("192.0.2.91", Assert.Single(first.Output).Prop("Address"));
        Assert.Equal("192.0.2.92", Assert.Single(second.Output).Prop("Address"));
    }
}
