using System.Management.Automation;
using System.Text.Json;
using k8s;
using k8s.Models;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>
/// Install-IstioPrimary running the istioctl stand-in against cluster1, each test in a namespace of its own (values.global.istioNamespace),
/// and Wait-IstioControlPlane on what it rendered, the pods played by <see cref="SimulatedKubelet"/>.
/// </summary>
[Collection(nameof(IstioctlStandInCollection))]
public sealed class PrimaryInstallTests : IDisposable
{
    private static readonly string[] Variables = { "ISTIOCTL", "ISTIOCTL_STANDIN_VERSION", "ISTIOCTL_STANDIN_LOG", "ISTIOCTL_STANDIN_FAIL", "ISTIOCTL_STANDIN_WAIT_FOR" };
    private readonly ClustersFixture _fixture;
    private readonly TestCluster _cluster;
    private readonly string _dir = Directory.CreateTempSubdirectory("install-primary-").FullName;
    private readonly string _log;
    private readonly Dictionary<string, string?> _saved;
    private readonly List<string> _namespaces = new();

    public PrimaryInstallTests(ClustersFixture fixture)
    {
        _fixture = fixture;
        _cluster = fixture.Clusters.Cluster1;
        _saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        foreach (var v in Variables) Environment.SetEnvironmentVariable(v, null);
        _log = Path.Combine(_dir, "istioctl.log");
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_LOG", _log);
        Environment.SetEnvironmentVariable("ISTIOCTL", RepositoryLayout.IstioctlStandIn);
        Assert.True(File.Exists(RepositoryLayout.IstioctlStandIn), $"Build tests/IstioctlStandIn first: {RepositoryLayout.IstioctlStandIn} is missing.");
    }

    public void Dispose()
    {
        foreach (var (k, v) in _saved) Environment.SetEnvironmentVariable(k, v);
        Directory.Delete(_dir, true);
        foreach (var ns in _namespaces)
        {
            // The namespace and the cluster-scoped objects the stand-in named after it.
            try { _cluster.Admin.CoreV1.DeleteNamespaceAsync(ns).GetAwaiter().GetResult(); } catch (Exception) { /* never made */ }
            try { _cluster.Admin.AdmissionregistrationV1.DeleteMutatingWebhookConfigurationAsync($"istio-sidecar-injector-{ns}").GetAwaiter().GetResult(); } catch (Exception) { }
            foreach (var role in new[] { $"istio-reader-clusterrole-{ns}", $"istio-reader-{ns}" })
            {
                try { _cluster.Admin.RbacAuthorizationV1.DeleteClusterRoleAsync(role).GetAwaiter().GetResult(); } catch (Exception) { }
                try { _cluster.Admin.RbacAuthorizationV1.DeleteClusterRoleBindingAsync(role).GetAwaiter().GetResult(); } catch (Exception) { }
            }
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Ns(string prefix)
    {
        var ns = _fixture.UniqueName(prefix);
        _namespaces.Add(ns);
        return ns;
    }

    private const string Values = "-Values @{ global = @{ istioNamespace = $args[0] } }";

    private List<string[]> Calls() => !File.Exists(_log)
        ? new List<string[]>()
        : File.ReadAllLines(_log).Where(l => l.Length > 0).Select(l =>
        {
            using var doc = JsonDocument.Parse(l);
            return doc.RootElement.GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToArray();
        }).ToList();

    private static Dictionary<string, string> Env(V1Deployment deployment) =>
        (deployment.Spec.Template.Spec.Containers[0].Env ?? new List<V1EnvVar>()).ToDictionary(e => e.Name, e => e.Value);

    private async Task<bool> ExistsAsync(Func<Task> read)
    {
        try
        {
            await read();
            return true;
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    [Fact]
    public async Task Istio_1_26_installs_istiod_with_EXTERNAL_ISTIOD_and_the_east_west_gateway_and_Wait_sees_both_ready()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.26.8");
        var ns = Ns("prim-126");
        using var ps = _fixture.NewSession();
        await using var kubelet = SimulatedKubelet.Start(_cluster.Admin, ns, new SimulatedKubeletOptions { ReadyAfter = TimeSpan.FromMilliseconds(300) });

        var result = ps.Invoke($"New-IstioPrimaryInstallSpec -ClusterName cluster1 -Network network1 -MeshId mesh1 -EastWestGateway {Values} | " +
                               "Install-IstioPrimary -Context $C1 -Verbose -OutVariable installed | Wait-IstioControlPlane -Timeout 00:01:00; $installed", ns);

        result.AssertSucceeded();
        Assert.Equal(2, result.Output.Count);
        var status = result.Output[0];
        var installed = result.Output[1];
        Assert.Equal("MeshCluster.IstioPrimaryInstallResult", installed.TypeNames[0]);
        Assert.Equal("cluster1", installed.Prop("ClusterName"));
        Assert.Equal("cluster1", installed.Prop("Context"));
        Assert.Equal(ns, installed.Prop("Namespace"));
        Assert.Equal("Istiod", installed.Prop("Form")!.ToString());
        Assert.Equal("ExternalIstiod", installed.Prop("PrimaryForm")!.ToString());
        Assert.Equal(new[] { "istio-eastwestgateway" }, Assert.IsType<string[]>(installed.Prop("Gateways")));
        Assert.Equal("1.26.8", installed.Prop("IstioctlVersion"));
        Assert.Equal(new[] { "install", "-y", "-f", "<temporary file>", "--context", "cluster1", "--kubeconfig", _fixture.KubeConfigPath },
            Assert.IsType<string[]>(installed.Prop("Arguments")));

        // istioctl got the spec and the context: the version query, then install on a removed temporary file.
        var calls = Calls();
        Assert.Equal(2, calls.Count);
        Assert.Equal(new[] { "install", "-y", "-f" }, calls[1][..3]);
        Assert.Equal(new[] { "--context", "cluster1", "--kubeconfig", _fixture.KubeConfigPath }, calls[1][4..]);
        Assert.False(File.Exists(calls[1][3]));
        Assert.Contains("istioctl: ✔ Ingress gateways installed", result.Verbose);

        // What the 1.26.8 charts render: istiod with EXTERNAL_ISTIOD and its cluster id, the gateway as gen-eastwest-gateway.sh asks.
        var istiod = await _cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("istiod", ns, cancellationToken: Ct);
        Assert.Equal("true", Env(istiod)["EXTERNAL_ISTIOD"]);
        Assert.Equal("cluster1", Env(istiod)["CLUSTER_ID"]);
        var gateway = await _cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("istio-eastwestgateway", ns, cancellationToken: Ct);
        Assert.Equal("eastwestgateway", gateway.Spec.Selector.MatchLabels["istio"]);
        Assert.Equal("network1", gateway.Spec.Template.Metadata.Labels["topology.istio.io/network"]);
        Assert.Equal("gateway", gateway.Spec.Template.Metadata.Annotations["inject.istio.io/templates"]);
        Assert.Equal("network1", Env(gateway)["ISTIO_META_REQUESTED_NETWORK_VIEW"]);
        var service = await _cluster.Admin.CoreV1.ReadNamespacedServiceAsync("istio-eastwestgateway", ns, cancellationToken: Ct);
        Assert.Equal("LoadBalancer", service.Spec.Type);
        Assert.Equal(new[] { "status-port:15021", "tls:15443", "tls-istiod:15012", "tls-webhook:15017" }, service.Spec.Ports.Select(p => $"{p.Name}:{p.Port}"));
        Assert.Equal("istio-eastwestgateway", service.Spec.Selector["app"]);
        Assert.Equal("network1", (await _cluster.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct)).Metadata.Labels["topology.istio.io/network"]);

        // Wait-IstioControlPlane bound Context, ClusterName, Namespace and Form, and waited for istiod and the gateway.
        Assert.Equal("MeshCluster.IstioControlPlaneStatus", status.TypeNames[0]);
        Assert.Equal(true, status.Prop("Ready"));
        Assert.Equal("cluster1", status.Prop("ClusterName"));
        Assert.Equal(2, status.Prop("DeploymentsAvailable"));
        var pods = ((System.Collections.IEnumerable)status.Prop("Pods")!).Cast<object>().Select(p => PSObject.AsPSObject(p).Prop("Name")!.ToString()!).ToList();
        Assert.Contains(pods, p => p.StartsWith("istiod-", StringComparison.Ordinal));
        Assert.Contains(pods, p => p.StartsWith("istio-eastwestgateway-", StringComparison.Ordinal));
        result.AssertNoSecret(_fixture.AdminTokens);
    }

    [Fact]
    public async Task Istio_1_7_installs_the_guide_s_primary_with_the_ingress_gateway_and_no_EXTERNAL_ISTIOD()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.7.8");
        var ns = Ns("prim-17");
        using var ps = _fixture.NewSession();

        var result = ps.Invoke($"New-IstioPrimaryInstallSpec -ClusterName cluster1 -Network network1 -MeshId mesh1 -Form MeshExpansion {Values} | Install-IstioPrimary -Context $C1", ns);

        result.AssertSucceeded();
        var installed = Assert.Single(result.Output);
        Assert.Equal("MeshExpansion", installed.Prop("PrimaryForm")!.ToString());
        Assert.Equal(new[] { "istio-ingressgateway" }, Assert.IsType<string[]>(installed.Prop("Gateways")));
        Assert.Empty(result.Warnings);
        var istiod = await _cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("istiod", ns, cancellationToken: Ct);
        Assert.Equal("docker.io/istio/pilot:1.7.8", istiod.Spec.Template.Spec.Containers[0].Image);
        Assert.False(Env(istiod).ContainsKey("EXTERNAL_ISTIOD"));
        Assert.Equal("cluster1", Env(istiod)["CLUSTER_ID"]);
        var gateway = await _cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("istio-ingressgateway", ns, cancellationToken: Ct);
        Assert.Equal("docker.io/istio/proxyv2:1.7.8", gateway.Spec.Template.Spec.Containers[0].Image);
        var service = await _cluster.Admin.CoreV1.ReadNamespacedServiceAsync("istio-ingressgateway", ns, cancellationToken: Ct);
        Assert.Equal("ingressgateway", service.Spec.Selector["istio"]);
    }

    [Fact]
    public async Task Istio_1_15_takes_externalIstiod_only_with_the_pilot_env_its_template_reads()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.15.7");
        var refusedNs = Ns("prim-115r");
        var ns = Ns("prim-115");
        using var ps = _fixture.NewSession();

        var refused = ps.Invoke($"New-IstioPrimaryInstallSpec -ClusterName cluster1 -Network network1 -MeshId mesh1 {Values} | Install-IstioPrimary -Context $C1", refusedNs);
        Assert.Empty(refused.Output);
        var error = Assert.Single(refused.Errors);
        Assert.StartsWith("InstallSpecFormUnsupported,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.Contains("EXTERNAL_ISTIOD", error.ToString(), StringComparison.Ordinal);
        Assert.False(await ExistsAsync(() => _cluster.Admin.CoreV1.ReadNamespaceAsync(refusedNs, cancellationToken: Ct)), "a refused spec changed the cluster");
        Assert.Single(Calls()); // the version query only

        var accepted = ps.Invoke($"New-IstioPrimaryInstallSpec -ClusterName cluster1 -Network network1 -MeshId mesh1 -EastWestGateway " +
                                 "-Values @{ global = @{ istioNamespace = $args[0] }; pilot = @{ env = @{ EXTERNAL_ISTIOD = 'true' } } } | Install-IstioPrimary -Context $C1", ns);
        accepted.AssertSucceeded();
        var istiod = await _cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("istiod", ns, cancellationToken: Ct);
        Assert.Equal("true", Env(istiod)["EXTERNAL_ISTIOD"]);
    }

    [Theory]
    [InlineData("1.26.8", "-Form MeshExpansion", "InstallSpecFormUnsupported")]
    [InlineData("1.9.0", "-Form MeshExpansion", "InstallSpecFormUnsupported")]
    [InlineData("1.7.8", "-EastWestGateway", "InstallSpecFormUnsupported")]
    public async Task A_form_this_istioctl_would_not_install_as_meant_is_refused_even_under_WhatIf_and_nothing_runs(string version, string form, string id)
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", version);
        var ns = Ns("prim-refused");
        using var ps = _fixture.NewSession();

        foreach (var whatIf in new[] { " -WhatIf", "" })
        {
            var result = ps.Invoke($"New-IstioPrimaryInstallSpec -ClusterName cluster1 -Network network1 -MeshId mesh1 {form} {Values} | Install-IstioPrimary -Context $C1{whatIf}", ns);
            Assert.Empty(result.Output);
            var error = Assert.Single(result.Errors);
            Assert.StartsWith(id + ",", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains("Nothing was run.", error.ToString(), StringComparison.Ordinal);
        }

        Assert.All(Calls(), c => Assert.Equal("version", c[0]));
        Assert.False(await ExistsAsync(() => _cluster.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct)));
    }

    [Fact]
    public async Task A_remote_s_spec_is_refused_as_not_a_primary_s()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.26.8");
        var ns = Ns("prim-remote");
        using var ps = _fixture.NewSession();
        var file = Path.Combine(_dir, "remote.yaml");

        var result = ps.Invoke("New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 -Profile Remote " +
                               "-PrimaryClusterName cluster1 -Values @{ global = @{ istioNamespace = $args[0] } } -Path $args[1] | Out-Null; Install-IstioPrimary $args[1] -Context $C1", ns, file);

        Assert.Empty(result.Output);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("InstallSpecNotPrimary,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(file, error.TargetObject);
        Assert.False(await ExistsAsync(() => _cluster.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct)));
    }

    [Fact]
    public async Task WhatIf_shows_the_command_and_installs_nothing_and_a_spec_without_the_gateway_warns()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.26.8");
        var ns = Ns("prim-whatif");
        using var ps = _fixture.NewSession();

        var result = ps.Invoke($"New-IstioPrimaryInstallSpec -ClusterName cluster1 -Network network1 -MeshId mesh1 {Values} | Install-IstioPrimary -Context $C1 -WhatIf", ns);

        result.AssertSucceeded();
        Assert.Empty(result.Output);
        Assert.Contains(result.Warnings, w => w.Contains("istio-eastwestgateway", StringComparison.Ordinal) && w.Contains("-EastWestGatewayOnly", StringComparison.Ordinal));
        Assert.Equal(new[] { "version", "--remote=false", "-o", "json" }, Assert.Single(Calls()));
        Assert.False(await ExistsAsync(() => _cluster.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct)));
    }

    [Fact]
    public async Task The_east_west_gateway_alone_installs_beside_an_installed_primary_without_touching_istiod()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.26.8");
        var ns = Ns("prim-ewonly");
        using var ps = _fixture.NewSession();
        ps.Invoke($"New-IstioPrimaryInstallSpec -ClusterName cluster1 -Network network1 -MeshId mesh1 {Values} | Install-IstioPrimary -Context $C1 -WarningAction SilentlyContinue", ns)
            .AssertSucceeded();
        var before = await _cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("istiod", ns, cancellationToken: Ct);

        var result = ps.Invoke("New-IstioPrimaryInstallSpec -EastWestGatewayOnly -Network network1 -Values @{ global = @{ istioNamespace = $args[0] } } | Install-IstioPrimary -Context $C1", ns);

        result.AssertSucceeded();
        Assert.Empty(result.Warnings);
        var installed = Assert.Single(result.Output);
        Assert.Null(installed.Prop("ClusterName"));
        Assert.Equal(new[] { "istio-eastwestgateway" }, Assert.IsType<string[]>(installed.Prop("Gateways")));
        Assert.NotNull(await _cluster.Admin.CoreV1.ReadNamespacedServiceAsync("istio-eastwestgateway", ns, cancellationToken: Ct));
        var after = await _cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("istiod", ns, cancellationToken: Ct);
        Assert.Equal(before.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
    }

    [Fact]
    public void Without_istioctl_it_is_IstioctlNotFound()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL", Path.Combine(_dir, "no-istioctl"));
        using var ps = _fixture.NewSession();

        var result = ps.Invoke("New-IstioPrimaryInstallSpec -ClusterName cluster1 -Network network1 -MeshId mesh1 -EastWestGateway | Install-IstioPrimary -Context $C1");

        Assert.Empty(result.Output);
        Assert.StartsWith("IstioctlNotFound,", Assert.Single(result.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
    }
}
