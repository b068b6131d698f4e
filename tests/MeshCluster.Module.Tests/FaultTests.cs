using System.Diagnostics;
using System.Management.Automation;
using k8s;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>
/// The module on an operator's worst day: cluster2's API server behind the test ground's fault proxy, which
/// refuses, resets, holds, answers 429/503 or garbage, spoils watches, or shows a certificate for another
/// name. Each test has its own proxy and namespace; nothing here may end in a CLR exception's error id.
/// </summary>
public sealed class FaultTests(ClustersFixture fixture)
{
    private readonly TestCluster _cluster = fixture.Clusters.Cluster2;
    private static void Out(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    /// <summary>A session whose cmdlets go through the proxy by default.</summary>
    private PowerShellSession Session(FaultProxy proxy)
    {
        var session = PowerShellSession.Start();
        session.Invoke("$global:PSDefaultParameterValues = @{ '*-Istio*:KubeConfig' = $args[0]; '*-Istio*:Context' = $args[1] }", proxy.KubeConfigPath, proxy.ContextName)
            .AssertSucceeded();
        return session;
    }

    private async Task<string> GatewayAsync(string prefix, string? address = "192.0.2.44")
    {
        var ns = fixture.UniqueName(prefix);
        await _cluster.EnsureNamespaceAsync(ns, Ct);
        await LoadBalancerSimulator.CreateServiceAsync(_cluster.Admin, ns, "istio-ingressgateway", ct: Ct);
        if (address is not null) await LoadBalancerSimulator.SetIngressAsync(_cluster.Admin, ns, "istio-ingressgateway", new (string?, string?)[] { (address, null) }, Ct);
        return ns;
    }

    private static Func<ProxiedRequest, bool> ServiceReads(string ns) =>
        r => r.Method == "GET" && r.Path == $"/api/v1/namespaces/{ns}/services/istio-ingressgateway";

    [Fact]
    public async Task A_server_whose_certificate_is_for_another_name_gets_no_token()
    {
        await using var proxy = FaultProxy.Start(_cluster);
        Assert.True(proxy.ChainsToClusterCa);
        proxy.PresentCertificateFor("wrong.example");
        using var session = Session(proxy);

        var result = session.Invoke("Get-IstioDiscoveryAddress -Namespace kube-system");

        var error = result.FirstError!;
        Assert.StartsWith("KubeApiUnreachable,", error.FullyQualifiedErrorId);
        Assert.Contains("valid for wrong.example, not 127.0.0.1", error.Exception.Message);
        // The TLS handshake failed, so no request (and no bearer token) reached the proxy.
        Assert.DoesNotContain(proxy.Requests, r => r.HadBearerToken);
        result.AssertNoSecret(fixture.AdminTokens);
    }

    [Fact]
    public async Task A_remote_secret_for_a_server_with_another_name_is_refused_and_nothing_is_written()
    {
        await using var proxy = FaultProxy.Start(_cluster);
        proxy.PresentCertificateFor("wrong.example");
        var ns = fixture.UniqueName("fault-rs-name");
        var name = fixture.UniqueName("wrongname");
        await fixture.Clusters.Cluster1.EnsureNamespaceAsync(ns, Ct);
        using var session = fixture.NewSession();

        // The token comes from cluster2 itself; only the check of the new kubeconfig meets the proxy.
        var result = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -CreateServiceAccount -Server $args[2]",
            name, ns, proxy.Server);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("RemoteSecretUnusable,", error.FullyQualifiedErrorId);
        Assert.Contains("not 127.0.0.1", error.Exception.Message);
        Assert.DoesNotContain(proxy.Requests, r => r.HadBearerToken);
        var secrets = await fixture.Clusters.Cluster1.Admin.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: "istio/multiCluster=true", cancellationToken: Ct);
        Assert.Empty(secrets.Items);
    }

    [Fact]
    public async Task A_body_cut_off_once_is_read_again_and_always_cut_is_KubeApiUnreachable()
    {
        var ns = await GatewayAsync("fault-cut");
        await using var proxy = FaultProxy.Start(_cluster);
        using var session = Session(proxy);

        var once = proxy.Inject(Fault.ResetMidBody(), times: 1, when: ServiceReads(ns));
        var recovered = session.Invoke("Get-IstioDiscoveryAddress -Namespace $args[0]", ns);
        recovered.AssertSucceeded();
        Assert.Equal("192.0.2.44", Assert.Single(recovered.Output).Prop("Address"));
        Assert.Equal(1, once.Applied);

        proxy.Inject(Fault.ResetMidBody(), when: ServiceReads(ns));
        var failed = session.Invoke("Get-IstioDiscoveryAddress -Namespace $args[0]", ns);
        var error = Assert.Single(failed.Errors);
        Assert.StartsWith("KubeApiUnreachable,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Equal(proxy.ContextName, error.TargetObject);
    }

    [Fact]
    public async Task A_200_whose_body_is_no_json_is_KubeApiInvalidResponse()
    {
        var ns = await GatewayAsync("fault-garbage");
        await using var proxy = FaultProxy.Start(_cluster);
        proxy.Inject(Fault.GarbageBody(), when: ServiceReads(ns));
        using var session = Session(proxy);

        var result = session.Invoke("Get-IstioDiscoveryAddress -Namespace $args[0]", ns);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("KubeApiInvalidResponse,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidResult, error.CategoryInfo.Category);
        Assert.Equal(proxy.ContextName, error.TargetObject);
    }

    [Fact]
    public async Task Retry_After_of_a_429_is_honoured()
    {
        var ns = await GatewayAsync("fault-429");
        await using var proxy = FaultProxy.Start(_cluster);
        proxy.Inject(Fault.TooManyRequests(retryAfterSeconds: 1), times: 2, when: ServiceReads(ns));
        using var session = Session(proxy);

        var watch = Stopwatch.StartNew();
        var result = session.Invoke("$DebugPreference = 'Continue'; Get-IstioDiscoveryAddress -Namespace $args[0]", ns);

        result.AssertSucceeded();
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(2), $"two Retry-After: 1 answers were waited out in {watch.Elapsed}");
        Assert.Equal(2, result.Debug.Count(d => d.Contains("answered 429", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task One_503_on_the_check_of_a_new_remote_secret_is_retried()
    {
        await using var proxy = FaultProxy.Start(_cluster);
        var ns = fixture.UniqueName("fault-rs-503");
        var name = fixture.UniqueName("hiccup");
        await fixture.Clusters.Cluster1.EnsureNamespaceAsync(ns, Ct);
        // The check lists pods cluster-wide with the new token: that one request fails once.
        var hiccup = proxy.Inject(Fault.ServiceUnavailable(), times: 1, when: r => r.Method == "GET" && r.Path == "/api/v1/pods");
        using var session = fixture.NewSession();

        var result = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -CreateServiceAccount -Server $args[2]",
            name, ns, proxy.Server);

        result.AssertSucceeded();
        Assert.Equal("Created", Assert.Single(result.Output).Prop("Action"));
        Assert.Equal(1, hiccup.Applied);
    }

    [Fact]
    public async Task Spoilt_watches_are_listed_again_until_the_address_comes()
    {
        var ns = await GatewayAsync("fault-watch", address: null);
        await using var proxy = FaultProxy.Start(_cluster);
        var watches = (Func<ProxiedRequest, bool>)(r => r.IsWatch && r.Path.Contains($"/namespaces/{ns}/services", StringComparison.Ordinal));
        proxy.Inject(Fault.WatchGone(), times: 1, when: watches);
        proxy.Inject(Fault.CloseWatch(), times: 1, when: watches);
        proxy.Inject(Fault.WatchGarbageLine(), times: 1, when: watches);
        using var session = Session(proxy);

        var wait = session.InvokeAsync("$DebugPreference = 'Continue'; Get-IstioDiscoveryAddress -Namespace $args[0] -Wait -Timeout 00:01:00", null, ns);
        // The address comes once all three spoilt watches have been answered.
        for (var i = 0; i < 600 && proxy.Requests.Count(watches) < 4; i++) await Task.Delay(50, Ct);
        await LoadBalancerSimulator.SetIngressAsync(_cluster.Admin, ns, "istio-ingressgateway", new (string?, string?)[] { ("192.0.2.45", null) }, Ct);
        var result = await wait;

        result.AssertSucceeded();
        Assert.Equal("192.0.2.45", Assert.Single(result.Output).Prop("Address"));
        Assert.True(proxy.Requests.Count(watches) >= 4, string.Join(", ", proxy.Requests.Select(r => $"{r.Method} {r.Target} {r.Fault}")));
        Assert.Contains(result.Debug, d => d.Contains("410 Gone", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_wait_for_a_gateway_that_has_its_address_is_one_read_without_list_or_watch()
    {
        // Issue 21: the usual pipeline step (-Wait on a gateway addressed long ago) pays for no list and watch.
        var ns = await GatewayAsync("fault-ready");
        await using var proxy = FaultProxy.Start(_cluster);
        using var session = Session(proxy);

        var result = session.Invoke("Get-IstioDiscoveryAddress -Namespace $args[0] -Wait -Timeout 00:00:30", ns);

        result.AssertSucceeded();
        Assert.Equal("192.0.2.44", Assert.Single(result.Output).Prop("Address"));
        var requests = proxy.Requests.Where(r => r.Path.StartsWith($"/api/v1/namespaces/{ns}/", StringComparison.Ordinal)).ToArray();
        Assert.True(requests.Length == 1 && ServiceReads(ns)(requests[0]), string.Join(", ", requests.Select(r => $"{r.Method} {r.Target}")));
    }

    [Fact]
    public async Task A_wait_through_503s_and_refused_connections_lasts_until_the_server_answers()
    {
        var ns = await GatewayAsync("fault-down", address: null);
        await using var proxy = FaultProxy.Start(_cluster);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(4);
        proxy.Inject(Fault.ServiceUnavailable(), when: _ => DateTime.UtcNow < until);
        using var session = Session(proxy);

        var wait = session.InvokeAsync("Get-IstioDiscoveryAddress -Namespace $args[0] -Wait -Timeout 00:01:00 -Verbose", null, ns);
        await Task.Delay(TimeSpan.FromSeconds(4), Ct);
        proxy.RefuseConnections();
        await Task.Delay(TimeSpan.FromSeconds(4), Ct);
        await LoadBalancerSimulator.SetIngressAsync(_cluster.Admin, ns, "istio-ingressgateway", new (string?, string?)[] { ("192.0.2.46", null) }, Ct);
        proxy.AcceptConnections();
        var result = await wait;

        result.AssertSucceeded();
        Assert.Equal("192.0.2.46", Assert.Single(result.Output).Prop("Address"));
        Assert.Contains(result.Verbose, v => v.StartsWith("Waiting out a failure of the API server", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Wait-IstioControlPlane -Namespace $args[0] -Timeout 00:00:10")]
    [InlineData("Get-IstioDiscoveryAddress -Namespace $args[0] -Wait -Timeout 00:00:10")]
    public async Task A_server_that_never_answers_ends_a_10_second_wait_at_its_deadline(string command)
    {
        var ns = await GatewayAsync("fault-hold", address: null);
        await using var proxy = FaultProxy.Start(_cluster);
        proxy.Inject(Fault.Hold());
        using var session = Session(proxy);

        var watch = Stopwatch.StartNew();
        var result = session.Invoke(command, ns);
        var took = watch.Elapsed;
        proxy.ReleaseHeld();
        Out($"{command}: {took.TotalSeconds:0.0} s");

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("KubeApiUnreachable,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
        Assert.Contains("could not be read for the whole wait (10 s)", error.Exception.Message);
        // Not long before the deadline (the old request retries gave up after seconds) and not long after it (it once took 130 s).
        Assert.InRange(took, TimeSpan.FromSeconds(9.5), TimeSpan.FromSeconds(13));
        Assert.Empty(result.Output);
    }
}
