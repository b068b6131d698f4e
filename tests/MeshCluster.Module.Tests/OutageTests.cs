using System.Diagnostics;
using System.Management.Automation;
using k8s;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>A test ground of its own, one cluster whose kube-apiserver these tests stop and start again.</summary>
public sealed class OutageGround : IAsyncLifetime
{
    public TestClusters Ground { get; private set; } = null!;
    public TestCluster Cluster => Ground.All[0];

    public async ValueTask InitializeAsync() =>
        Ground = await TestClusters.StartAsync(new TestClustersOptions { ClusterNames = new[] { "outage" } }).ConfigureAwait(false);

    public async ValueTask DisposeAsync() => await Ground.DisposeAsync().ConfigureAwait(false);
}

/// <summary>
/// Waits across a real outage: the API server process stopped for 20 seconds and started again (what a
/// managed control plane's upgrade looks like to a client), on a test ground of its own so no other test notices.
/// </summary>
public sealed class OutageTests(OutageGround ground) : IClassFixture<OutageGround>
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(20);
    private static void Out(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    private PowerShellSession Session()
    {
        var session = PowerShellSession.Start();
        session.Invoke("$global:PSDefaultParameterValues = @{ '*-Istio*:KubeConfig' = $args[0]; '*-Istio*:Context' = 'outage' }", ground.Ground.KubeConfigPath)
            .AssertSucceeded();
        return session;
    }

    /// <summary>Stops the API server a second after the wait began, starts it again <see cref="Outage"/> later, then lets <paramref name="after"/> make the wait succeed.</summary>
    private async Task OutageAsync(Func<Task> after)
    {
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        await ground.Ground.StopApiServerAsync(ground.Cluster);
        Out($"API server stopped at {DateTime.UtcNow:HH:mm:ss}");
        await Task.Delay(Outage, Ct);
        await ground.Ground.StartApiServerAsync(ground.Cluster, Ct);
        Out($"API server ready again at {DateTime.UtcNow:HH:mm:ss}");
        await after();
    }

    [Fact]
    public async Task Get_IstioDiscoveryAddress_waits_through_a_20_second_outage()
    {
        var ns = "gw-" + Guid.NewGuid().ToString("N")[..6];
        await ground.Cluster.EnsureNamespaceAsync(ns, Ct);
        await LoadBalancerSimulator.CreateServiceAsync(ground.Cluster.Admin, ns, "istio-ingressgateway", ct: Ct);
        using var session = Session();

        var watch = Stopwatch.StartNew();
        var wait = session.InvokeAsync("Get-IstioDiscoveryAddress -Namespace $args[0] -Wait -Timeout 00:03:00 -Verbose", null, ns);
        await OutageAsync(() => LoadBalancerSimulator.SetIngressAsync(ground.Cluster.Admin, ns, "istio-ingressgateway",
            new (string?, string?)[] { ("192.0.2.77", null) }, Ct));
        var result = await wait;
        Out($"returned after {watch.Elapsed.TotalSeconds:0.0} s");

        result.AssertSucceeded();
        Assert.Equal("192.0.2.77", Assert.Single(result.Output).Prop("Address"));
        Assert.True(watch.Elapsed >= Outage, watch.Elapsed.ToString());
        Assert.Contains(result.Verbose, v => v.StartsWith("Waiting out a failure of the API server of context 'outage'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wait_IstioControlPlane_waits_through_a_20_second_outage()
    {
        var ns = "cp-" + Guid.NewGuid().ToString("N")[..6];
        await ground.Cluster.EnsureNamespaceAsync(ns, Ct);
        await ground.Cluster.Admin.AppsV1.CreateNamespacedDeploymentAsync(TestWorkloads.Deployment("istiod", 1, "discovery"), ns, cancellationToken: Ct);
        using var session = Session();
        SimulatedKubelet? kubelet = null;

        var wait = session.InvokeAsync("Wait-IstioControlPlane -Namespace $args[0] -Timeout 00:03:00", null, ns);
        try
        {
            // The pods turn ready only after the outage: the wait must still be there to see it.
            await OutageAsync(() =>
            {
                kubelet = SimulatedKubelet.Start(ground.Cluster.Admin, ns, new SimulatedKubeletOptions { ReadyAfter = TimeSpan.FromMilliseconds(200) });
                return Task.CompletedTask;
            });
            var result = await wait;

            result.AssertSucceeded();
            Assert.Equal(true, Assert.Single(result.Output).Prop("Ready"));
        }
        finally
        {
            if (kubelet is not null) await kubelet.DisposeAsync();
        }
    }

    [Fact]
    public async Task Wait_IstioControlPlane_waits_for_a_remote_profile_cluster_through_a_20_second_outage()
    {
        var ns = "rp-" + Guid.NewGuid().ToString("N")[..6];
        var (exit, output) = await StandInRunner.InstallAsync("1.26.8", StandInRunner.Spec(ns, "remote", "192.0.2.10", "outage"), ground.Ground.KubeConfigPath, "outage", Ct);
        Assert.True(exit == 0, output);
        var name = $"istio-sidecar-injector-{ns}";
        var webhook = await ground.Cluster.Admin.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(name, cancellationToken: Ct);
        await ground.Cluster.Admin.AdmissionregistrationV1.DeleteMutatingWebhookConfigurationAsync(name, cancellationToken: Ct);
        using var session = Session();

        var wait = session.InvokeAsync("Wait-IstioControlPlane -Namespace $args[0] -Form Remote -ClusterName outage -Network network1 -RemotePilotAddress 192.0.2.10 -Timeout 00:03:00 -Verbose", null, ns);
        // The webhook comes back only after the outage: the wait's watches must have come back too to see it.
        await OutageAsync(async () =>
        {
            webhook.Metadata.ResourceVersion = null;
            webhook.Metadata.Uid = null;
            await ground.Cluster.Admin.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(webhook, cancellationToken: Ct);
        });
        var result = await wait;

        result.AssertSucceeded();
        var status = Assert.Single(result.Output);
        Assert.Equal(("Remote", true), (status.Prop("Form"), status.Prop("Ready")));
        Assert.Contains(result.Verbose, v => v.StartsWith("Waiting out a failure of the API server of context 'outage'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_server_down_for_the_whole_wait_ends_it_at_its_deadline_not_sooner()
    {
        using var session = Session();
        await ground.Ground.StopApiServerAsync(ground.Cluster);
        try
        {
            var watch = Stopwatch.StartNew();
            var result = session.Invoke("Wait-IstioControlPlane -Namespace istio-system -Timeout 00:00:15");
            var took = watch.Elapsed;
            Out($"returned after {took.TotalSeconds:0.0} s");

            var error = Assert.Single(result.Errors);
            Assert.StartsWith("KubeApiUnreachable,", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
            Assert.Contains("could not be read for the whole wait (15 s)", error.Exception.Message);
            Assert.Contains("Connection refused", error.Exception.Message);
            // The request-level retries alone gave up after about 7 s; the wait now lasts its 15 s, and not much more.
            Assert.InRange(took, TimeSpan.FromSeconds(14.5), TimeSpan.FromSeconds(18));
        }
        finally
        {
            await ground.Ground.StartApiServerAsync(ground.Cluster, Ct);
        }
    }
}
