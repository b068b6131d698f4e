using k8s;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>
/// The whole multicluster setup from zero, in both forms the guide has known, on the two real clusters: trust, the primary prepared for
/// remotes, its control plane waited for (and for Istio 1.24+ exposed on the east-west gateway), the discovery address, the remote installed
/// and waited for, its remote secret published, and both checks. Everything lives in a namespace of its own (values.global.istioNamespace,
/// -Namespace), the same name in both clusters; the istioctl stand-in plays the istioctl of each form, the simulated kubelet the pods and
/// the simulated load balancer the gateway's address.
/// </summary>
[Collection(nameof(IstioctlStandInCollection))]
public sealed class GuideFromZeroTests(ClustersFixture fixture) : IAsyncLifetime
{
    private readonly string? _savedVersion = Environment.GetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION");
    private readonly string _dir = Directory.CreateTempSubdirectory("guide-from-zero-").FullName;
    private readonly string _ns = fixture.UniqueName("zero");
    private TestCluster C1 => fixture.Clusters.Cluster1;
    private TestCluster C2 => fixture.Clusters.Cluster2;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", _savedVersion);
        Directory.Delete(_dir, true);
        foreach (var cluster in new[] { C1, C2 })
        {
            static async Task Delete(Func<Task> delete)
            {
                try { await delete(); } catch (Exception) { /* not there, or 1.20's delete body */ }
            }

            await Delete(() => cluster.Admin.CoreV1.DeleteNamespaceAsync(_ns));
            await Delete(() => cluster.Admin.AdmissionregistrationV1.DeleteMutatingWebhookConfigurationAsync($"istio-sidecar-injector-{_ns}"));
            foreach (var role in new[] { $"istio-reader-clusterrole-{_ns}", $"istio-reader-{_ns}" })
            {
                await Delete(() => cluster.Admin.RbacAuthorizationV1.DeleteClusterRoleAsync(role));
                await Delete(() => cluster.Admin.RbacAuthorizationV1.DeleteClusterRoleBindingAsync(role));
            }
        }
    }

    private const string Trust = """
        $ErrorActionPreference = 'Stop'
        $certs, $ns = $args[0], $args[1]
        $values = @{ global = @{ istioNamespace = $ns } }
        # Trust first: one root, one intermediate per cluster, published as each cluster's cacerts before istiod starts.
        $root = New-IstioCertificateAuthority -Path $certs -KeyAlgorithm Ecdsa
        $clusterCerts = $root | New-IstioClusterCertificate -ClusterName cluster1, cluster2 -Path $certs -KeyAlgorithm Ecdsa
        $clusterCerts[0] | Publish-IstioClusterCertificate -Context $C1 -Namespace $ns | Out-Null
        $clusterCerts[1] | Publish-IstioClusterCertificate -Context $C2 -Namespace $ns | Out-Null

        """;

    private const string Checks = """

        Test-IstioRemoteCluster -Context $C1 -Namespace $ns -WarningAction SilentlyContinue
        Test-IstioMeshTrust -Context $C1, $C2 -Namespace $ns
        """;

    /// <summary>Gives the gateway Service its load-balancer address once istioctl has made it (as a cloud's controller would).</summary>
    private Task AssignAddressAsync(string service, string address) => Task.Run(async () =>
    {
        while (true)
        {
            try
            {
                await C1.Admin.CoreV1.ReadNamespacedServiceAsync(service, _ns, cancellationToken: Ct);
                break;
            }
            catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                await Task.Delay(200, Ct);
            }
        }

        await LoadBalancerSimulator.SetIngressAsync(C1.Admin, _ns, service, new (string?, string?)[] { (address, null) }, Ct);
    }, Ct);

    [Fact]
    public async Task Istio_1_26_from_zero_primary_with_east_west_gateway_then_a_remote_profile_remote()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.26.8");
        await using var primaryPods = SimulatedKubelet.Start(C1.Admin, _ns, new SimulatedKubeletOptions { ReadyAfter = TimeSpan.FromMilliseconds(300) });
        var assign = AssignAddressAsync("istio-eastwestgateway", "192.0.2.20");
        using var ps = fixture.NewSession();
        ps.Invoke("$PSDefaultParameterValues['Install-Istio*:IstioctlPath'] = $args[0]", RepositoryLayout.IstioctlStandIn).AssertSucceeded();

        var result = ps.Invoke(Trust + """
            New-IstioPrimaryInstallSpec -ClusterName cluster1 -Network network1 -MeshId mesh1 -EastWestGateway -Values $values |
                Install-IstioPrimary -Context $C1 |
                Wait-IstioControlPlane -Timeout 00:02:00 |
                Publish-IstioControlPlane -WarningAction SilentlyContinue | Out-Null
            Get-IstioDiscoveryAddress -Context $C1 -Namespace $ns -GatewaySelector istio=eastwestgateway -Wait -Timeout 00:01:00 |
                New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -Profile Remote -PrimaryClusterName cluster1 -Values $values |
                Install-IstioRemote -Context $C2 |
                Wait-IstioControlPlane -Timeout 00:02:00 |
                Publish-IstioRemoteSecret -PrimaryContext $C1 -Namespace $ns
            """ + Checks, Path.Combine(_dir, "certs"), _ns);
        await assign;

        result.AssertSucceeded();
        AssertOutcome(result);
        // The primary as the 1.26 charts render it, exposed as expose-istiod.yaml does; the remote pointed at the east-west gateway.
        var istiod = await C1.Admin.AppsV1.ReadNamespacedDeploymentAsync("istiod", _ns, cancellationToken: Ct);
        Assert.Contains(istiod.Spec.Template.Spec.Containers[0].Env, e => e.Name == "EXTERNAL_ISTIOD" && e.Value == "true");
        Assert.NotNull(await C1.Admin.CustomObjects.GetNamespacedCustomObjectAsync("networking.istio.io", "v1", _ns, "gateways", "istiod-gateway", cancellationToken: Ct));
        Assert.NotNull(await C1.Admin.CustomObjects.GetNamespacedCustomObjectAsync("networking.istio.io", "v1", _ns, "virtualservices", "istiod-vs", cancellationToken: Ct));
        var endpoints = await C2.Admin.CoreV1.ReadNamespacedEndpointsAsync("istiod", _ns, cancellationToken: Ct);
        Assert.Equal("192.0.2.20", endpoints.Subsets.Single().Addresses.Single().Ip);
        Assert.Equal("cluster1", (await C2.Admin.CoreV1.ReadNamespaceAsync(_ns, cancellationToken: Ct)).Metadata.Annotations["topology.istio.io/controlPlaneClusters"]);
    }

    [Fact]
    public async Task Istio_1_7_from_zero_the_guide_s_mesh_expansion_primary_then_its_remote()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.7.8");
        await using var primaryPods = SimulatedKubelet.Start(C1.Admin, _ns, new SimulatedKubeletOptions { ReadyAfter = TimeSpan.FromMilliseconds(300) });
        await using var remotePods = SimulatedKubelet.Start(C2.Admin, _ns, new SimulatedKubeletOptions { ReadyAfter = TimeSpan.FromMilliseconds(300) });
        var assign = AssignAddressAsync("istio-ingressgateway", "192.0.2.17");
        using var ps = fixture.NewSession();
        ps.Invoke("$PSDefaultParameterValues['Install-Istio*:IstioctlPath'] = $args[0]", RepositoryLayout.IstioctlStandIn).AssertSucceeded();

        var result = ps.Invoke(Trust + """
            New-IstioPrimaryInstallSpec -ClusterName cluster1 -Network network1 -MeshId mesh1 -Form MeshExpansion -Values $values |
                Install-IstioPrimary -Context $C1 |
                Wait-IstioControlPlane -Timeout 00:02:00 | Out-Null
            Get-IstioDiscoveryAddress -Context $C1 -Namespace $ns -Wait -Timeout 00:01:00 |
                New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -Values $values |
                Install-IstioRemote -Context $C2 |
                Wait-IstioControlPlane -Timeout 00:02:00 |
                Publish-IstioRemoteSecret -PrimaryContext $C1 -Namespace $ns
            """ + Checks, Path.Combine(_dir, "certs"), _ns);
        await assign;

        result.AssertSucceeded();
        AssertOutcome(result);
        // The 1.7 form: istiod in both clusters (no EXTERNAL_ISTIOD), the remote's istiod-remote at the ingress gateway's address.
        var istiod = await C1.Admin.AppsV1.ReadNamespacedDeploymentAsync("istiod", _ns, cancellationToken: Ct);
        Assert.DoesNotContain(istiod.Spec.Template.Spec.Containers[0].Env, e => e.Name == "EXTERNAL_ISTIOD");
        Assert.NotNull(await C2.Admin.AppsV1.ReadNamespacedDeploymentAsync("istiod", _ns, cancellationToken: Ct));
        var endpoints = await C2.Admin.CoreV1.ReadNamespacedEndpointsAsync("istiod-remote", _ns, cancellationToken: Ct);
        Assert.Equal("192.0.2.17", endpoints.Subsets.Single().Addresses.Single().Ip);
    }

    private static void AssertOutcome(PowerShellResult result)
    {
        foreach (var o in result.Output) TestContext.Current.TestOutputHelper?.WriteLine($"{o.BaseObject.GetType().Name}: {o}");
        var types = result.Output.Select(o => o.BaseObject.GetType().Name).ToList();
        Assert.Equal(new[] { "IstioRemoteSecret", "IstioRemoteClusterHealth", "IstioMeshTrustStatus", "IstioMeshTrustStatus" }, types);
        Assert.Equal(("cluster2", "Created"), (result.Output[0].Prop("ClusterName"), result.Output[0].Prop("Action")?.ToString()));
        Assert.Equal("cluster2", result.Output[1].Prop("ClusterName"));
        Assert.All(result.Output.Skip(2), t => Assert.Equal(true, t.Prop("SharesOneRoot")));
    }
}
