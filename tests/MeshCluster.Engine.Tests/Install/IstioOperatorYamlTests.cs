using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Install;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace MeshCluster.Engine.Tests.Install;

public class IstioOperatorYamlTests
{
    private static string Build(InstallSpecParameters p) => InstallSpecBuilder.Build(p).Yaml;

    [Fact]
    public void Default_form_is_the_guides_custom_resource()
    {
        var yaml = Build(new InstallSpecParameters("cluster2", "network1", "mesh1", "192.0.2.10"));
        Assert.Equal(
            "apiVersion: install.istio.io/v1alpha1\n" +
            "kind: IstioOperator\n" +
            "spec:\n" +
            "  values:\n" +
            "    global:\n" +
            "      meshID: mesh1\n" +
            "      multiCluster:\n" +
            "        clusterName: cluster2\n" +
            "      network: network1\n" +
            "      remotePilotAddress: \"192.0.2.10\"\n", yaml);
    }

    [Fact]
    public void Remote_profile_is_the_primary_remote_form()
    {
        var yaml = Build(new InstallSpecParameters("cluster2", "network1", "mesh1", "istiod.example.com", InstallProfile.Remote));
        Assert.Equal(
            "apiVersion: install.istio.io/v1alpha1\n" +
            "kind: IstioOperator\n" +
            "spec:\n" +
            "  profile: remote\n" +
            "  values:\n" +
            "    istiodRemote:\n" +
            "      injectionPath: /inject/cluster/cluster2/net/network1\n" +
            "    global:\n" +
            "      remotePilotAddress: istiod.example.com\n" +
            "      meshID: mesh1\n" +
            "      multiCluster:\n" +
            "        clusterName: cluster2\n" +
            "      network: network1\n", yaml);
    }

    // Each of these would turn into a number, a boolean or null if written plain.
    [Theory]
    [InlineData("123")]
    [InlineData("yes")]
    [InlineData("Yes")]
    [InlineData("no")]
    [InlineData("on")]
    [InlineData("OFF")]
    [InlineData("y")]
    [InlineData("null")]
    [InlineData("Null")]
    [InlineData("true")]
    [InlineData("FALSE")]
    [InlineData("1e3")]
    [InlineData("~")]
    [InlineData("0x1F")]
    [InlineData("0o17")]
    [InlineData("017")]
    [InlineData("1_000")]
    [InlineData("1:20")]
    [InlineData(".inf")]
    [InlineData("-.Inf")]
    [InlineData(".nan")]
    [InlineData("2001-12-14")]
    [InlineData("3.14")]
    [InlineData("+1")]
    [InlineData("a: b")]
    [InlineData("#x")]
    [InlineData("- x")]
    [InlineData("'q'")]
    [InlineData("\"dq\"")]
    [InlineData("tab\there")]
    [InlineData("line\nbreak")]
    [InlineData("&anchor")]
    [InlineData("*alias")]
    [InlineData("!tag")]
    [InlineData("@at")]
    [InlineData("%pct")]
    [InlineData("{x}")]
    [InlineData("[x]")]
    [InlineData("x ")]
    public void Strings_that_look_like_other_types_stay_strings(string network)
    {
        var yaml = Build(new InstallSpecParameters("cluster2", network, network, "192.0.2.10"));

        var global = Global(yaml);
        var scalar = (YamlScalarNode)global.Children[new YamlScalarNode("network")];
        Assert.Equal(network, scalar.Value);
        Assert.NotEqual(ScalarStyle.Plain, scalar.Style);

        // A reader that types unquoted scalars (as istioctl's YAML 1.1 reader does) still sees a string.
        var typed = TypedGlobal(yaml);
        Assert.Equal(network, Assert.IsType<string>(typed["network"]));
        Assert.Equal(network, Assert.IsType<string>(typed["meshID"]));
    }

    [Theory]
    [InlineData("network1")]
    [InlineData("mesh-1")]
    [InlineData("Net.work_1/a")]
    public void Plain_strings_stay_plain(string network)
    {
        var yaml = Build(new InstallSpecParameters("cluster2", network, "mesh1", "192.0.2.10"));
        Assert.Contains($"      network: {network}\n", yaml);
        Assert.Equal(network, Assert.IsType<string>(TypedGlobal(yaml)["network"]));
    }

    [Fact]
    public void Quoted_network_text_is_exact()
    {
        var yaml = Build(new InstallSpecParameters("cluster2", "123", "yes", "192.0.2.10"));
        Assert.Contains("      meshID: \"yes\"\n", yaml);
        Assert.Contains("      network: \"123\"\n", yaml);
    }

    [Fact]
    public void Values_deep_merge()
    {
        var values = new Dictionary<string, object?>
        {
            ["global"] = new Dictionary<string, object?>
            {
                ["istioNamespace"] = "istio-ns",
                ["proxy"] = new Dictionary<string, object?> { ["privileged"] = true, ["concurrency"] = 2 },
                ["hub"] = "123",
            },
            ["pilot"] = new Dictionary<string, object?> { ["enabled"] = false, ["ratio"] = 0.5, ["tag"] = "null", ["args"] = new List<object?> { "a", "yes", 3 } },
        };
        var result = InstallSpecBuilder.Build(new InstallSpecParameters("cluster2", "network1", "mesh1", "192.0.2.10", Values: values));
        Assert.Equal("istio-ns", result.Namespace);
        Assert.Equal(
            "apiVersion: install.istio.io/v1alpha1\n" +
            "kind: IstioOperator\n" +
            "spec:\n" +
            "  values:\n" +
            "    global:\n" +
            "      meshID: mesh1\n" +
            "      multiCluster:\n" +
            "        clusterName: cluster2\n" +
            "      network: network1\n" +
            "      remotePilotAddress: \"192.0.2.10\"\n" +
            "      istioNamespace: istio-ns\n" +
            "      proxy:\n" +
            "        privileged: true\n" +
            "        concurrency: 2\n" +
            "      hub: \"123\"\n" +
            "    pilot:\n" +
            "      enabled: false\n" +
            "      ratio: 0.5\n" +
            "      tag: \"null\"\n" +
            "      args:\n" +
            "      - a\n" +
            "      - \"yes\"\n" +
            "      - 3\n", result.Yaml);

        var typed = TypedGlobal(result.Yaml);
        Assert.Equal("123", Assert.IsType<string>(typed["hub"]));
        var proxy = (IDictionary<object, object?>)typed["proxy"]!;
        Assert.Equal(true, proxy["privileged"]);
        Assert.Equal(2, Convert.ToInt32(proxy["concurrency"]));
    }

    [Fact]
    public void Values_override_scalars_and_merge_nested_maps()
    {
        var values = new Dictionary<string, object?>
        {
            ["global"] = new Dictionary<string, object?> { ["multiCluster"] = new Dictionary<string, object?> { ["enabled"] = true } },
        };
        var yaml = Build(new InstallSpecParameters("cluster2", "network1", "mesh1", "192.0.2.10", Values: values));
        Assert.Contains("      multiCluster:\n        clusterName: cluster2\n        enabled: true\n", yaml);
    }

    [Theory]
    [InlineData("clusterName")]
    [InlineData("network")]
    [InlineData("global")]
    public void Values_may_not_contradict_the_named_parameters(string what)
    {
        object global = what switch
        {
            "clusterName" => new Dictionary<string, object?> { ["multiCluster"] = new Dictionary<string, object?> { ["clusterName"] = "other" } },
            "network" => new Dictionary<string, object?> { ["network"] = "other" },
            _ => "replaced",
        };
        var ex = Assert.Throws<MeshClusterException>(() =>
            Build(new InstallSpecParameters("cluster2", "network1", "mesh1", "192.0.2.10", Values: new Dictionary<string, object?> { ["global"] = global })));
        Assert.Equal(ErrorIds.InstallSpecValueConflict, ex.ErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, ex.Category);
    }

    [Fact]
    public void Values_repeating_the_same_value_are_fine()
    {
        var values = new Dictionary<string, object?> { ["global"] = new Dictionary<string, object?> { ["network"] = "network1" } };
        Assert.Contains("network: network1", Build(new InstallSpecParameters("cluster2", "network1", "mesh1", "192.0.2.10", Values: values)));
    }

    [Fact]
    public void Reader_finds_cluster_and_namespace()
    {
        var yaml = Build(new InstallSpecParameters("cluster2", "network1", "mesh1", "192.0.2.10", InstallProfile.Remote,
            new Dictionary<string, object?> { ["global"] = new Dictionary<string, object?> { ["istioNamespace"] = "ns-x" } }));
        var summary = IstioOperatorReader.Read(yaml, "test");
        Assert.Equal("cluster2", summary.ClusterName);
        Assert.Equal("ns-x", summary.Namespace);
        Assert.Equal("remote", summary.Profile);
        Assert.Equal("istio-system", IstioOperatorReader.Read(Build(new InstallSpecParameters("c", "n", "m", "192.0.2.1")), "t").Namespace);
    }

    [Fact]
    public void Reader_gives_the_form_network_and_address_the_wait_needs()
    {
        var remote = IstioOperatorReader.Read(Build(new InstallSpecParameters("cluster2", "network1", "mesh1", "192.0.2.10", InstallProfile.Remote)), "test");
        Assert.Equal((ControlPlaneForm.Remote, "network1", "192.0.2.10"), (remote.Form, remote.Network, remote.RemotePilotAddress));
        var guide = IstioOperatorReader.Read(Build(new InstallSpecParameters("cluster2", "network2", "mesh1", "eastwest.example.com")), "test");
        Assert.Equal((ControlPlaneForm.Istiod, "network2", "eastwest.example.com"), (guide.Form, guide.Network, guide.RemotePilotAddress));
    }

    [Theory]
    [InlineData("kind: Deployment\napiVersion: apps/v1\n")]
    [InlineData("just text")]
    [InlineData("a: [unclosed\n")]
    [InlineData("")]
    public void The_reader_rejects_what_is_not_an_IstioOperator(string yaml)
    {
        var ex = Assert.Throws<MeshClusterException>(() => IstioOperatorReader.Read(yaml, "/x/spec.yaml"));
        Assert.Equal(ErrorIds.InstallSpecInvalid, ex.ErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidData, ex.Category);
        Assert.Equal("/x/spec.yaml", ex.Target);
    }

    private static YamlMappingNode Global(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var spec = (YamlMappingNode)root.Children[new YamlScalarNode("spec")];
        var values = (YamlMappingNode)spec.Children[new YamlScalarNode("values")];
        return (YamlMappingNode)values.Children[new YamlScalarNode("global")];
    }

    private static IDictionary<object, object?> TypedGlobal(string yaml)
    {
        // Resolves unquoted scalars to bool/int/double/null like a YAML 1.1 reader; quoted ones stay strings.
        var deserializer = new DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build();
        var root = deserializer.Deserialize<Dictionary<object, object?>>(yaml);
        var spec = (IDictionary<object, object?>)root["spec"]!;
        var values = (IDictionary<object, object?>)spec["values"]!;
        return (IDictionary<object, object?>)values["global"]!;
    }
}
