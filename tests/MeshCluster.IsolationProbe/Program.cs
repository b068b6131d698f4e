using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.Loader;
using System.Text.Json;

// usage: MeshCluster.IsolationProbe <module manifest> <yaml-first|module-first> <broken kubeconfig>
// Prints one JSON object: which YamlDotNet each load context holds and what the cmdlets did.
var manifest = args[0];
var order = args[1];
var brokenKubeConfig = args[2];
var report = new Dictionary<string, object?>();

string UseYamlDotNet11()
{
    // What powershell-yaml's ConvertFrom-Yaml does: YamlDotNet 11's deserializer.
    var value = new YamlDotNet.Serialization.Deserializer().Deserialize<Dictionary<string, string>>("network: '123'\n");
    return typeof(YamlDotNet.Serialization.Deserializer).Assembly.GetName().Version + ":" + value["network"];
}

if (order == "yaml-first") report["yaml11"] = UseYamlDotNet11();

using (var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2()))
{
    runspace.Open();
    using var ps = PowerShell.Create();
    ps.Runspace = runspace;
    ps.AddScript("""
        param($manifest, $broken)
        Import-Module $manifest -ErrorAction Stop
        # YAML out (YamlDotNet's serializer) and YAML in (kubeconfig parsing): both need YamlDotNet 18.
        (New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress 10.0.0.1).Yaml
        try { Get-IstioDiscoveryAddress -KubeConfig $broken -ErrorAction Stop } catch { $_.FullyQualifiedErrorId + ' | ' + $_.Exception.Message }
        """).AddArgument(manifest).AddArgument(brokenKubeConfig);
    try
    {
        report["output"] = ps.Invoke().Select(o => o?.ToString()).ToArray();
    }
    catch (RuntimeException ex)
    {
        report["terminating"] = ex.ErrorRecord.FullyQualifiedErrorId + " | " + ex.Message;
    }

    report["errors"] = ps.Streams.Error.Select(e => e.FullyQualifiedErrorId + " | " + e).ToArray();
}

if (order == "module-first") report["yaml11"] = UseYamlDotNet11();

report["contexts"] = AssemblyLoadContext.All.ToDictionary(
    c => c.Name ?? "(unnamed)",
    c => c.Assemblies.Select(a => a.GetName()).Where(n => n.Name is "YamlDotNet" or "KubernetesClient" or "MeshCluster.Engine" or "MeshCluster")
        .Select(n => $"{n.Name} {n.Version}").OrderBy(s => s).ToArray());
Console.WriteLine(JsonSerializer.Serialize(report));
