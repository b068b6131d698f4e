using System.Diagnostics;
using System.Management.Automation;
using k8s;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>Get-IstioDiscoveryAddress through the real PowerShell engine against real API servers.</summary>
public sealed class DiscoveryAddressTests(ClustersFixture fixture)
{
    private const string Gateway = "istio-ingressgateway";
    private const string Cmdlet = "MeshCluster.Commands.GetIstioDiscoveryAddressCommand";
    private readonly TestClusters _clusters = fixture.Clusters;

    private static void Out(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    [Fact]
    public async Task Reads_the_IP_address_and_every_entry_in_order()
    {
        var ns = await GatewayAsync(_clusters.Cluster1, "da-ip", ("192.0.2.10", null), ("192.0.2.11", null), ("2001:db8::1", null));
        using var ps = fixture.NewSession();

        var result = ps.Invoke("Get-IstioDiscoveryAddress -Context $C1 -Namespace $args[0]", ns);

        Assert.Empty(result.Errors);
        Assert.Null(result.Terminating);
        var address = Assert.Single(result.Output);
        Assert.Contains("MeshCluster.IstioDiscoveryAddress", address.TypeNames);
        Assert.Equal("192.0.2.10", address.Prop("Address"));
        Assert.Equal("IP", address.Prop("AddressType")?.ToString());
        Assert.Equal(new[] { "192.0.2.10", "192.0.2.11", "2001:db8::1" }, Assert.IsType<string[]>(address.Prop("AllAddresses")));
        Assert.Equal(Gateway, address.Prop("ServiceName"));
        Assert.Equal(ns, address.Prop("Namespace"));
        Assert.Equal("cluster1", address.Prop("Context"));
        Assert.Equal("192.0.2.10", address.ToString());
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public async Task Uses_the_current_context_and_the_ServiceName_position_when_not_given()
    {
        var ns = await GatewayAsync(_clusters.Cluster1, "da-pos", ("192.0.2.20", null));
        await _clusters.Cluster1.Admin.CoreV1.CreateNamespacedServiceAsync(new k8s.Models.V1Service
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "other-gateway" },
            Spec = new k8s.Models.V1ServiceSpec { Type = "LoadBalancer", Ports = new List<k8s.Models.V1ServicePort> { new() { Port = 443, Protocol = "TCP" } } },
        }, ns, cancellationToken: Ct);
        await LoadBalancerSimulator.SetIngressAsync(_clusters.Cluster1.Admin, ns, "other-gateway", new (string?, string?)[] { ("192.0.2.21", null) }, Ct);
        using var ps = fixture.NewSession();

        var byDefault = ps.Invoke("Get-IstioDiscoveryAddress -Namespace $args[0]", ns);
        var byName = ps.Invoke("Get-IstioDiscoveryAddress other-gateway -Namespace $args[0]", ns);

        var first = Assert.Single(byDefault.Output);
        Assert.Equal("cluster1", first.Prop("Context")); // the kubeconfig's current-context
        Assert.Equal("192.0.2.20", first.Prop("Address"));
        var second = Assert.Single(byName.Output);
        Assert.Equal("other-gateway", second.Prop("ServiceName"));
        Assert.Equal("192.0.2.21", second.Prop("Address"));
    }

    [Fact]
    public async Task A_hostname_only_entry_is_a_Hostname_with_the_warning_of_what_istioctl_makes_of_it()
    {
        var ns = await GatewayAsync(_clusters.Cluster1, "da-host", (null, "abc123.elb.us-east-1.amazonaws.com"));
        using var ps = fixture.NewSession();

        var result = ps.Invoke("Get-IstioDiscoveryAddress -Context $C1 -Namespace $args[0]", ns);

        var address = Assert.Single(result.Output);
        Assert.Equal("abc123.elb.us-east-1.amazonaws.com", address.Prop("Address"));
        Assert.Equal("Hostname", address.Prop("AddressType")?.ToString());
        var warning = Assert.Single(result.Warnings);
        Assert.Contains("hostname", warning, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("before 1.15", warning);
        Assert.Contains("istio#45014", warning);
    }

    [Fact]
    public async Task Mixed_entries_prefer_each_entrys_ip_and_keep_the_order()
    {
        var ns = await GatewayAsync(_clusters.Cluster1, "da-mixed",
            (null, "first.lb.example.test"), ("192.0.2.30", "second.lb.example.test"), ("192.0.2.31", null));
        using var ps = fixture.NewSession();

        var result = ps.Invoke("Get-IstioDiscoveryAddress -Context $C1 -Namespace $args[0]", ns);

        var address = Assert.Single(result.Output);
        Assert.Equal(new[] { "first.lb.example.test", "192.0.2.30", "192.0.2.31" }, (string[])address.Prop("AllAddresses")!);
        Assert.Equal("first.lb.example.test", address.Prop("Address"));
        Assert.Equal("Hostname", address.Prop("AddressType")?.ToString());
    }

    [Fact]
    public async Task A_pending_address_without_Wait_is_DiscoveryAddressPending()
    {
        var ns = await GatewayAsync(_clusters.Cluster1, "da-pending");
        using var ps = fixture.NewSession();

        var result = ps.Invoke("Get-IstioDiscoveryAddress -Context $C1 -Namespace $args[0]", ns);

        Assert.Empty(result.Output);
        Assert.Null(result.Terminating);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("DiscoveryAddressPending,", error.FullyQualifiedErrorId);
        Assert.Equal($"DiscoveryAddressPending,{Cmdlet}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
        Assert.Equal($"{ns}/{Gateway}", error.TargetObject);
        Assert.Contains("-Wait", error.ToString());
        Assert.Contains("'cluster1'", error.ToString());
    }

    [Fact]
    public async Task A_ClusterIP_Service_says_why_it_gets_no_address()
    {
        var ns = fixture.UniqueName("da-clusterip");
        await _clusters.Cluster1.EnsureNamespaceAsync(ns, Ct);
        await LoadBalancerSimulator.CreateServiceAsync(_clusters.Cluster1.Admin, ns, Gateway, type: "ClusterIP", ct: Ct);
        using var ps = fixture.NewSession();

        var pending = ps.Invoke("Get-IstioDiscoveryAddress -Context $C1 -Namespace $args[0]", ns);
        var waited = ps.Invoke("Get-IstioDiscoveryAddress -Context $C1 -Namespace $args[0] -Wait -Timeout 00:00:01", ns);

        var error = Assert.Single(pending.Errors);
        Assert.StartsWith("DiscoveryAddressPending,", error.FullyQualifiedErrorId);
        Assert.Contains("ClusterIP", error.ToString());
        Assert.Contains(waited.Warnings, w => w.Contains("ClusterIP"));
        Assert.StartsWith("DiscoveryAddressTimeout,", Assert.Single(waited.Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public async Task ErrorAction_Stop_makes_DiscoveryAddressPending_terminating_with_the_same_id()
    {
        var ns = await GatewayAsync(_clusters.Cluster1, "da-stop");
        using var ps = fixture.NewSession();

        var result = ps.Invoke("Get-IstioDiscoveryAddress -Context $C1 -Namespace $args[0] -ErrorAction Stop; 'not reached'", ns);

        Assert.NotNull(result.Terminating);
        Assert.Empty(result.Output);
        Assert.StartsWith("DiscoveryAddressPending,", result.Terminating.ErrorRecord.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceUnavailable, result.Terminating.ErrorRecord.CategoryInfo.Category);
        Assert.Equal($"{ns}/{Gateway}", result.Terminating.ErrorRecord.TargetObject);
    }

    [Fact]
    public async Task Wait_returns_the_address_assigned_later()
    {
        var ns = await GatewayAsync(_clusters.Cluster1, "da-wait");
        using var ps = fixture.NewSession();

        var invocation = ps.InvokeAsync("Get-IstioDiscoveryAddress -Context $C1 -Namespace $args[0] -Wait -Timeout 00:01:00", null, ns);
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        Assert.False(invocation.IsCompleted, "returned before any address was assigned");
        var assignedAt = DateTime.UtcNow;
        await LoadBalancerSimulator.SetIngressAsync(_clusters.Cluster1.Admin, ns, Gateway, new (string?, string?)[] { ("192.0.2.40", null) }, Ct);
        var result = await invocation;
        Out($"-Wait returned {(DateTime.UtcNow - assignedAt).TotalMilliseconds:0} ms after the address was assigned.");

        Assert.Empty(result.Errors);
        var address = Assert.Single(result.Output);
        Assert.Equal("192.0.2.40", address.Prop("Address"));
        Assert.True(result.Duration >= TimeSpan.FromSeconds(2));
        // The wait is shown as progress and ends with a Completed record.
        Assert.Contains(result.Progress, p => p.RecordType == ProgressRecordType.Processing);
        Assert.Equal(ProgressRecordType.Completed, result.Progress.Last().RecordType);
    }

    [Fact]
    public async Task Wait_with_a_short_Timeout_and_no_address_is_DiscoveryAddressTimeout()
    {
        var ns = await GatewayAsync(_clusters.Cluster1, "da-timeout");
        using var ps = fixture.NewSession();

        var result = ps.Invoke("Get-IstioDiscoveryAddress -Context $C1 -Namespace $args[0] -Wait -Timeout 00:00:02", ns);

        Assert.Empty(result.Output);
        var error = Assert.Single(result.Errors);
        Assert.Equal($"DiscoveryAddressTimeout,{Cmdlet}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
        Assert.Equal($"{ns}/{Gateway}", error.TargetObject);
        Assert.True(result.Duration >= TimeSpan.FromSeconds(2), $"gave up after {result.Duration}");
        Assert.True(result.Duration < TimeSpan.FromSeconds(30), $"took {result.Duration}"); // sanity bound only
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:05")]
    [InlineData("10675199.02:48:05.4775807")] // [TimeSpan]::MaxValue
    [InlineData("7.00:00:01")]
    public void A_Timeout_that_is_not_positive_or_above_a_week_is_TimeoutInvalid(string timeout)
    {
        using var ps = fixture.NewSession();

        var result = ps.Invoke("Get-IstioDiscoveryAddress -Context $C1 -Namespace kube-system -Wait -Timeout $args[0]", timeout);

        Assert.Empty(result.Output);
        var error = result.FirstError;
        Assert.NotNull(error);
        Assert.StartsWith("TimeoutInvalid,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(TimeSpan.Parse(timeout), error.TargetObject);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_missing_Service_is_IngressGatewayNotFound_naming_context_namespace_and_service(bool wait)
    {
        var ns = fixture.UniqueName("da-missing");
        await _clusters.Cluster2.EnsureNamespaceAsync(ns, Ct);
        using var ps = fixture.NewSession();

        var result = ps.Invoke("Get-IstioDiscoveryAddress -Context $C2 -Namespace $args[0] -Wait:$args[1] -Timeout 00:00:30", ns, wait);

        Assert.Empty(result.Output);
        var error = Assert.Single(result.Errors);
        Assert.Equal($"IngressGatewayNotFound,{Cmdlet}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal($"{ns}/{Gateway}", error.TargetObject);
        var message = error.ToString();
        Assert.Contains("'cluster2'", message);
        Assert.Contains($"'{ns}'", message);
        Assert.Contains($"'{Gateway}'", message);
        Assert.True(result.Duration < TimeSpan.FromSeconds(20), $"-Wait:{wait} waited {result.Duration} for a Service that does not exist");
    }

    [Fact]
    public async Task Context_binds_from_the_pipeline_by_property_name_for_both_clusters()
    {
        var ns = fixture.UniqueName("da-pipe");
        await GatewayAsync(_clusters.Cluster1, ns, exactName: true, ("192.0.2.51", null));
        await GatewayAsync(_clusters.Cluster2, ns, exactName: true, ("198.51.100.52", null));
        using var ps = fixture.NewSession();

        var result = ps.Invoke("[pscustomobject]@{Context='cluster1'},[pscustomobject]@{Context='cluster2'} | Get-IstioDiscoveryAddress -Namespace $args[0]", ns);

        Assert.Empty(result.Errors);
        // Both at once: results come in completion order, each naming its context.
        Assert.Collection(result.Output.OrderBy(a => (string)a.Prop("Context")!, StringComparer.Ordinal),
            a => { Assert.Equal("cluster1", a.Prop("Context")); Assert.Equal("192.0.2.51", a.Prop("Address")); },
            a => { Assert.Equal("cluster2", a.Prop("Context")); Assert.Equal("198.51.100.52", a.Prop("Address")); });
    }

    [Fact]
    public async Task A_pending_cluster_in_the_pipeline_does_not_stop_the_next_one()
    {
        var ns = fixture.UniqueName("da-pipe2");
        await GatewayAsync(_clusters.Cluster1, ns, exactName: true);
        await GatewayAsync(_clusters.Cluster2, ns, exactName: true, ("198.51.100.60", null));
        using var ps = fixture.NewSession();

        var result = ps.Invoke("$C1, $C2 | ForEach-Object { [pscustomobject]@{Context=$_} } | Get-IstioDiscoveryAddress -Namespace $args[0]", ns);

        Assert.Equal("DiscoveryAddressPending", Assert.Single(result.Errors).FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal("cluster2", Assert.Single(result.Output).Prop("Context"));
    }

    [Fact]
    public async Task An_unknown_context_is_KubeContextNotFound_listing_the_contexts_and_the_next_input_goes_on()
    {
        var ns = await GatewayAsync(_clusters.Cluster1, "da-noctx", ("192.0.2.70", null));
        using var ps = fixture.NewSession();

        var result = ps.Invoke("Get-IstioDiscoveryAddress -Context no-such-cluster -Namespace $args[0]", ns);
        // That input's error only (issue 20): the next input is still read and answered.
        var piped = ps.Invoke("[pscustomobject]@{Context='no-such-cluster'},[pscustomobject]@{Context=$C1} | Get-IstioDiscoveryAddress -Namespace $args[0]", ns);
        var caught = ps.Invoke("try { Get-IstioDiscoveryAddress -Context no-such-cluster -Namespace $args[0] } catch { 'caught:' + $_.FullyQualifiedErrorId }", ns);

        var error = result.FirstError;
        Assert.NotNull(error);
        Assert.Equal($"KubeContextNotFound,{Cmdlet}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("no-such-cluster", error.TargetObject);
        Assert.Contains("cluster1", error.ToString());
        Assert.Contains("cluster2", error.ToString());
        Assert.Equal("cluster1", Assert.Single(piped.Output).Prop("Context"));
        Assert.Null(piped.Terminating);
        Assert.StartsWith("KubeContextNotFound,", Assert.Single(piped.Errors).FullyQualifiedErrorId);
        // A non-terminating error is not caught by try/catch; -ErrorAction Stop makes it so.
        Assert.Empty(caught.Output);
        var stopped = ps.Invoke("try { Get-IstioDiscoveryAddress -Context no-such-cluster -Namespace $args[0] -ErrorAction Stop } catch { 'caught:' + $_.FullyQualifiedErrorId }", ns);
        Assert.Equal($"caught:KubeContextNotFound,{Cmdlet}", Assert.Single(stopped.Output).ToString());
    }

    [Fact]
    public void A_KubeConfig_that_does_not_exist_is_KubeConfigNotFound()
    {
        using var ps = fixture.NewSession();
        var missing = Path.Combine(Path.GetTempPath(), fixture.UniqueName("no-kubeconfig"), "config");

        var result = ps.Invoke("Get-IstioDiscoveryAddress -KubeConfig $args[0] -Context $C1", missing);

        Assert.Empty(result.Output);
        var error = result.FirstError;
        Assert.NotNull(error);
        Assert.Equal($"KubeConfigNotFound,{Cmdlet}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal(missing, error.TargetObject);
        Assert.Contains(missing, error.ToString());
    }

    [Fact]
    public async Task Ctrl_C_ends_a_long_Wait_promptly()
    {
        var ns = await GatewayAsync(_clusters.Cluster1, "da-stopwait");
        using var ps = fixture.NewSession();

        var result = await ps.InvokeAsync("Get-IstioDiscoveryAddress -Context $C1 -Namespace $args[0] -Wait -Timeout 00:05:00",
            TimeSpan.FromSeconds(1.5), ns);
        var returnedAt = DateTime.UtcNow;

        Assert.NotNull(result.StopRequestedAt);
        var latency = returnedAt - result.StopRequestedAt.Value;
        Out($"Ctrl+C: returned {latency.TotalMilliseconds:0} ms after the stop request (whole call {result.Duration.TotalMilliseconds:0} ms).");
        Assert.NotNull(result.Stopped);
        Assert.Empty(result.Output);
        Assert.Empty(result.Errors);
        Assert.True(latency < TimeSpan.FromSeconds(3), $"returned {latency} after the stop request"); // generous sanity bound
    }

    [Fact]
    public async Task Verbose_says_what_it_reads()
    {
        var ns = await GatewayAsync(_clusters.Cluster1, "da-verbose", ("192.0.2.80", null), ("192.0.2.81", null));
        using var ps = fixture.NewSession();

        var result = ps.Invoke("Get-IstioDiscoveryAddress -Context $C1 -Namespace $args[0] -Verbose", ns);

        Assert.Single(result.Output);
        Assert.Contains(result.Verbose, v => v.Contains($"Service {ns}/{Gateway}") && v.Contains("'cluster1'"));
        Assert.Contains(result.Verbose, v => v.Contains("192.0.2.80") && v.Contains("192.0.2.81"));
        // Without -Verbose nothing is shown.
        Assert.Empty(ps.Invoke("Get-IstioDiscoveryAddress -Context $C1 -Namespace $args[0]", ns).Verbose);
    }

    [Fact]
    public async Task No_admin_token_appears_in_any_stream_with_Verbose_and_Debug()
    {
        var ns = await GatewayAsync(_clusters.Cluster1, "da-secret");
        var tokens = _clusters.All
            .Select(c => KubernetesClientConfiguration.BuildConfigFromConfigFile(_clusters.KubeConfigPath, currentContext: c.ContextName).AccessToken)
            .ToArray();
        Assert.All(tokens, t => Assert.True(t?.Length >= 16, "the test needs the admin tokens to look for"));
        using var ps = fixture.NewSession();

        var pending = ps.Invoke("Get-IstioDiscoveryAddress -Context $C1 -Namespace $args[0] -Verbose -Debug", ns);
        var waitInvocation = ps.InvokeAsync("Get-IstioDiscoveryAddress -Context $C1 -Namespace $args[0] -Wait -Timeout 00:01:00 -Verbose -Debug", null, ns);
        await Task.Delay(1000, Ct);
        await LoadBalancerSimulator.SetIngressAsync(_clusters.Cluster1.Admin, ns, Gateway, new (string?, string?)[] { ("192.0.2.90", null) }, Ct);
        var waited = await waitInvocation;
        var missing = ps.Invoke("Get-IstioDiscoveryAddress -Context $C2 -Namespace $args[0] -Verbose -Debug", ns);
        var noContext = ps.Invoke("Get-IstioDiscoveryAddress -Context nope -Namespace $args[0] -Verbose -Debug", ns);

        Assert.Single(pending.Errors);
        Assert.Single(waited.Output);
        Assert.NotEmpty(waited.Debug); // the test saw the debug stream it checks
        Assert.Single(missing.Errors);
        Assert.NotNull(noContext.FirstError);
        foreach (var result in new[] { pending, waited, missing }) Assert.NotEmpty(result.Verbose);
        foreach (var result in new[] { pending, waited, missing, noContext })
        {
            var text = result.EverythingAsText();
            foreach (var token in tokens) Assert.DoesNotContain(token!, text);
        }
    }

    [Fact]
    public async Task Measure_Import_Module_and_the_first_call_in_a_fresh_session()
    {
        var ns = await GatewayAsync(_clusters.Cluster1, "da-first", ("192.0.2.100", null));

        var stopwatch = Stopwatch.StartNew();
        using var ps = fixture.NewSession();
        var imported = stopwatch.Elapsed;
        var result = ps.Invoke("Get-IstioDiscoveryAddress -Context $C1 -Namespace $args[0]", ns);
        var firstCall = stopwatch.Elapsed - imported;
        var second = Stopwatch.StartNew();
        ps.Invoke("Get-IstioDiscoveryAddress -Context $C1 -Namespace $args[0]", ns);
        Out($"New session + Import-Module: {imported.TotalMilliseconds:0} ms; first Get-IstioDiscoveryAddress: {firstCall.TotalMilliseconds:0} ms; second: {second.ElapsedMilliseconds} ms.");

        Assert.Equal("192.0.2.100", Assert.Single(result.Output).Prop("Address"));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(60)); // sanity bound only
    }

    /// <summary>A fresh namespace (or <paramref name="prefix"/> itself with <paramref name="exactName"/>) holding the gateway Service.</summary>
    private async Task<string> GatewayAsync(TestCluster cluster, string prefix, bool exactName, params (string? Ip, string? Hostname)[] ingress)
    {
        var ns = exactName ? prefix : fixture.UniqueName(prefix);
        await cluster.EnsureNamespaceAsync(ns, Ct);
        await LoadBalancerSimulator.CreateServiceAsync(cluster.Admin, ns, Gateway, ct: Ct);
        if (ingress.Length > 0) await LoadBalancerSimulator.SetIngressAsync(cluster.Admin, ns, Gateway, ingress, Ct);
        return ns;
    }

    private Task<string> GatewayAsync(TestCluster cluster, string prefix, params (string? Ip, string? Hostname)[] ingress) =>
        GatewayAsync(cluster, prefix, false, ingress);

}
