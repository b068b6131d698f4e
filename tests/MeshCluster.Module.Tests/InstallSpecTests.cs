using System.Management.Automation;
using YamlDotNet.RepresentationModel;

namespace MeshCluster.Module.Tests;

/// <summary>New-IstioRemoteInstallSpec through the real PowerShell engine (no cluster needed).</summary>
public sealed class InstallSpecTests : TempFolderTest
{
    private const string Cmdlet = "MeshCluster.Commands.NewIstioRemoteInstallSpecCommand";
    private readonly PowerShellSession _ps = PowerShellSession.Start();

    public InstallSpecTests()
        : base("install-spec-")
    {
        // Relative -Path resolves against PowerShell's location, which is not the process's working folder.
        var set = _ps.Invoke("$ExecutionContext.SessionState.Path.SetLocation($args[0]) | ForEach-Object { }", TempDir);
        set.AssertSucceeded();
    }

    public override void Dispose()
    {
        _ps.Dispose();
        base.Dispose();
    }

    private const string GuideYaml =
        "apiVersion: install.istio.io/v1alpha1\n" +
        "kind: IstioOperator\n" +
        "spec:\n" +
        "  values:\n" +
        "    global:\n" +
        "      meshID: mesh1\n" +
        "      multiCluster:\n" +
        "        clusterName: cluster2\n" +
        "      network: network1\n" +
        "      remotePilotAddress: \"1.2.3.4\"\n";

    [Fact]
    public void Address_binds_from_the_pipeline_and_the_yaml_is_the_guides()
    {
        var result = _ps.Invoke("[pscustomobject]@{ Address = '1.2.3.4'; Context = 'cluster1' } | New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1");

        result.AssertSucceeded();
        var spec = Assert.Single(result.Output);
        Assert.Equal("MeshCluster.IstioRemoteInstallSpec", spec.TypeNames[0]);
        Assert.Equal("cluster2", spec.Prop("ClusterName"));
        Assert.Equal("network1", spec.Prop("Network"));
        Assert.Equal("mesh1", spec.Prop("MeshId"));
        Assert.Equal("1.2.3.4", spec.Prop("RemotePilotAddress"));
        Assert.Equal("Default", spec.Prop("Profile"));
        Assert.Equal("istio-system", spec.Prop("Namespace"));
        Assert.Null(spec.Prop("Path"));
        Assert.Equal(GuideYaml, spec.Prop("Yaml"));
        Assert.Empty(Directory.GetFileSystemEntries(TempDir));
    }

    [Fact]
    public void Several_addresses_give_several_specs()
    {
        var result = _ps.Invoke("'192.0.2.1', 'istiod.example.com' | ForEach-Object { [pscustomobject]@{ Address = $_ } } | New-IstioRemoteInstallSpec c2 -Network n -MeshId m");
        Assert.Equal(new object?[] { "192.0.2.1", "istiod.example.com" }, result.Output.Select(o => o.Prop("RemotePilotAddress")));
    }

    [Fact]
    public void Path_is_relative_to_the_PowerShell_location_and_creates_folders()
    {
        var result = _ps.Invoke("New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress 1.2.3.4 -Path work/cluster2/install.yaml -Verbose");

        result.AssertSucceeded();
        var file = Path.Combine(TempDir, "work", "cluster2", "install.yaml");
        Assert.Equal(file, Assert.Single(result.Output).Prop("Path"));
        Assert.Equal(GuideYaml, File.ReadAllText(file));
        Assert.Contains(result.Verbose, v => v.Contains(file, StringComparison.Ordinal));
    }

    [Fact]
    public void An_existing_file_is_kept_without_Force_and_replaced_with_it()
    {
        var file = Path.Combine(TempDir, "install.yaml");
        File.WriteAllText(file, "mine");

        var kept = _ps.Invoke("New-IstioRemoteInstallSpec c2 -Network n -MeshId m -RemotePilotAddress 1.2.3.4 -Path install.yaml");
        var error = Assert.Single(kept.Errors);
        Assert.StartsWith("InstallSpecFileExists," + Cmdlet, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Assert.Equal(file, error.TargetObject);
        Assert.Empty(kept.Output);
        Assert.Equal("mine", File.ReadAllText(file));
        Assert.Single(Directory.GetFileSystemEntries(TempDir));

        var forced = _ps.Invoke("New-IstioRemoteInstallSpec c2 -Network n -MeshId m -RemotePilotAddress 1.2.3.4 -Path install.yaml -Force");
        Assert.Empty(forced.Errors);
        Assert.Contains("clusterName: c2", File.ReadAllText(file));
    }

    [Fact]
    public void WhatIf_writes_nothing()
    {
        var result = _ps.Invoke("New-IstioRemoteInstallSpec c2 -Network n -MeshId m -RemotePilotAddress 1.2.3.4 -Path sub/install.yaml -WhatIf");
        Assert.Empty(result.Errors);
        Assert.Null(result.Terminating);
        Assert.Empty(result.Output);
        Assert.Empty(Directory.GetFileSystemEntries(TempDir));
    }

    public static TheoryData<string, string, string, string> BadValues => new()
    {
        { "-ClusterName '' -Network n -MeshId m -RemotePilotAddress 1.2.3.4", "InstallSpecValueEmpty", "ClusterName", "" },
        { "-ClusterName c -Network '' -MeshId m -RemotePilotAddress 1.2.3.4", "InstallSpecValueEmpty", "Network", "" },
        { "-ClusterName c -Network n -MeshId ' ' -RemotePilotAddress 1.2.3.4", "InstallSpecValueEmpty", "MeshId", "" },
        { "-ClusterName c -Network n -MeshId m -RemotePilotAddress ''", "InstallSpecValueEmpty", "RemotePilotAddress", "" },
        { "-ClusterName Cluster_2 -Network n -MeshId m -RemotePilotAddress 1.2.3.4", "ClusterNameInvalid", "Cluster_2", "DNS-1123" },
        { "-ClusterName c -Network n -MeshId m -RemotePilotAddress 'http://x'", "RemotePilotAddressInvalid", "http://x", "neither an IP address nor a DNS name" },
        { "-ClusterName c -Network n -MeshId m -RemotePilotAddress 1.2.3", "RemotePilotAddressInvalid", "1.2.3", "neither" },
        { "-ClusterName c -Network n -MeshId m -RemotePilotAddress 1.2.3.4 -Values @{ global = @{ network = 'other' } }", "InstallSpecValueConflict", "values.global.network", "-Values" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Bad_values_are_InvalidArgument_and_nothing_is_written(string arguments, string id, string target, string text)
    {
        var result = _ps.Invoke($"New-IstioRemoteInstallSpec {arguments} -Path spec.yaml");

        var error = Assert.Single(result.Errors);
        Assert.StartsWith(id + "," + Cmdlet, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(target, error.TargetObject);
        Assert.Contains(text, error.Exception.Message);
        Assert.Empty(result.Output);
        Assert.Empty(Directory.GetFileSystemEntries(TempDir));
    }

    [Fact]
    public void Profile_accepts_only_the_InstallProfile_names()
    {
        var result = _ps.Invoke("New-IstioRemoteInstallSpec c -Network n -MeshId m -RemotePilotAddress 1.2.3.4 -Profile minimal");
        Assert.NotNull(result.FirstError);
        // -Profile is the InstallProfile enum: binding refuses other names and lists the valid ones.
        Assert.StartsWith("CannotConvertArgumentNoMessage,", result.FirstError!.FullyQualifiedErrorId);
        Assert.Contains("Default, Remote", result.FirstError.ToString());
        Assert.Empty(result.Output);
    }

    [Fact]
    public void Profile_remote_writes_the_primary_remote_form()
    {
        var result = _ps.Invoke("New-IstioRemoteInstallSpec cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress istiod.example.com -Profile remote");

        var yaml = (string)Assert.Single(result.Output).Prop("Yaml")!;
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
        Assert.Equal("Remote", result.Output[0].Prop("Profile"));
    }

    [Fact]
    public void Strings_from_PowerShell_stay_strings_and_Values_keep_their_types()
    {
        var result = _ps.Invoke("""
            New-IstioRemoteInstallSpec c2 -Network 123 -MeshId yes -RemotePilotAddress 1.2.3.4 -Values @{
                global = @{ istioNamespace = 'null'; proxy = @{ privileged = $true; concurrency = 2; ratio = 0.5 } }
                pilot = @{ env = @{ FLAG = 'true' }; args = @('a', '0x1F') }
            }
            """);

        result.AssertSucceeded();
        var spec = Assert.Single(result.Output);
        var yaml = (string)spec.Prop("Yaml")!;
        Assert.Equal("null", spec.Prop("Namespace"));
        Assert.Contains("      network: \"123\"\n", yaml);
        Assert.Contains("      meshID: \"yes\"\n", yaml);

        var values = Values(yaml);
        var global = (YamlMappingNode)values["global"];
        Assert.Equal(("123", true), Scalar(global["network"]));
        Assert.Equal(("yes", true), Scalar(global["meshID"]));
        Assert.Equal(("null", true), Scalar(global["istioNamespace"]));
        Assert.Equal(("c2", false), Scalar(((YamlMappingNode)global["multiCluster"])["clusterName"]));
        var proxy = (YamlMappingNode)global["proxy"];
        Assert.Equal(("true", false), Scalar(proxy["privileged"]));
        Assert.Equal(("2", false), Scalar(proxy["concurrency"]));
        Assert.Equal(("0.5", false), Scalar(proxy["ratio"]));
        var pilot = (YamlMappingNode)values["pilot"];
        Assert.Equal(("true", true), Scalar(((YamlMappingNode)pilot["env"])["FLAG"]));
        var args = (YamlSequenceNode)pilot["args"];
        Assert.Equal(new[] { ("a", false), ("0x1F", true) }, args.Children.Select(Scalar));
    }

    [Fact]
    public void Help_documents_every_parameter_and_has_examples()
    {
        var result = _ps.Invoke("Get-Help New-IstioRemoteInstallSpec -Full");
        var help = Assert.Single(result.Output);
        Assert.False(string.IsNullOrWhiteSpace(help.Properties["Synopsis"].Value?.ToString()));
        var text = _ps.Invoke("(Get-Help New-IstioRemoteInstallSpec -Full).parameters.parameter | ForEach-Object { $_.name + '=' + ($_.description | ForEach-Object { $_.Text }) }");
        foreach (var name in new[] { "ClusterName", "Network", "MeshId", "RemotePilotAddress", "Path", "Force", "Profile", "Values" })
        {
            Assert.Contains(text.Output, o => o.ToString().StartsWith(name + "=", StringComparison.Ordinal) && o.ToString().Length > name.Length + 10);
        }

        var examples = _ps.Invoke("(Get-Help New-IstioRemoteInstallSpec -Examples).examples.example | ForEach-Object { $_.code }");
        Assert.True(examples.Output.Count >= 1);
    }

    private static (string Value, bool Quoted) Scalar(YamlNode node)
    {
        var s = (YamlScalarNode)node;
        return (s.Value!, s.Style is YamlDotNet.Core.ScalarStyle.DoubleQuoted or YamlDotNet.Core.ScalarStyle.SingleQuoted);
    }

    private static YamlMappingNode Values(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        return (YamlMappingNode)((YamlMappingNode)root["spec"])["values"];
    }
}
