using System.Management.Automation;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>
/// Publish-IstioControlPlane on cluster1 with Istio's real CRDs (1.26.8's), each test in a namespace of its own with an east-west gateway
/// Service as gen-eastwest-gateway.sh's charts render it; and Get-IstioDiscoveryAddress -GatewaySelector reading it.
/// </summary>
public sealed class PublishControlPlaneTests(ClustersFixture fixture) : IAsyncLifetime
{
    private readonly List<string> _namespaces = new();
    private TestCluster Cluster => fixture.Clusters.Cluster1;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await IstioCrds.ApplyAsync(Cluster.Admin, Ct);

    public async ValueTask DisposeAsync()
    {
        foreach (var ns in _namespaces)
        {
            try { await Cluster.Admin.CoreV1.DeleteNamespaceAsync(ns); } catch (Exception) { /* the 1.20 delete body */ }
        }
    }

    private async Task<string> NamespaceAsync(string prefix)
    {
        var ns = fixture.UniqueName(prefix);
        _namespaces.Add(ns);
        await Cluster.EnsureNamespaceAsync(ns, Ct);
        return ns;
    }

    /// <summary>The Service gateways/istio-ingress/templates/service.yaml renders for gen-eastwest-gateway.sh's entry.</summary>
    private Task<V1Service> EastWestServiceAsync(string ns, bool istiodPorts = true, string name = "istio-eastwestgateway")
    {
        var labels = new Dictionary<string, string> { ["istio"] = "eastwestgateway", ["app"] = name, ["topology.istio.io/network"] = "network1" };
        var ports = new List<V1ServicePort>
        {
            new() { Name = "status-port", Port = 15021, TargetPort = 15021, Protocol = "TCP" },
            new() { Name = "tls", Port = 15443, TargetPort = 15443, Protocol = "TCP" },
        };
        if (istiodPorts)
        {
            ports.Add(new V1ServicePort { Name = "tls-istiod", Port = 15012, TargetPort = 15012, Protocol = "TCP" });
            ports.Add(new V1ServicePort { Name = "tls-webhook", Port = 15017, TargetPort = 15017, Protocol = "TCP" });
        }

        return Cluster.Admin.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1ServiceSpec { Type = "LoadBalancer", Selector = labels, Ports = ports },
        }, ns, cancellationToken: Ct);
    }

    private async Task<JsonNode?> ReadAsync(string ns, string plural, string name)
    {
        try
        {
            var obj = await Cluster.Admin.CustomObjects.GetNamespacedCustomObjectAsync("networking.istio.io", "v1", ns, plural, name, cancellationToken: Ct);
            return JsonSerializer.SerializeToNode(obj);
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The same JSON, key order aside (the API server stores an object's keys sorted).</summary>
    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}{Environment.NewLine}actual   {actual?.ToJsonString()}");

    [Fact]
    public async Task Creates_expose_istiod_yaml_s_two_objects_exactly_and_a_second_run_is_Unchanged()
    {
        var ns = await NamespaceAsync("expose");
        await EastWestServiceAsync(ns);
        await LoadBalancerSimulator.SetIngressAsync(Cluster.Admin, ns, "istio-eastwestgateway", new (string?, string?)[] { ("192.0.2.41", null) }, Ct);
        using var ps = fixture.NewSession();

        var whatIf = ps.Invoke("Publish-IstioControlPlane -Context $C1 -Namespace $args[0] -WhatIf", ns);
        whatIf.AssertSucceeded();
        Assert.Empty(whatIf.Output);
        Assert.Null(await ReadAsync(ns, "gateways", "istiod-gateway"));
        Assert.Null(await ReadAsync(ns, "virtualservices", "istiod-vs"));

        var first = ps.Invoke("Publish-IstioControlPlane -Context $C1 -Namespace $args[0] -Verbose", ns);
        first.AssertSucceeded();
        Assert.Empty(first.Warnings);
        var exposure = Assert.Single(first.Output);
        Assert.Equal("MeshCluster.IstioControlPlaneExposure", exposure.TypeNames[0]);
        Assert.Equal("cluster1", exposure.Prop("Context"));
        Assert.Equal(ns, exposure.Prop("Namespace"));
        Assert.Equal("istio=eastwestgateway", exposure.Prop("GatewaySelector"));
        Assert.Equal("istio-eastwestgateway", exposure.Prop("GatewayService"));
        Assert.Equal("192.0.2.41", exposure.Prop("Address"));
        Assert.Equal("networking.istio.io/v1", exposure.Prop("ApiVersion"));
        Assert.Equal("Created", exposure.Prop("GatewayAction")!.ToString());
        Assert.Equal("Created", exposure.Prop("VirtualServiceAction")!.ToString());

        // expose-istiod.yaml (1.26.8), field for field.
        var gateway = (await ReadAsync(ns, "gateways", "istiod-gateway"))!;
        AssertJson("""{"selector":{"istio":"eastwestgateway"},"servers":[{"port":{"name":"tls-istiod","number":15012,"protocol":"tls"},"tls":{"mode":"PASSTHROUGH"},"hosts":["*"]},{"port":{"name":"tls-istiodwebhook","number":15017,"protocol":"tls"},"tls":{"mode":"PASSTHROUGH"},"hosts":["*"]}]}""",
            gateway["spec"]);
        var vs = (await ReadAsync(ns, "virtualservices", "istiod-vs"))!;
        AssertJson("""{"hosts":["*"],"gateways":["istiod-gateway"],"tls":[{"match":[{"port":15012,"sniHosts":["*"]}],"route":[{"destination":{"host":"istiod.NS.svc.cluster.local","port":{"number":15012}}}]},{"match":[{"port":15017,"sniHosts":["*"]}],"route":[{"destination":{"host":"istiod.NS.svc.cluster.local","port":{"number":443}}}]}]}""".Replace("NS", ns, StringComparison.Ordinal),
            vs["spec"]);
        Assert.Contains(gateway["metadata"]!["managedFields"]!.AsArray(), f => f!["manager"]!.GetValue<string>() == "meshcluster" && f["operation"]!.GetValue<string>() == "Apply");
        var versions = (gateway["metadata"]!["resourceVersion"]!.GetValue<string>(), vs["metadata"]!["resourceVersion"]!.GetValue<string>());

        var second = ps.Invoke("[pscustomobject]@{ Context = $C1; Namespace = $args[0] } | Publish-IstioControlPlane", ns);
        second.AssertSucceeded();
        Assert.Equal("Unchanged", Assert.Single(second.Output).Prop("GatewayAction")!.ToString());
        Assert.Equal("Unchanged", second.Output[0].Prop("VirtualServiceAction")!.ToString());
        Assert.Equal(versions.Item1, (await ReadAsync(ns, "gateways", "istiod-gateway"))!["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal(versions.Item2, (await ReadAsync(ns, "virtualservices", "istiod-vs"))!["metadata"]!["resourceVersion"]!.GetValue<string>());

        // Someone changed the Gateway: it is put back (Updated), the VirtualService stays.
        await Cluster.Admin.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch("""{"spec":{"servers":[]}}""", V1Patch.PatchType.MergePatch),
            "networking.istio.io", "v1", ns, "gateways", "istiod-gateway", cancellationToken: Ct);
        var third = ps.Invoke("Publish-IstioControlPlane -Context $C1 -Namespace $args[0]", ns);
        third.AssertSucceeded();
        Assert.Equal("Updated", Assert.Single(third.Output).Prop("GatewayAction")!.ToString());
        Assert.Equal("Unchanged", third.Output[0].Prop("VirtualServiceAction")!.ToString());
        Assert.Equal(2, (await ReadAsync(ns, "gateways", "istiod-gateway"))!["spec"]!["servers"]!.AsArray().Count);
        first.AssertNoSecret(fixture.AdminTokens);
    }

    [Fact]
    public async Task A_gateway_without_the_istiod_ports_or_an_address_is_warned_about_and_still_exposed()
    {
        var ns = await NamespaceAsync("expose-warn");
        await EastWestServiceAsync(ns, istiodPorts: false);
        using var ps = fixture.NewSession();

        var result = ps.Invoke("Publish-IstioControlPlane -Context $C1 -Namespace $args[0]", ns);

        result.AssertSucceeded();
        Assert.Null(Assert.Single(result.Output).Prop("Address"));
        Assert.Contains(result.Warnings, w => w.Contains("no port 15012 or 15017", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Contains("no load-balancer address yet", StringComparison.Ordinal));
        Assert.NotNull(await ReadAsync(ns, "gateways", "istiod-gateway"));
    }

    [Fact]
    public async Task No_matching_gateway_is_EastWestGatewayNotFound_and_a_bad_selector_GatewaySelectorInvalid_and_nothing_is_written()
    {
        var ns = await NamespaceAsync("expose-none");
        await LoadBalancerSimulator.CreateServiceAsync(Cluster.Admin, ns, "istio-ingressgateway", ct: Ct);
        using var ps = fixture.NewSession();

        var none = ps.Invoke("Publish-IstioControlPlane -Context $C1 -Namespace $args[0]", ns);
        Assert.Empty(none.Output);
        var error = Assert.Single(none.Errors);
        Assert.StartsWith("EastWestGatewayNotFound,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("istio=eastwestgateway", error.TargetObject);

        var bad = ps.Invoke("Publish-IstioControlPlane -Context $C1 -Namespace $args[0] -GatewaySelector 'istio'", ns);
        Assert.StartsWith("GatewaySelectorInvalid,", Assert.Single(bad.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);

        // The ingress gateway by its own label is found, though: the selector is the user's.
        var ingress = ps.Invoke("Publish-IstioControlPlane -Context $C1 -Namespace $args[0] -GatewaySelector istio=ingressgateway -WarningAction SilentlyContinue", ns);
        ingress.AssertSucceeded();
        Assert.Equal("istio-ingressgateway", Assert.Single(ingress.Output).Prop("GatewayService"));
        var gateway = (await ReadAsync(ns, "gateways", "istiod-gateway"))!;
        Assert.Equal("ingressgateway", gateway["spec"]!["selector"]!["istio"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_IstioDiscoveryAddress_reads_the_east_west_gateway_by_its_labels_and_says_which()
    {
        var ns = await NamespaceAsync("ew-address");
        await EastWestServiceAsync(ns, name: "eastwest-gw-renamed");
        await LoadBalancerSimulator.SetIngressAsync(Cluster.Admin, ns, "eastwest-gw-renamed", new (string?, string?)[] { (null, "ew.example.com") }, Ct);
        using var ps = fixture.NewSession();

        var result = ps.Invoke("Get-IstioDiscoveryAddress -Context $C1 -Namespace $args[0] -GatewaySelector istio=eastwestgateway -Verbose", ns);

        result.AssertSucceeded();
        var address = Assert.Single(result.Output);
        Assert.Equal("ew.example.com", address.Prop("Address"));
        Assert.Equal("eastwest-gw-renamed", address.Prop("ServiceName"));
        Assert.Contains(result.Verbose, v => v.Contains("eastwest-gw-renamed", StringComparison.Ordinal) && v.Contains("istio=eastwestgateway", StringComparison.Ordinal));

        var missing = ps.Invoke("Get-IstioDiscoveryAddress -Context $C1 -Namespace $args[0] -GatewaySelector istio=nothing", ns);
        Assert.StartsWith("EastWestGatewayNotFound,", Assert.Single(missing.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
    }
}

/// <summary>A test ground of its own: one cluster where Istio's CRDs are never installed.</summary>
public sealed class NoIstioGround : IAsyncLifetime
{
    public TestClusters Ground { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Ground = await TestClusters.StartAsync(new TestClustersOptions { ClusterNames = new[] { "noistio" } }).ConfigureAwait(false);

    public async ValueTask DisposeAsync() => await Ground.DisposeAsync().ConfigureAwait(false);
}

/// <summary>Publish-IstioControlPlane where Istio is not installed.</summary>
public sealed class PublishControlPlaneWithoutIstioTests(NoIstioGround ground) : IClassFixture<NoIstioGround>
{
    [Fact]
    public async Task Without_Istio_s_CRDs_it_is_IstioCrdsNotFound_and_nothing_is_written()
    {
        var cluster = ground.Ground.All[0];
        await cluster.EnsureNamespaceAsync("istio-system", TestContext.Current.CancellationToken);
        await LoadBalancerSimulator.CreateServiceAsync(cluster.Admin, "istio-system", "istio-eastwestgateway", ct: TestContext.Current.CancellationToken);
        using var ps = PowerShellSession.Start();

        var result = ps.Invoke("Publish-IstioControlPlane -Context noistio -KubeConfig $args[0]", ground.Ground.KubeConfigPath);

        Assert.Empty(result.Output);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("IstioCrdsNotFound,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("gateways.networking.istio.io", error.TargetObject);
        Assert.EndsWith("[IstioCrdsNotFound]", error.ToString(), StringComparison.Ordinal);
    }
}
