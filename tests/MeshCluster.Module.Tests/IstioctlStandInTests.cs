using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>
/// The istioctl stand-in itself, run as a process (not through Install-IstioRemote, which refuses some of these combinations):
/// what it writes into cluster2 per Istio version and form must be what that version's charts render (tests/IstioctlStandIn/Charts.cs
/// names the templates). Each test installs into a namespace of its own (values.global.istioNamespace).
/// </summary>
[Collection(nameof(IstioctlStandInCollection))]
public sealed class IstioctlStandInTests(ClustersFixture fixture) : IDisposable
{
    private readonly TestCluster _c2 = fixture.Clusters.Cluster2;
    private readonly List<string> _namespaces = new();

    public void Dispose()
    {
        foreach (var ns in _namespaces)
        {
            try { _c2.Admin.CoreV1.DeleteNamespaceAsync(ns).GetAwaiter().GetResult(); }
            catch (Exception) { /* never made, or the 1.20 delete body the typed client cannot read */ }
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

    [Fact]
    public async Task Istio_1_7_8_in_the_guides_form_runs_istiod_beside_a_headless_istiod_remote_with_the_address_as_ip()
    {
        var ns = Ns("si-178");
        var (exit, output) = await InstallAsync("1.7.8", ns, profile: null, "192.0.2.10");

        Assert.True(exit == 0, output);
        // base/templates/services.yaml and endpoints.yaml at 1.7.8.
        var remote = await _c2.Admin.CoreV1.ReadNamespacedServiceAsync("istiod-remote", ns, cancellationToken: Ct);
        Assert.Equal("None", remote.Spec.ClusterIP);
        Assert.Equal(15012, Assert.Single(remote.Spec.Ports).Port);
        var endpoints = await _c2.Admin.CoreV1.ReadNamespacedEndpointsAsync("istiod-remote", ns, cancellationToken: Ct);
        Assert.Equal("192.0.2.10", Assert.Single(Assert.Single(endpoints.Subsets).Addresses).Ip);
        // base/templates/clusterrole.yaml at 1.7.8: istio-reader-<ns>, without secrets or endpointslices.
        var role = await _c2.Admin.RbacAuthorizationV1.ReadClusterRoleAsync($"istio-reader-{ns}", cancellationToken: Ct);
        Assert.DoesNotContain(role.Rules, r => r.Resources.Contains("secrets") || r.Resources.Contains("endpointslices"));
        Assert.Null(await TryAsync(() => _c2.Admin.RbacAuthorizationV1.ReadClusterRoleAsync($"istio-reader-clusterrole-{ns}", cancellationToken: Ct)));
        var istiod = await _c2.Admin.AppsV1.ReadNamespacedDeploymentAsync("istiod", ns, cancellationToken: Ct);
        Assert.Equal("istiod-service-account", istiod.Spec.Template.Spec.ServiceAccountName);
        Assert.Equal("docker.io/istio/pilot:1.7.8", Assert.Single(istiod.Spec.Template.Spec.Containers).Image);
        var service = await _c2.Admin.CoreV1.ReadNamespacedServiceAsync("istiod", ns, cancellationToken: Ct);
        Assert.Equal("pilot", service.Spec.Selector["istio"]);
        var webhook = await _c2.Admin.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync($"istio-sidecar-injector-{ns}", cancellationToken: Ct);
        var hook = Assert.Single(webhook.Webhooks);
        Assert.Equal("/inject", hook.ClientConfig.Service.Path);
        // No CRDs of 1.26 for a 1.7 istioctl, no pods of the stand-in's making beyond the Deployment's.
        Assert.Contains("✔ Installation complete", output);
    }

    [Fact]
    public async Task Istio_1_7_8_with_a_hostname_fails_half_way_at_the_Endpoints_ip_as_the_charts_make_it()
    {
        var ns = Ns("si-178-host");
        var (exit, output) = await InstallAsync("1.7.8", ns, profile: null, "istiod.primary.example");

        Assert.Equal(1, exit);
        Assert.Contains($"✘ Istio core encountered an error: failed to create \"Endpoints/{ns}/istiod-remote\"", output);
        Assert.Contains("must be a valid IP address", output);
        // The Service before it was made; nothing after it (Pilot never ran).
        Assert.NotNull(await TryAsync(() => _c2.Admin.CoreV1.ReadNamespacedServiceAsync("istiod-remote", ns, cancellationToken: Ct)));
        Assert.Null(await TryAsync(() => _c2.Admin.AppsV1.ReadNamespacedDeploymentAsync("istiod", ns, cancellationToken: Ct)));
    }

    [Fact]
    public async Task Istio_1_15_7_with_a_hostname_makes_istiod_remote_an_ExternalName()
    {
        var ns = Ns("si-115-host");
        var (exit, output) = await InstallAsync("1.15.7", ns, profile: null, "istiod.primary.example");

        Assert.True(exit == 0, output);
        var remote = await _c2.Admin.CoreV1.ReadNamespacedServiceAsync("istiod-remote", ns, cancellationToken: Ct);
        Assert.Equal("ExternalName", remote.Spec.Type);
        Assert.Equal("istiod.primary.example", remote.Spec.ExternalName);
        Assert.Equal(new[] { 15012, 443 }, remote.Spec.Ports.Select(p => p.Port));
        Assert.Null(await TryAsync(() => _c2.Admin.CoreV1.ReadNamespacedEndpointsAsync("istiod-remote", ns, cancellationToken: Ct)));
        Assert.NotNull(await TryAsync(() => _c2.Admin.RbacAuthorizationV1.ReadClusterRoleAsync($"istio-reader-clusterrole-{ns}", cancellationToken: Ct)));
        // The base chart's legacy role beside it, until 1.18.
        Assert.NotNull(await TryAsync(() => _c2.Admin.RbacAuthorizationV1.ReadClusterRoleAsync($"istio-reader-{ns}", cancellationToken: Ct)));
        Assert.Equal(4, (await _c2.Admin.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync($"istio-sidecar-injector-{ns}", cancellationToken: Ct)).Webhooks.Count);
    }

    [Fact]
    public async Task Istio_1_26_8_without_profile_remote_installs_a_full_istiod_and_no_istiod_remote()
    {
        var ns = Ns("si-126-trap");
        var (exit, output) = await InstallAsync("1.26.8", ns, profile: null, "192.0.2.10");

        Assert.True(exit == 0, output);
        Assert.NotNull(await TryAsync(() => _c2.Admin.AppsV1.ReadNamespacedDeploymentAsync("istiod", ns, cancellationToken: Ct)));
        var service = await _c2.Admin.CoreV1.ReadNamespacedServiceAsync("istiod", ns, cancellationToken: Ct);
        Assert.Equal("istiod", service.Spec.Selector["app"]);
        Assert.Null(await TryAsync(() => _c2.Admin.CoreV1.ReadNamespacedServiceAsync("istiod-remote", ns, cancellationToken: Ct)));
        Assert.Null(await TryAsync(() => _c2.Admin.CoreV1.ReadNamespacedEndpointsAsync("istiod", ns, cancellationToken: Ct)));
        var role = await _c2.Admin.RbacAuthorizationV1.ReadClusterRoleAsync($"istio-reader-clusterrole-{ns}", cancellationToken: Ct);
        Assert.DoesNotContain(role.Rules, r => r.Resources.Contains("mutatingwebhookconfigurations"));
        var hooks = (await _c2.Admin.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync($"istio-sidecar-injector-{ns}", cancellationToken: Ct)).Webhooks;
        Assert.All(hooks, h => Assert.Equal("/inject", h.ClientConfig.Service.Path));
        Assert.True(await IstioCrds.ExistsAsync(_c2.Admin, "gateways.networking.istio.io", Ct));
    }

    [Fact]
    public async Task Istio_1_26_8_profile_remote_renders_no_istiod_but_the_remotes_objects()
    {
        var ns = Ns("si-126-remote");
        var (exit, output) = await InstallAsync("1.26.8", ns, "remote", "192.0.2.10");

        Assert.True(exit == 0, output);
        Assert.Contains("profile \"remote\"", output);
        Assert.Empty((await _c2.Admin.AppsV1.ListNamespacedDeploymentAsync(ns, cancellationToken: Ct)).Items);
        // operator/pkg/util/k8s.go CreateNamespace: the network label.
        Assert.Equal("network1", (await _c2.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct)).Metadata.Labels["topology.istio.io/network"]);
        Assert.NotNull(await _c2.Admin.CoreV1.ReadNamespacedServiceAccountAsync("istio-reader-service-account", ns, cancellationToken: Ct));
        var role = await _c2.Admin.RbacAuthorizationV1.ReadClusterRoleAsync($"istio-reader-clusterrole-{ns}", cancellationToken: Ct);
        Assert.Contains(role.Rules, r => r.Resources.SequenceEqual(new[] { "mutatingwebhookconfigurations" }) && r.Verbs.Contains("patch"));
        Assert.Contains(role.Rules, r => r.Resources.SequenceEqual(new[] { "configmaps" }) && r.Verbs.Contains("create"));
        Assert.Contains(role.Rules, r => r.Resources.Contains("pods") && r.Resources.Contains("configmaps")); // 1.26's core read rule
        var binding = await _c2.Admin.RbacAuthorizationV1.ReadClusterRoleBindingAsync($"istio-reader-clusterrole-{ns}", cancellationToken: Ct);
        Assert.Equal(("istio-reader-service-account", ns), (Assert.Single(binding.Subjects).Name, binding.Subjects[0].NamespaceProperty));

        var webhook = await _c2.Admin.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync($"istio-sidecar-injector-{ns}", cancellationToken: Ct);
        Assert.Equal(new[] { "rev.namespace.sidecar-injector.istio.io", "rev.object.sidecar-injector.istio.io", "namespace.sidecar-injector.istio.io", "object.sidecar-injector.istio.io" },
            webhook.Webhooks.Select(w => w.Name));
        Assert.All(webhook.Webhooks, w =>
        {
            Assert.Equal(("istiod", ns, 443, "/inject/cluster/si-remote/net/network1"),
                (w.ClientConfig.Service.Name, w.ClientConfig.Service.NamespaceProperty, w.ClientConfig.Service.Port, w.ClientConfig.Service.Path));
            Assert.Null(w.ClientConfig.CaBundle);
        });

        var service = await _c2.Admin.CoreV1.ReadNamespacedServiceAsync("istiod", ns, cancellationToken: Ct);
        Assert.Null(service.Spec.Selector);
        Assert.Equal(new[] { (15012, "15012"), (443, "15017") }, service.Spec.Ports.Select(p => (p.Port, p.TargetPort.Value)));
        var endpoints = await _c2.Admin.CoreV1.ReadNamespacedEndpointsAsync("istiod", ns, cancellationToken: Ct);
        Assert.Equal("192.0.2.10", Assert.Single(Assert.Single(endpoints.Subsets).Addresses).Ip);
        Assert.Equal(new[] { 15012, 15017 }, endpoints.Subsets[0].Ports.Select(p => p.Port));
        foreach (var (name, _) in IstioCrds.Definitions)
        {
            var crd = await _c2.Admin.ApiextensionsV1.ReadCustomResourceDefinitionAsync(name, cancellationToken: Ct);
            Assert.Contains(crd.Status.Conditions, c => c.Type == "Established" && c.Status == "True");
        }
    }

    [Fact]
    public async Task Istio_1_28_profile_remote_writes_an_EndpointSlice_instead_of_Endpoints()
    {
        var ns = Ns("si-128-remote");
        var (exit, output) = await InstallAsync("1.28.0", ns, "remote", "192.0.2.10");

        Assert.True(exit == 0, output);
        Assert.Null(await TryAsync(() => _c2.Admin.CoreV1.ReadNamespacedEndpointsAsync("istiod", ns, cancellationToken: Ct)));
        var slices = await _c2.Admin.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<V1EndpointSliceList>("discovery.k8s.io", "v1beta1", ns, "endpointslices",
            labelSelector: "kubernetes.io/service-name=istiod", cancellationToken: Ct);
        var slice = Assert.Single(slices.Body.Items);
        Assert.Equal("istiod", slice.Metadata.Name);
        Assert.Equal("IPv4", slice.AddressType);
        Assert.Equal("192.0.2.10", Assert.Single(Assert.Single(slice.Endpoints).Addresses));
    }

    [Theory]
    [InlineData("1.24.6", "2001:db8::10", "spec.externalName")] // 1.24-1.29 match IPv4 only: the address becomes an ExternalName, which the API server refuses
    [InlineData("1.26.8", "istiod primary", "spec.externalName")]
    public async Task A_remote_profile_address_the_API_server_refuses_fails_the_install_at_Service_istiod(string version, string address, string field)
    {
        var ns = Ns("si-refused");
        var (exit, output) = await InstallAsync(version, ns, "remote", address);

        Assert.Equal(1, exit);
        Assert.Contains($"✘ Istiod encountered an error: failed to create \"Service/{ns}/istiod\"", output);
        Assert.Contains(field, output);
    }

    [Fact]
    public async Task Profile_remote_before_1_24_is_not_played()
    {
        var ns = Ns("si-123-remote");
        var (exit, output) = await InstallAsync("1.23.0", ns, "remote", "192.0.2.10");

        Assert.Equal(1, exit);
        Assert.Contains("renders profile \"remote\" only as Istio 1.24 and later do", output);
        Assert.Null(await TryAsync(() => _c2.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct)));
    }

    private string Ns(string prefix)
    {
        var ns = fixture.UniqueName(prefix);
        _namespaces.Add(ns);
        return ns;
    }

    private Task<(int ExitCode, string Output)> InstallAsync(string version, string ns, string? profile, string address) =>
        StandInRunner.InstallAsync(version, StandInRunner.Spec(ns, profile, address), fixture.KubeConfigPath, "cluster2", Ct);

    private static async Task<T?> TryAsync<T>(Func<Task<T>> read) where T : class
    {
        try
        {
            return await read();
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
