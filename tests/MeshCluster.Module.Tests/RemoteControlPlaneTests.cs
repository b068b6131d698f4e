using System.Management.Automation;
using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>
/// Both forms of a remote through the module, with the istioctl stand-in as the Istio version each form belongs to: the guide's form
/// (istioctl 1.7.8: an istiod in the remote, ready when its pods are) and Istio 1.24+'s profile remote (istioctl 1.26.8: no pods,
/// ready when the remote's objects are in place). Each test works in namespaces of its own, in both clusters.
/// </summary>
[Collection(nameof(IstioctlStandInCollection))]
public sealed class RemoteControlPlaneTests : IDisposable
{
    private const string Cmdlet = "MeshCluster.Commands.WaitIstioControlPlaneCommand";
    private const string Address = "192.0.2.10";
    private readonly ClustersFixture _fixture;
    private readonly TestCluster _c1;
    private readonly TestCluster _c2;
    private readonly string? _savedVersion = Environment.GetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION");
    private readonly List<string> _namespaces = new();

    public RemoteControlPlaneTests(ClustersFixture fixture)
    {
        _fixture = fixture;
        _c1 = fixture.Clusters.Cluster1;
        _c2 = fixture.Clusters.Cluster2;
    }

    private static void Out(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", _savedVersion);
        foreach (var ns in _namespaces)
        {
            foreach (var cluster in new[] { _c1, _c2 })
            {
                try { cluster.Admin.CoreV1.DeleteNamespaceAsync(ns).GetAwaiter().GetResult(); }
                catch (Exception) { /* never made, or the 1.20 delete body the typed client cannot read */ }
            }

            try { _c2.Admin.AdmissionregistrationV1.DeleteMutatingWebhookConfigurationAsync($"istio-sidecar-injector-{ns}").GetAwaiter().GetResult(); }
            catch (Exception) { /* not made */ }
            foreach (var role in new[] { $"istio-reader-clusterrole-{ns}", $"istio-reader-{ns}" })
            {
                try { _c2.Admin.RbacAuthorizationV1.DeleteClusterRoleBindingAsync(role).GetAwaiter().GetResult(); }
                catch (Exception) { /* not made */ }
                try { _c2.Admin.RbacAuthorizationV1.DeleteClusterRoleAsync(role).GetAwaiter().GetResult(); }
                catch (Exception) { /* not made */ }
            }
        }
    }

    /// <summary>The README's pipeline, in namespaces of the test's own (the discovery gateway, the remote's control plane and its secret).</summary>
    private const string Pipeline = """
        $ns, $cluster, $istioctl = $args[0], $args[1], $args[2]
        Get-IstioDiscoveryAddress -Context $C1 -Namespace $ns -Wait -Timeout 00:01:00 |
            New-IstioRemoteInstallSpec -ClusterName $cluster -Network network1 -MeshId mesh1 -Values @{ global = @{ istioNamespace = $ns } } @extra |
            Install-IstioRemote -Context $C2 -IstioctlPath $istioctl -OutVariable installed |
            Wait-IstioControlPlane -Timeout 00:02:00 -OutVariable status |
            Publish-IstioRemoteSecret -PrimaryContext $C1 -Namespace $ns
        """;

    [Fact]
    public async Task The_README_pipeline_with_istioctl_1_7_8_is_ready_when_its_istiod_runs_and_publishes_a_working_secret()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.7.8");
        var ns = await PrimaryWithGatewayAsync("rc-178");
        await using var kubelet = SimulatedKubelet.Start(_c2.Admin, ns, new SimulatedKubeletOptions { ReadyAfter = TimeSpan.FromMilliseconds(300) });
        using var ps = _fixture.NewSession();

        var result = ps.Invoke("$extra = @{}\n" + Pipeline, ns, "remote178", RepositoryLayout.IstioctlStandIn);

        result.AssertSucceeded();
        var installed = Single(ps, "installed");
        Assert.Equal("Istiod", installed.Prop("Form"));
        Assert.Equal("network1", installed.Prop("Network"));
        Assert.Equal(Address, installed.Prop("RemotePilotAddress"));
        var status = Single(ps, "status");
        Assert.Equal("Istiod", status.Prop("Form"));
        Assert.Equal(true, status.Prop("Ready"));
        Assert.Empty((object[])status.Prop("Checks")!);
        Assert.Contains(Pods(status), p => ((string)p.Prop("Name")!).StartsWith("istiod-", StringComparison.Ordinal));
        // The 1.7 form's way to the primary: a headless istiod-remote whose Endpoints hold the discovery address.
        var endpoints = await _c2.Admin.CoreV1.ReadNamespacedEndpointsAsync("istiod-remote", ns, cancellationToken: Ct);
        Assert.Equal(Address, endpoints.Subsets[0].Addresses[0].Ip);
        await AssertWorkingSecretAsync(Assert.Single(result.Output), ns, "remote178");
    }

    [Fact]
    public async Task The_README_pipeline_with_istioctl_1_26_8_profile_remote_is_ready_without_pods_and_publishes_a_working_secret()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.26.8");
        var ns = await PrimaryWithGatewayAsync("rc-126");
        using var ps = _fixture.NewSession();

        var result = ps.Invoke("$VerbosePreference = 'Continue'; $extra = @{ Profile = 'Remote'; PrimaryClusterName = 'cluster1' }\n" + Pipeline, ns, "remote126", RepositoryLayout.IstioctlStandIn);

        result.AssertSucceeded();
        var installed = Single(ps, "installed");
        Assert.Equal(("Remote", "network1", Address), (installed.Prop("Form"), installed.Prop("Network"), installed.Prop("RemotePilotAddress")));
        var status = Single(ps, "status");
        Assert.Equal(("Remote", true, ns, "remote126"), (status.Prop("Form"), status.Prop("Ready"), status.Prop("Namespace"), status.Prop("ClusterName")));
        Assert.Empty((object[])status.Prop("Pods")!);
        var checks = Checks(status);
        Assert.Equal(new[] { "Namespace", "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "MutatingWebhookConfiguration", "Service", "Endpoints" },
            checks.Select(c => c.Kind));
        Assert.All(checks, c => Assert.True(c.Ready, $"{c.Kind} {c.Name}: {c.Detail}"));
        Assert.Contains(checks, c => c.Kind == "MutatingWebhookConfiguration" && c.Name == $"istio-sidecar-injector-{ns}" &&
                                     c.Detail.Contains($"call istiod.{ns}:443/inject/cluster/remote126/net/network1", StringComparison.Ordinal));
        Assert.Contains(checks, c => c.Kind == "Endpoints" && c.Detail.StartsWith($"{Address} ports 15012, 15017", StringComparison.Ordinal));
        Assert.Empty((await _c2.Admin.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: Ct)).Items);
        Assert.Contains(result.Verbose, v => v.Contains("remote-profile control plane", StringComparison.Ordinal) && v.Contains("is ready: 8/8 objects ready", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Warnings, w => w.Contains("ExternalName", StringComparison.Ordinal));
        // Progress counted the remote's objects, not pods.
        Assert.Contains(result.Progress, p => p.StatusDescription == $"cluster2/{ns}: 8/8 objects ready");
        await AssertWorkingSecretAsync(Assert.Single(result.Output), ns, "remote126");
    }

    [Theory]
    [InlineData("webhook", "MutatingWebhookConfiguration istio-sidecar-injector-{0}: missing", "MutatingWebhookConfiguration")]
    // The API server deletes a Service's Endpoints with it (and the garbage collector its mirrored EndpointSlice).
    [InlineData("service", "Service istiod: missing", "Service,Endpoints")]
    [InlineData("endpoints", "Endpoints istiod: missing: neither Endpoints istiod nor an EndpointSlice", "Endpoints")]
    [InlineData("role", "ClusterRole istio-reader-clusterrole-{0}: missing", "ClusterRole")]
    public async Task A_remote_profile_cluster_missing_an_object_is_not_ready_and_the_error_names_it(string missing, string expected, string notReadyKinds)
    {
        var (ns, ps) = await InstallRemoteAsync("rc-miss");
        switch (missing)
        {
            case "webhook": await _c2.Admin.AdmissionregistrationV1.DeleteMutatingWebhookConfigurationAsync($"istio-sidecar-injector-{ns}", cancellationToken: Ct); break;
            case "service": await DeleteServiceAsync(ns); break;
            case "endpoints": await DeleteEndpointsAsync(ns); break;
            case "role": await _c2.Admin.RbacAuthorizationV1.DeleteClusterRoleAsync($"istio-reader-clusterrole-{ns}", cancellationToken: Ct); break;
        }

        var result = ps.Invoke("$installed | Wait-IstioControlPlane -Timeout 00:00:03");

        Assert.Empty(result.Output);
        var error = Assert.Single(result.Errors);
        Assert.Equal($"ControlPlaneNotReady,{Cmdlet}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
        Assert.Contains(string.Format(expected, ns), error.Exception.Message);
        Assert.Contains("(profile remote)", error.Exception.Message);
        var status = PSObject.AsPSObject(error.TargetObject);
        Assert.Equal(("Remote", false), (status.Prop("Form"), status.Prop("Ready")));
        Assert.Equal(notReadyKinds.Split(','), Checks(status).Where(c => !c.Ready).Select(c => c.Kind));
    }

    [Fact]
    public async Task A_wait_on_a_remote_profile_cluster_ends_ready_when_the_missing_webhook_appears()
    {
        var (ns, ps) = await InstallRemoteAsync("rc-event");
        var name = $"istio-sidecar-injector-{ns}";
        var webhook = await _c2.Admin.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(name, cancellationToken: Ct);
        await _c2.Admin.AdmissionregistrationV1.DeleteMutatingWebhookConfigurationAsync(name, cancellationToken: Ct);

        var wait = ps.InvokeAsync("$installed | Wait-IstioControlPlane -Timeout 00:01:00", null);
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        Assert.False(wait.IsCompleted, "the wait ended while the webhook was missing");
        webhook.Metadata.ResourceVersion = null;
        webhook.Metadata.Uid = null;
        await _c2.Admin.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(webhook, cancellationToken: Ct);
        var created = DateTime.UtcNow;
        var result = await wait;

        result.AssertSucceeded();
        var status = Assert.Single(result.Output);
        Assert.Equal(("Remote", true), (status.Prop("Form"), status.Prop("Ready")));
        // Ended by the watch event, long before its minute was up.
        Out($"ready {(DateTime.UtcNow - created).TotalMilliseconds:0} ms after the webhook was created; the wait took {result.Duration.TotalSeconds:0.0} s");
        Assert.True(result.Duration < TimeSpan.FromSeconds(45), $"the wait took {result.Duration}");
        Assert.Contains(result.Progress, p => p.StatusDescription == $"cluster2/{ns}: 7/8 objects ready");
    }

    [Fact]
    public async Task A_hostname_discovery_address_makes_an_ExternalName_and_the_wait_warns_of_istio_45014()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.26.8");
        var ns = Ns("rc-host");
        using var ps = _fixture.NewSession();

        var result = ps.Invoke("""
            New-IstioRemoteInstallSpec -ClusterName remote-host -Network network1 -MeshId mesh1 -RemotePilotAddress eastwest.example.com `
                -Profile Remote -PrimaryClusterName cluster1 -Values @{ global = @{ istioNamespace = $args[0] } } |
                Install-IstioRemote -Context $C2 -IstioctlPath $args[1] | Wait-IstioControlPlane -Timeout 00:02:00
            """, ns, RepositoryLayout.IstioctlStandIn);

        result.AssertSucceeded();
        var status = Assert.Single(result.Output);
        Assert.Equal(("Remote", true), (status.Prop("Form"), status.Prop("Ready")));
        var checks = Checks(status);
        Assert.Contains(checks, c => c.Kind == "Service" && c.Detail.StartsWith("ExternalName eastwest.example.com", StringComparison.Ordinal));
        Assert.Contains(checks, c => c.Kind == "Endpoints" && c.Detail == "none needed: Service istiod is an ExternalName");
        // Install-IstioRemote warns of the host name before istioctl runs; the wait warns of the Service it finds.
        Assert.Single(result.Warnings, w => w.StartsWith("remotePilotAddress 'eastwest.example.com' is a host", StringComparison.Ordinal));
        var warning = Assert.Single(result.Warnings, w => w.StartsWith("Service istiod", StringComparison.Ordinal));
        Assert.Contains("istio#45014", warning);
        Assert.Contains("unsupported service type \"ExternalName\"", warning);
        Assert.Contains(ns, warning);
    }

    [Fact]
    public async Task With_nothing_piped_the_form_is_read_from_the_cluster_even_when_the_remote_is_installed_during_the_wait()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.26.8");
        var ns = Ns("rc-detect");
        using var ps = _fixture.NewSession();

        // The wait starts before the namespace exists: it watches pods, deployments and Service istiod.
        var wait = ps.InvokeAsync("Wait-IstioControlPlane -Context $C2 -Namespace $args[0] -ClusterName remote-detect -Timeout 00:02:00 -Verbose", null, ns);
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        using (var installer = _fixture.NewSession())
        {
            installer.Invoke("""
                New-IstioRemoteInstallSpec -ClusterName remote-detect -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 -Profile Remote `
                    -PrimaryClusterName cluster1 -Values @{ global = @{ istioNamespace = $args[0] } } | Install-IstioRemote -Context $C2 -IstioctlPath $args[1]
                """, ns, RepositoryLayout.IstioctlStandIn).AssertSucceeded();
        }

        var result = await wait;
        result.AssertSucceeded();
        var status = Assert.Single(result.Output);
        Assert.Equal(("Remote", true, "remote-detect"), (status.Prop("Form"), status.Prop("Ready"), status.Prop("ClusterName")));
        Assert.Contains(result.Warnings, w => w.Contains($"The namespace '{ns}' does not exist", StringComparison.Ordinal));
        Assert.Contains(result.Verbose, v => v.Contains("is a remote profile's: Service istiod selects no pods", StringComparison.Ordinal));

        // Asked again, the remote form is seen at once.
        var again = ps.Invoke("Wait-IstioControlPlane -Context $C2 -Namespace $args[0] -Timeout 00:00:30", ns);
        again.AssertSucceeded();
        Assert.Equal("Remote", Assert.Single(again.Output).Prop("Form"));
    }

    [Fact]
    public async Task Istioctl_1_28s_EndpointSlice_alone_makes_the_remote_ready()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.28.0");
        var ns = Ns("rc-128");
        using var ps = _fixture.NewSession();

        var result = ps.Invoke("""
            New-IstioRemoteInstallSpec -ClusterName remote128 -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 -Profile Remote `
                -PrimaryClusterName cluster1 -Values @{ global = @{ istioNamespace = $args[0] } } |
                Install-IstioRemote -Context $C2 -IstioctlPath $args[1] | Wait-IstioControlPlane -Timeout 00:02:00
            """, ns, RepositoryLayout.IstioctlStandIn);

        result.AssertSucceeded();
        var status = Assert.Single(result.Output);
        Assert.Equal(true, status.Prop("Ready"));
        Assert.Contains(Checks(status), c => c.Kind == "Endpoints" && c.Detail == "192.0.2.10 ports 15012, 15017 (EndpointSlice istiod)");
    }

    /// <summary>Installs the remote profile (istioctl 1.26.8) in a namespace of its own; the session keeps the result in $installed.</summary>
    private Task<(string Namespace, PowerShellSession Session)> InstallRemoteAsync(string prefix)
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.26.8");
        var ns = Ns(prefix);
        var ps = _fixture.NewSession();
        ps.Invoke("""
            $installed = New-IstioRemoteInstallSpec -ClusterName remote-x -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 -Profile Remote `
                -PrimaryClusterName cluster1 -Values @{ global = @{ istioNamespace = $args[0] } } | Install-IstioRemote -Context $C2 -IstioctlPath $args[1]
            """, ns, RepositoryLayout.IstioctlStandIn).AssertSucceeded();
        // Ready as installed: the tests then take one object away.
        var ready = ps.Invoke("$installed | Wait-IstioControlPlane -Timeout 00:01:00");
        ready.AssertSucceeded();
        Assert.Equal(true, Assert.Single(ready.Output).Prop("Ready"));
        return Task.FromResult((ns, ps));
    }

    /// <summary>A namespace in both clusters; in cluster1 a gateway Service whose load balancer gives <see cref="Address"/>.</summary>
    private async Task<string> PrimaryWithGatewayAsync(string prefix)
    {
        var ns = Ns(prefix);
        await _c1.EnsureNamespaceAsync(ns, Ct);
        await LoadBalancerSimulator.CreateServiceAsync(_c1.Admin, ns, "istio-ingressgateway", ct: Ct);
        await LoadBalancerSimulator.SetIngressAsync(_c1.Admin, ns, "istio-ingressgateway", new (string?, string?)[] { (Address, null) }, Ct);
        return ns;
    }

    /// <summary>What the primary's istiod does with a remote secret: find it by label, read its kubeconfig, list the remote's pods and services.</summary>
    private async Task AssertWorkingSecretAsync(PSObject published, string ns, string cluster)
    {
        Assert.Equal("MeshCluster.IstioRemoteSecret", published.BaseObject.GetType().FullName);
        Assert.Equal($"istio-remote-secret-{cluster}", published.Prop("SecretName"));
        var secrets = await _c1.Admin.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: "istio/multiCluster=true", cancellationToken: Ct);
        var secret = Assert.Single(secrets.Items);
        var kubeconfig = Encoding.UTF8.GetString(secret.Data[cluster]);
        var path = Path.Combine(Path.GetTempPath(), $"remote-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, kubeconfig, Ct);
        try
        {
            using var remote = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
            await remote.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: Ct);
            var services = await remote.CoreV1.ListNamespacedServiceAsync(ns, cancellationToken: Ct);
            Assert.Contains(services.Items, s => s.Metadata.Name.StartsWith("istiod", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private string Ns(string prefix)
    {
        var ns = _fixture.UniqueName(prefix);
        _namespaces.Add(ns);
        return ns;
    }

    private async Task DeleteEndpointsAsync(string ns)
    {
        await _c2.Admin.CoreV1.DeleteNamespacedEndpointsAsync("istiod", ns, cancellationToken: Ct);
        // The mirrored EndpointSlice goes with its Endpoints (the mirroring controller removes it).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await _c2.Admin.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<V1EndpointSliceList>("discovery.k8s.io", "v1beta1", ns, "endpointslices",
                   labelSelector: "kubernetes.io/service-name=istiod", cancellationToken: Ct)).Body.Items.Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the mirrored EndpointSlice was not removed");
            await Task.Delay(100, Ct);
        }
    }

    private async Task DeleteServiceAsync(string ns)
    {
        try
        {
            await _c2.Admin.CoreV1.DeleteNamespacedServiceAsync("istiod", ns, cancellationToken: Ct);
        }
        catch (Exception ex) when (ex is not HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound })
        {
            // KubernetesClient cannot read the body a 1.20 server answers a Service delete with: see that it is gone.
        }

        var gone = await Assert.ThrowsAsync<HttpOperationException>(() => _c2.Admin.CoreV1.ReadNamespacedServiceAsync("istiod", ns, cancellationToken: Ct));
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
    }

    private static PSObject Single(PowerShellSession ps, string variable) =>
        PSObject.AsPSObject(Assert.Single((System.Collections.IList)ps.GetVariable(variable)!)!);

    private static List<PSObject> Pods(PSObject status) => ((object[])status.Prop("Pods")!).Select(PSObject.AsPSObject).ToList();

    private static List<(string Kind, string Name, bool Ready, string Detail)> Checks(PSObject status) =>
        ((object[])status.Prop("Checks")!).Select(PSObject.AsPSObject)
            .Select(c => ((string)c.Prop("Kind")!, (string)c.Prop("Name")!, (bool)c.Prop("Ready")!, (string)c.Prop("Detail")!)).ToList();
}
