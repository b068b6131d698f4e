using System.Management.Automation;
using YamlDotNet.RepresentationModel;

namespace MeshCluster.Module.Tests;

/// <summary>
/// New-IstioPrimaryInstallSpec through the module: each form's YAML read back field by field, against what istio.io's primary-remote page,
/// samples/multicluster/gen-eastwest-gateway.sh (1.26.8) and Istio 1.7's "initial configuration" write.
/// </summary>
public sealed class PrimaryInstallSpecTests(ClustersFixture fixture)
{
    private static YamlMappingNode Root(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private static YamlNode? At(YamlNode node, params object[] path)
    {
        YamlNode? current = node;
        foreach (var step in path)
        {
            current = step switch
            {
                string key when current is YamlMappingNode m => m.Children.TryGetValue(new YamlScalarNode(key), out var c) ? c : null,
                int index when current is YamlSequenceNode s => index < s.Children.Count ? s.Children[index] : null,
                _ => null,
            };
            if (current is null) return null;
        }

        return current;
    }

    private static string? S(YamlNode node, params object[] path) => (At(node, path) as YamlScalarNode)?.Value;

    /// <summary>A scalar with its style: plain true/15012 are a boolean and a number to istioctl, quoted ones strings.</summary>
    private static (string? Value, bool Quoted) Scalar(YamlNode node, params object[] path)
    {
        var s = Assert.IsType<YamlScalarNode>(At(node, path));
        return (s.Value, s.Style is YamlDotNet.Core.ScalarStyle.DoubleQuoted or YamlDotNet.Core.ScalarStyle.SingleQuoted);
    }

    private static void AssertKeys(YamlNode node, object[] path, params string[] keys) =>
        Assert.Equal(keys, ((YamlMappingNode)At(node, path)!).Children.Keys.Select(k => ((YamlScalarNode)k).Value));

    private static void AssertEastWestGateway(YamlNode spec, string network)
    {
        var gateways = Assert.IsType<YamlSequenceNode>(At(spec, "components", "ingressGateways"));
        var gw = Assert.IsType<YamlMappingNode>(Assert.Single(gateways.Children));
        // gen-eastwest-gateway.sh --network <n>, key for key.
        AssertKeys(gw, Array.Empty<object>(), "name", "label", "enabled", "k8s");
        Assert.Equal("istio-eastwestgateway", S(gw, "name"));
        AssertKeys(gw, new object[] { "label" }, "istio", "app", "topology.istio.io/network");
        Assert.Equal("eastwestgateway", S(gw, "label", "istio"));
        Assert.Equal("istio-eastwestgateway", S(gw, "label", "app"));
        Assert.Equal(network, S(gw, "label", "topology.istio.io/network"));
        Assert.Equal(("true", false), Scalar(gw, "enabled"));
        Assert.Equal("ISTIO_META_REQUESTED_NETWORK_VIEW", S(gw, "k8s", "env", 0, "name"));
        Assert.Equal(network, S(gw, "k8s", "env", 0, "value"));
        Assert.Null(At(gw, "k8s", "env", 1));
        var ports = Assert.IsType<YamlSequenceNode>(At(gw, "k8s", "service", "ports"));
        Assert.Equal(new[] { "status-port:15021:15021", "tls:15443:15443", "tls-istiod:15012:15012", "tls-webhook:15017:15017" },
            ports.Children.Select(p => $"{S(p, "name")}:{S(p, "port")}:{S(p, "targetPort")}"));
        Assert.All(ports.Children, p => Assert.False(Scalar(p, "port").Quoted));
        Assert.Equal("gateway", S(spec, "values", "gateways", "istio-ingressgateway", "injectionTemplate"));
    }

    [Fact]
    public void ExternalIstiod_is_the_primary_remote_page_s_values_and_nothing_more()
    {
        using var ps = fixture.NewSession();
        var result = ps.Invoke("New-IstioPrimaryInstallSpec -ClusterName cluster1 -Network network1 -MeshId mesh1 -Verbose");

        result.AssertSucceeded();
        var spec = Assert.Single(result.Output);
        Assert.Equal("MeshCluster.IstioPrimaryInstallSpec", spec.TypeNames[0]);
        Assert.Equal("cluster1", spec.Prop("ClusterName"));
        Assert.Equal("network1", spec.Prop("Network"));
        Assert.Equal("mesh1", spec.Prop("MeshId"));
        Assert.Equal("ExternalIstiod", spec.Prop("Form")!.ToString());
        Assert.Equal(true, spec.Prop("ControlPlane"));
        Assert.Equal(false, spec.Prop("EastWestGateway"));
        Assert.Equal("istio-system", spec.Prop("Namespace"));
        Assert.Null(spec.Prop("Path"));

        var root = Root((string)spec.Prop("Yaml")!);
        AssertKeys(root, Array.Empty<object>(), "apiVersion", "kind", "spec");
        Assert.Equal("install.istio.io/v1alpha1", S(root, "apiVersion"));
        Assert.Equal("IstioOperator", S(root, "kind"));
        AssertKeys(root, new object[] { "spec" }, "values");
        AssertKeys(root, new object[] { "spec", "values" }, "global");
        AssertKeys(root, new object[] { "spec", "values", "global" }, "meshID", "multiCluster", "network", "externalIstiod");
        Assert.Equal("mesh1", S(root, "spec", "values", "global", "meshID"));
        Assert.Equal("cluster1", S(root, "spec", "values", "global", "multiCluster", "clusterName"));
        Assert.Equal("network1", S(root, "spec", "values", "global", "network"));
        Assert.Equal(("true", false), Scalar(root, "spec", "values", "global", "externalIstiod"));
        // Without the gateway the user is told where remotes would reach istiod.
        Assert.Contains(result.Verbose, v => v.Contains("-EastWestGateway", StringComparison.Ordinal));
    }

    [Fact]
    public void ExternalIstiod_with_the_east_west_gateway_holds_gen_eastwest_gateway_sh_s_component()
    {
        using var ps = fixture.NewSession();
        var result = ps.Invoke("New-IstioPrimaryInstallSpec cluster1 -Network network1 -MeshId mesh1 -EastWestGateway");

        result.AssertSucceeded();
        var spec = Assert.Single(result.Output);
        Assert.Equal(true, spec.Prop("EastWestGateway"));
        var root = Root((string)spec.Prop("Yaml")!);
        var specNode = At(root, "spec")!;
        AssertKeys(specNode, Array.Empty<object>(), "components", "values");
        AssertEastWestGateway(specNode, "network1");
        AssertKeys(specNode, new object[] { "values" }, "global", "gateways");
        Assert.Equal(("true", false), Scalar(specNode, "values", "global", "externalIstiod"));
        Assert.Null(At(root, "metadata"));
        Assert.Null(At(specNode, "profile"));
    }

    [Fact]
    public void The_east_west_gateway_alone_is_what_the_script_emits()
    {
        using var ps = fixture.NewSession();
        var result = ps.Invoke("New-IstioPrimaryInstallSpec -EastWestGatewayOnly -Network network2");

        result.AssertSucceeded();
        var spec = Assert.Single(result.Output);
        Assert.Null(spec.Prop("ClusterName"));
        Assert.Null(spec.Prop("MeshId"));
        Assert.Equal(false, spec.Prop("ControlPlane"));
        Assert.Equal(true, spec.Prop("EastWestGateway"));
        var root = Root((string)spec.Prop("Yaml")!);
        AssertKeys(root, Array.Empty<object>(), "apiVersion", "kind", "metadata", "spec");
        Assert.Equal("eastwest", S(root, "metadata", "name"));
        var specNode = At(root, "spec")!;
        AssertKeys(specNode, Array.Empty<object>(), "profile", "components", "values");
        Assert.Equal("empty", S(specNode, "profile"));
        AssertEastWestGateway(specNode, "network2");
        AssertKeys(specNode, new object[] { "values" }, "gateways", "global");
        AssertKeys(specNode, new object[] { "values", "global" }, "network");
        Assert.Equal("network2", S(specNode, "values", "global", "network"));
    }

    [Fact]
    public void MeshExpansion_is_the_1_7_guide_s_initial_configuration_correctly_indented()
    {
        using var ps = fixture.NewSession();
        var result = ps.Invoke("New-IstioPrimaryInstallSpec -ClusterName cluster1 -Network network1 -MeshId mesh1 -Form MeshExpansion");

        result.AssertSucceeded();
        var spec = Assert.Single(result.Output);
        Assert.Equal("MeshExpansion", spec.Prop("Form")!.ToString());
        Assert.Equal(false, spec.Prop("EastWestGateway"));
        var root = Root((string)spec.Prop("Yaml")!);
        var global = At(root, "spec", "values", "global")!;
        AssertKeys(global, Array.Empty<object>(), "meshID", "multiCluster", "network", "meshExpansion", "meshNetworks");
        Assert.Equal(("true", false), Scalar(global, "meshExpansion", "enabled"));
        Assert.Null(At(global, "externalIstiod"));
        // meshNetworks.<network>: endpoints and gateways side by side under the network (the 1.7 page put endpoints one level off).
        AssertKeys(global, new object[] { "meshNetworks" }, "network1");
        AssertKeys(global, new object[] { "meshNetworks", "network1" }, "endpoints", "gateways");
        Assert.Equal("cluster1", S(global, "meshNetworks", "network1", "endpoints", 0, "fromRegistry"));
        Assert.Equal("istio-ingressgateway.istio-system.svc.cluster.local", S(global, "meshNetworks", "network1", "gateways", 0, "registry_service_name"));
        Assert.Equal(("443", false), Scalar(global, "meshNetworks", "network1", "gateways", 0, "port"));
        Assert.Equal("istio-ingressgateway", S(root, "spec", "components", "ingressGateways", 0, "name"));
        Assert.Equal(("true", false), Scalar(root, "spec", "components", "ingressGateways", 0, "enabled"));
        Assert.Null(At(root, "spec", "values", "gateways"));
    }

    [Fact]
    public void Names_that_look_like_numbers_or_booleans_stay_strings_and_values_merge_deeply()
    {
        using var ps = fixture.NewSession();
        var result = ps.Invoke("New-IstioPrimaryInstallSpec -ClusterName c1 -Network 123 -MeshId yes -EastWestGateway " +
                               "-Values @{ global = @{ istioNamespace = 'istio-primary'; proxy = @{ clusterDomain = 'corp.local' } }; pilot = @{ env = @{ EXTERNAL_ISTIOD = 'true' } } }");

        result.AssertSucceeded();
        var spec = Assert.Single(result.Output);
        Assert.Equal("istio-primary", spec.Prop("Namespace"));
        var root = Root((string)spec.Prop("Yaml")!);
        Assert.Equal(("123", true), Scalar(root, "spec", "values", "global", "network"));
        Assert.Equal(("yes", true), Scalar(root, "spec", "values", "global", "meshID"));
        Assert.Equal(("123", true), Scalar(root, "spec", "components", "ingressGateways", 0, "label", "topology.istio.io/network"));
        Assert.Equal("corp.local", S(root, "spec", "values", "global", "proxy", "clusterDomain"));
        Assert.Equal("c1", S(root, "spec", "values", "global", "multiCluster", "clusterName"));
        Assert.Equal(("true", true), Scalar(root, "spec", "values", "pilot", "env", "EXTERNAL_ISTIOD"));
        Assert.Equal("gateway", S(root, "spec", "values", "gateways", "istio-ingressgateway", "injectionTemplate"));
    }

    [Theory]
    [InlineData("New-IstioPrimaryInstallSpec -ClusterName '' -Network n1 -MeshId m1", "InstallSpecValueEmpty", "ClusterName")]
    [InlineData("New-IstioPrimaryInstallSpec -ClusterName c1 -Network n1 -MeshId ' '", "InstallSpecValueEmpty", "MeshId")]
    [InlineData("New-IstioPrimaryInstallSpec -EastWestGatewayOnly -Network ''", "InstallSpecValueEmpty", "Network")]
    [InlineData("New-IstioPrimaryInstallSpec -ClusterName Cluster_1 -Network n1 -MeshId m1", "ClusterNameInvalid", "Cluster_1")]
    [InlineData("New-IstioPrimaryInstallSpec -ClusterName c1 -Network 'net work' -MeshId m1", "InstallSpecNetworkInvalid", "net work")]
    [InlineData("New-IstioPrimaryInstallSpec -EastWestGatewayOnly -Network 'a/b'", "InstallSpecNetworkInvalid", "a/b")]
    [InlineData("New-IstioPrimaryInstallSpec -ClusterName c1 -Network n1 -MeshId m1 -Form MeshExpansion -EastWestGateway", "InstallSpecFormConflict", "EastWestGateway")]
    [InlineData("New-IstioPrimaryInstallSpec -ClusterName c1 -Network n1 -MeshId m1 -Values @{ global = @{ externalIstiod = $false } }", "InstallSpecValueConflict", "values.global.externalIstiod")]
    [InlineData("New-IstioPrimaryInstallSpec -ClusterName c1 -Network n1 -MeshId m1 -Form MeshExpansion -Values @{ global = @{ network = 'n2' } }", "InstallSpecValueConflict", "values.global.network")]
    public void A_bad_input_is_its_error_with_a_target_and_no_output(string script, string id, string target)
    {
        using var ps = fixture.NewSession();
        var result = ps.Invoke(script);

        Assert.Empty(result.Output);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith(id + ",", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(target, error.TargetObject);
        Assert.EndsWith($"[{id}]", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Path_writes_the_file_keeps_an_existing_one_and_WhatIf_writes_nothing()
    {
        var dir = Directory.CreateTempSubdirectory("primary-spec-").FullName;
        try
        {
            using var ps = fixture.NewSession();
            var file = Path.Combine(dir, "sub", "primary.yaml");
            var whatIf = ps.Invoke("New-IstioPrimaryInstallSpec c1 -Network n1 -MeshId m1 -Path $args[0] -WhatIf", file);
            whatIf.AssertSucceeded();
            Assert.Empty(whatIf.Output);
            Assert.False(File.Exists(file));

            var written = ps.Invoke("New-IstioPrimaryInstallSpec c1 -Network n1 -MeshId m1 -EastWestGateway -Path $args[0]", file);
            written.AssertSucceeded();
            var spec = Assert.Single(written.Output);
            Assert.Equal(file, spec.Prop("Path"));
            Assert.Equal(spec.Prop("Yaml"), File.ReadAllText(file));

            var again = ps.Invoke("New-IstioPrimaryInstallSpec c1 -Network n1 -MeshId m1 -Form MeshExpansion -Path $args[0]", file);
            Assert.Empty(again.Output);
            Assert.StartsWith("InstallSpecFileExists,", Assert.Single(again.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(spec.Prop("Yaml"), File.ReadAllText(file));

            var forced = ps.Invoke("New-IstioPrimaryInstallSpec c1 -Network n1 -MeshId m1 -Form MeshExpansion -Path $args[0] -Force", file);
            forced.AssertSucceeded();
            Assert.Contains("meshExpansion", File.ReadAllText(file), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Piped_objects_bind_by_property_name_and_one_bad_input_does_not_stop_the_others()
    {
        using var ps = fixture.NewSession();
        var result = ps.Invoke("@([pscustomobject]@{ ClusterName = 'c1'; Network = 'n1'; MeshId = 'm1' }, [pscustomobject]@{ ClusterName = 'C_2'; Network = 'n1'; MeshId = 'm1' }, " +
                               "[pscustomobject]@{ ClusterName = 'c3'; Network = 'n3'; MeshId = 'm1' }) | New-IstioPrimaryInstallSpec -EastWestGateway");

        Assert.Equal(new[] { "c1", "c3" }, result.Output.Select(o => (string)o.Prop("ClusterName")!));
        Assert.StartsWith("ClusterNameInvalid,", Assert.Single(result.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
    }
}
