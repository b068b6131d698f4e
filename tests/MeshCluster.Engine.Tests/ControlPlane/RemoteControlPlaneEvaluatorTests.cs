using k8s.Models;
using MeshCluster.Engine.ControlPlane;

namespace MeshCluster.Engine.Tests.ControlPlane;

/// <summary>The remote-profile readiness rule on hand-made objects shaped as Istio 1.26.8's charts render them.</summary>
public class RemoteControlPlaneEvaluatorTests
{
    private const string Ns = "istio-system";
    private static readonly RemoteExpectation Expected = new(Ns, "cluster2", "network1", "192.0.2.10");

    [Fact]
    public void What_istioctl_1_26_renders_for_profile_remote_is_ready()
    {
        var j = RemoteControlPlaneEvaluator.Evaluate(Expected, Rendered());
        Assert.True(j.Ready, string.Join("\n", j.Problems));
        Assert.Equal(new[] { "Namespace", "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "MutatingWebhookConfiguration", "Service", "Endpoints" },
            j.Checks.Select(c => c.Kind));
        Assert.Equal("8/8 objects ready", j.Summary);
        Assert.Equal(100, j.Percent);
        Assert.Null(j.ExternalName);
        Assert.Equal("4 webhooks call istiod.istio-system:443/inject/cluster/cluster2/net/network1; no caBundle yet (the primary's istiod sets it once it reads the remote secret)",
            j.Checks[5].Detail);
        Assert.Equal("192.0.2.10 ports 15012, 15017 (Endpoints istiod)", j.Checks[7].Detail);
    }

    [Fact]
    public void Nothing_at_all_names_every_object()
    {
        var j = RemoteControlPlaneEvaluator.Evaluate(Expected, new RemoteObjects(null, Array.Empty<V1CustomResourceDefinition>(), null, null, null, null, null, null,
            Array.Empty<V1EndpointSlice>()));
        Assert.False(j.Ready);
        Assert.Equal(new[]
        {
            "Namespace istio-system: missing",
            "CustomResourceDefinition *.istio.io: no Istio CRDs (istioctl installs them with the base chart)",
            "ServiceAccount istio-reader-service-account: missing (the remote secret's identity)",
            "ClusterRole istio-reader-clusterrole-istio-system: missing",
            "ClusterRoleBinding istio-reader-clusterrole-istio-system: missing",
            "MutatingWebhookConfiguration istio-sidecar-injector: missing (no sidecar can be injected in this cluster)",
            "Service istiod: missing (the remote's proxies reach istiod and the API server the injector through it)",
            "Endpoints istiod: missing: neither Endpoints istiod nor an EndpointSlice of Service istiod (they point it at the primary's discovery address)",
        }, j.Problems);
        Assert.Equal(0, j.Percent);
    }

    [Theory]
    [InlineData("/inject", "names no cluster")]
    [InlineData("/inject/cluster/cluster3/net/network1", "for cluster 'cluster3', not 'cluster2'")]
    [InlineData("/inject/cluster/cluster2/net/network9", "for network 'network9', not 'network1'")]
    public void A_webhook_path_that_does_not_name_this_cluster_and_network_is_not_ready(string path, string why)
    {
        var objects = Rendered(path: path);
        var j = RemoteControlPlaneEvaluator.Evaluate(Expected, objects);
        var check = Assert.Single(j.Checks, c => !c.Ready);
        Assert.Equal("MutatingWebhookConfiguration", check.Kind);
        Assert.Contains(why, check.Detail);
        // Unknown cluster and network: any named cluster does.
        var lenient = RemoteControlPlaneEvaluator.Evaluate(Expected with { ClusterName = null, Network = null }, objects);
        Assert.Equal(path == "/inject", !lenient.Ready);
    }

    [Fact]
    public void A_webhook_calling_another_service_is_not_ready()
    {
        var objects = Rendered();
        objects.Injector!.Webhooks[1].ClientConfig.Service.Name = "istiod-canary";
        var check = Assert.Single(RemoteControlPlaneEvaluator.Evaluate(Expected, objects).Checks, c => !c.Ready);
        Assert.Equal("rev.object.sidecar-injector.istio.io calls istiod-canary.istio-system:443, not istiod.istio-system:443", check.Detail);
    }

    [Fact]
    public void A_local_istiods_own_Service_is_not_the_remotes()
    {
        var objects = Rendered();
        objects.Istiod!.Spec.Selector = new Dictionary<string, string> { ["app"] = "istiod" };
        var check = Assert.Single(RemoteControlPlaneEvaluator.Evaluate(Expected, objects).Checks, c => !c.Ready);
        Assert.StartsWith("selects pods (app=istiod): a local istiod's own Service", check.Detail);
    }

    [Fact]
    public void Endpoints_at_another_address_or_without_the_webhook_port_are_not_ready()
    {
        var elsewhere = Rendered(address: "192.0.2.99");
        Assert.Equal("point at 192.0.2.99, not the discovery address 192.0.2.10", Assert.Single(RemoteControlPlaneEvaluator.Evaluate(Expected, elsewhere).Checks, c => !c.Ready).Detail);
        Assert.True(RemoteControlPlaneEvaluator.Evaluate(Expected with { DiscoveryAddress = null }, elsewhere).Ready);

        var noWebhookPort = Rendered();
        noWebhookPort.Endpoints!.Subsets[0].Ports.RemoveAt(1);
        Assert.Equal("192.0.2.10 lacks port 15017 (Endpoints istiod)", Assert.Single(RemoteControlPlaneEvaluator.Evaluate(Expected, noWebhookPort).Checks, c => !c.Ready).Detail);
    }

    [Fact]
    public void An_EndpointSlice_alone_does_as_Istio_1_28_writes_it()
    {
        var objects = Rendered() with
        {
            Endpoints = null,
            Slices = new[]
            {
                new V1EndpointSlice
                {
                    Metadata = new V1ObjectMeta { Name = "istiod" },
                    AddressType = "IPv4",
                    Endpoints = new List<V1Endpoint> { new() { Addresses = new List<string> { "192.0.2.10" } } },
                    Ports = new List<Discoveryv1EndpointPort> { new() { Port = 15012 }, new() { Port = 15017 } },
                },
            },
        };
        var j = RemoteControlPlaneEvaluator.Evaluate(Expected, objects);
        Assert.True(j.Ready);
        Assert.Equal("192.0.2.10 ports 15012, 15017 (EndpointSlice istiod)", j.Checks[7].Detail);
    }

    [Fact]
    public void An_ExternalName_for_a_hostname_is_ready_and_reported_for_the_45014_warning()
    {
        var objects = Rendered() with { Endpoints = null };
        objects.Istiod!.Spec.Type = "ExternalName";
        objects.Istiod.Spec.ExternalName = "eastwest.example.com";
        var j = RemoteControlPlaneEvaluator.Evaluate(Expected with { DiscoveryAddress = "eastwest.example.com" }, objects);
        Assert.True(j.Ready);
        Assert.Equal("eastwest.example.com", j.ExternalName);
        Assert.Equal("none needed: Service istiod is an ExternalName", j.Checks[7].Detail);

        // Another host than the discovery address is not ready.
        Assert.False(RemoteControlPlaneEvaluator.Evaluate(Expected with { DiscoveryAddress = "other.example.com" }, objects).Ready);

        // A webhook that calls the primary by URL does not go through the ExternalName: no warning.
        foreach (var w in objects.Injector!.Webhooks) w.ClientConfig = new Admissionregistrationv1WebhookClientConfig { Url = "https://eastwest.example.com:15017/inject/cluster/cluster2/net/network1" };
        var viaUrl = RemoteControlPlaneEvaluator.Evaluate(Expected with { DiscoveryAddress = "eastwest.example.com" }, objects);
        Assert.True(viaUrl.Ready);
        Assert.Null(viaUrl.ExternalName);
    }

    [Fact]
    public void A_reader_role_without_the_remote_extras_is_not_ready_and_names_what_it_lacks()
    {
        var objects = Rendered();
        objects.ReaderRole!.Rules = objects.ReaderRole.Rules.Take(objects.ReaderRole.Rules.Count - 3).ToList();
        var check = Assert.Single(RemoteControlPlaneEvaluator.Evaluate(Expected, objects).Checks, c => !c.Ready);
        Assert.StartsWith("does not grant create configmaps, update configmaps, get mutatingwebhookconfigurations.admissionregistration.k8s.io", check.Detail);

        // A wildcard grants it all.
        objects.ReaderRole.Rules = new List<V1PolicyRule> { new() { ApiGroups = new[] { "*" }, Resources = new[] { "*" }, Verbs = new[] { "*" } } };
        Assert.True(RemoteControlPlaneEvaluator.Evaluate(Expected, objects).Ready);
        // Rules limited to named objects grant nothing here.
        objects.ReaderRole.Rules[0].ResourceNames = new[] { "one" };
        Assert.False(RemoteControlPlaneEvaluator.Evaluate(Expected, objects).Ready);
    }

    [Fact]
    public void CRDs_missing_or_not_Established_are_named()
    {
        var objects = Rendered();
        var crds = objects.Crds.ToList();
        crds.RemoveAll(c => c.Metadata.Name == "gateways.networking.istio.io");
        crds[0].Status.Conditions[0].Status = "False";
        var j = RemoteControlPlaneEvaluator.Evaluate(Expected, objects with { Crds = crds });
        Assert.Equal("missing gateways.networking.istio.io", Assert.Single(j.Checks, c => !c.Ready).Detail);
        crds.Add(Crd("gateways.networking.istio.io"));
        j = RemoteControlPlaneEvaluator.Evaluate(Expected, objects with { Crds = crds });
        Assert.Equal($"not Established: {crds[0].Metadata.Name}", Assert.Single(j.Checks, c => !c.Ready).Detail);
    }

    [Fact]
    public void A_binding_to_another_role_or_account_is_not_ready()
    {
        var objects = Rendered();
        objects.ReaderBinding!.Subjects[0].Name = "default";
        Assert.Equal("does not name ServiceAccount istio-system/istio-reader-service-account",
            Assert.Single(RemoteControlPlaneEvaluator.Evaluate(Expected, objects).Checks, c => !c.Ready).Detail);
    }

    [Theory]
    [InlineData("/inject/cluster/cluster2/net/network1", "cluster2", "network1")]
    [InlineData("/inject/cluster/cluster2/net/network1/", "cluster2", "network1")]
    [InlineData("/inject/net/network1/cluster/c--slash--2", "c/2", "network1")]
    [InlineData("/inject", null, null)]
    [InlineData("/other/cluster/x", null, null)]
    public void The_injection_path_is_read_as_istiod_reads_it(string path, string? cluster, string? network)
    {
        var p = RemoteControlPlaneEvaluator.InjectionParameters(path);
        Assert.Equal(cluster, p.TryGetValue("cluster", out var c) ? c : null);
        Assert.Equal(network, p.TryGetValue("net", out var n) ? n : null);
    }

    [Fact]
    public void The_form_read_from_a_cluster_is_Remote_only_for_a_selectorless_istiod_Service_without_an_istiod_Deployment()
    {
        var remote = Rendered().Istiod;
        var local = new V1Service { Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "istiod" } } };
        var istiod = new V1Deployment { Metadata = new V1ObjectMeta { Name = "istiod" } };
        var gateway = new V1Deployment { Metadata = new V1ObjectMeta { Name = "istio-eastwestgateway" } };
        Assert.Equal(ControlPlaneForm.Remote, ControlPlaneFormRule.FromCluster(remote, new[] { gateway }));
        Assert.Equal(ControlPlaneForm.Remote, ControlPlaneFormRule.FromCluster(new V1Service { Spec = new V1ServiceSpec { Type = "ExternalName" } }, Array.Empty<V1Deployment>()));
        Assert.Equal(ControlPlaneForm.Istiod, ControlPlaneFormRule.FromCluster(remote, new[] { istiod }));
        Assert.Equal(ControlPlaneForm.Istiod, ControlPlaneFormRule.FromCluster(local, Array.Empty<V1Deployment>()));
        Assert.Equal(ControlPlaneForm.Istiod, ControlPlaneFormRule.FromCluster(null, Array.Empty<V1Deployment>()));
    }

    /// <summary>The objects istioctl 1.26.8 renders for profile remote (istio-discovery templates), as the API server returns them.</summary>
    private static RemoteObjects Rendered(string path = "/inject/cluster/cluster2/net/network1", string address = "192.0.2.10")
    {
        static V1PolicyRule Rule(string group, string resource, params string[] verbs) => new() { ApiGroups = new[] { group }, Resources = new[] { resource }, Verbs = verbs };
        var crds = Core.Select(Crd).Append(Crd("telemetries.telemetry.istio.io")).Append(new V1CustomResourceDefinition
        {
            Metadata = new V1ObjectMeta { Name = "widgets.example.com" },
            Spec = new V1CustomResourceDefinitionSpec { Group = "example.com" },
            Status = new V1CustomResourceDefinitionStatus(),
        }).ToList();
        return new RemoteObjects(
            new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns }, Status = new V1NamespaceStatus { Phase = "Active" } },
            crds,
            new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "istio-reader-service-account" } },
            new V1ClusterRole
            {
                Rules = new List<V1PolicyRule>
                {
                    new() { ApiGroups = new[] { "config.istio.io", "networking.istio.io" }, Resources = new[] { "*" }, Verbs = new[] { "get", "list", "watch" } },
                    new() { ApiGroups = new[] { "" }, Resources = new[] { "endpoints", "pods", "services", "namespaces", "secrets", "configmaps" }, Verbs = new[] { "get", "list", "watch" } },
                    Rule("", "configmaps", "create", "get", "list", "watch", "update"),
                    Rule("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "get", "list", "watch", "update", "patch"),
                    Rule("admissionregistration.k8s.io", "validatingwebhookconfigurations", "get", "list", "watch", "update"),
                },
            },
            new V1ClusterRoleBinding
            {
                RoleRef = new V1RoleRef { Kind = "ClusterRole", Name = "istio-reader-clusterrole-istio-system" },
                Subjects = new List<Rbacv1Subject> { new() { Kind = "ServiceAccount", Name = "istio-reader-service-account", NamespaceProperty = Ns } },
            },
            new V1MutatingWebhookConfiguration
            {
                Webhooks = new[] { "rev.namespace.", "rev.object.", "namespace.", "object." }.Select(prefix => new V1MutatingWebhook
                {
                    Name = prefix + "sidecar-injector.istio.io",
                    ClientConfig = new Admissionregistrationv1WebhookClientConfig
                    {
                        Service = new Admissionregistrationv1ServiceReference { Name = "istiod", NamespaceProperty = Ns, Path = path, Port = 443 },
                    },
                }).ToList(),
            },
            new V1Service
            {
                Spec = new V1ServiceSpec
                {
                    Type = "ClusterIP",
                    Ports = new List<V1ServicePort> { new() { Port = 15012, Name = "tcp-istiod" }, new() { Port = 443, TargetPort = 15017, Name = "tcp-webhook" } },
                },
            },
            new V1Endpoints
            {
                Subsets = new List<V1EndpointSubset>
                {
                    new()
                    {
                        Addresses = new List<V1EndpointAddress> { new() { Ip = address } },
                        Ports = new List<Corev1EndpointPort> { new() { Port = 15012 }, new() { Port = 15017 } },
                    },
                },
            },
            Array.Empty<V1EndpointSlice>());
    }

    private static readonly string[] Core = RemoteControlPlaneNames.CoreCrds.ToArray();

    private static V1CustomResourceDefinition Crd(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1CustomResourceDefinitionSpec { Group = name[(name.IndexOf('.') + 1)..] },
        Status = new V1CustomResourceDefinitionStatus { Conditions = new List<V1CustomResourceDefinitionCondition> { new() { Type = "Established", Status = "True" } } },
    };
}
