using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>The module folder as a user imports it: manifest, exports, help, views, isolation.</summary>
public sealed class ModuleTests
{
    private static readonly string[] Cmdlets =
    {
        "Get-IstioDiscoveryAddress", "New-IstioRemoteInstallSpec", "Install-IstioRemote", "Wait-IstioControlPlane", "Publish-IstioRemoteSecret",
        "Get-IstioRemoteSecret", "Test-IstioRemoteCluster", "Remove-IstioRemoteSecret",
        "New-IstioCertificateAuthority", "Get-IstioCertificateAuthority", "New-IstioClusterCertificate", "Publish-IstioClusterCertificate", "Test-IstioMeshTrust",
        "New-IstioPrimaryInstallSpec", "Install-IstioPrimary", "Publish-IstioControlPlane",
        "Update-IstioMeshTrust",
    };

    [Fact]
    public void Manifest_is_the_source_of_truth_and_valid()
    {
        using var ps = PowerShellSession.Start(importModule: false);
        var check = ps.Invoke("Test-ModuleManifest $args[0] -ErrorAction Stop | ForEach-Object { $_.Version.ToString() }", RepositoryLayout.ModuleManifest);
        check.AssertSucceeded();
        // The version lives in Directory.Build.props; the build stamps it into the manifest.
        var prefix = XDocument.Load(Path.Combine(RepositoryLayout.Root, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value.Trim();
        Assert.Equal(prefix, Assert.Single(check.Output).ToString());

        // Apart from the stamped values (version, prerelease label, release notes) it is the source manifest, line for line.
        var text = File.ReadAllText(RepositoryLayout.ModuleManifest);
        static string Unstamped(string manifest) =>
            Regex.Replace(manifest, @"(?m)^(\s*(?:ModuleVersion|Prerelease|ReleaseNotes)\s*=\s*)'(?:[^']|'')*'", "$1'<stamped>'");
        Assert.Equal(Unstamped(File.ReadAllText(Path.Combine(RepositoryLayout.Root, "MeshCluster.psd1"))), Unstamped(text));

        // Import-PowerShellDataFile lives in Microsoft.PowerShell.Utility, absent here: evaluate it as restricted-language data.
        var data = ps.Invoke("[scriptblock]::Create([IO.File]::ReadAllText($args[0])).CheckRestrictedLanguage($null, $null, $false); & ([scriptblock]::Create([IO.File]::ReadAllText($args[0])))", RepositoryLayout.ModuleManifest);
        Assert.Null(data.Terminating);
        var manifest = (System.Collections.Hashtable)Assert.Single(data.Output).BaseObject;
        Assert.Equal(Cmdlets, ((object[])manifest["CmdletsToExport"]!).Cast<string>());
        Assert.Equal("Core", Assert.Single(((object[])manifest["CompatiblePSEditions"]!).Cast<string>()));
        Assert.Equal("7.4", manifest["PowerShellVersion"]);
        Assert.DoesNotContain("*", string.Join(",", ((object[])manifest["CmdletsToExport"]!).Cast<string>()));
        foreach (var format in ((object[])manifest["FormatsToProcess"]!).Cast<string>())
        {
            Assert.True(File.Exists(Path.Combine(RepositoryLayout.ModuleFolder, format)), format);
        }
    }

    [Fact]
    public void Imports_and_exports_exactly_the_listed_cmdlets()
    {
        using var ps = PowerShellSession.Start();
        var result = ps.Invoke("Get-Command -Module MeshCluster | ForEach-Object { $_.Name + '|' + $_.Verb + '|' + $_.ImplementingType.FullName + '|' + ($_.OutputType.Name -join ',') }");
        Assert.Empty(result.Errors);
        var rows = result.Output.Select(o => o.ToString()!.Split('|')).ToDictionary(r => r[0]);
        Assert.Equal(Cmdlets.OrderBy(c => c), rows.Keys.OrderBy(c => c));

        var approved = ps.Invoke("'Common','Data','Lifecycle','Diagnostic','Communications','Security','Other' | ForEach-Object { [type]('System.Management.Automation.Verbs' + $_) } | ForEach-Object { $_.GetFields() } | ForEach-Object { $_.GetValue($null) }").Output.Select(o => o.ToString()).ToHashSet();
        foreach (var (name, row) in rows)
        {
            Assert.Contains(row[1], approved);
            Assert.Equal("MeshCluster.Commands." + name.Replace("-", string.Empty) + "Command", row[2]);
            Assert.Contains(row[3].Split(','), t => t.StartsWith("MeshCluster.", StringComparison.Ordinal)); // -Quiet may add System.Boolean
        }
    }

    [Fact]
    public void Every_cmdlet_has_help_with_synopsis_description_parameters_and_an_example()
    {
        using var ps = PowerShellSession.Start();
        foreach (var name in Cmdlets)
        {
            var help = ps.Invoke("""
                $h = Get-Help $args[0] -Full
                $params = (Get-Command $args[0]).Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.PSCmdlet]::CommonParameters -and $_ -notin [System.Management.Automation.PSCmdlet]::OptionalCommonParameters }
                $documented = @($h.parameters.parameter | ForEach-Object { $_.name })
                [pscustomobject]@{
                    Synopsis = "$($h.Synopsis)".Trim()
                    Description = (@($h.description) | ForEach-Object Text) -join ' '
                    Examples = @($h.examples.example).Count
                    ExampleCode = (@($h.examples.example) | ForEach-Object code) -join ' '
                    Undocumented = @($params | Where-Object { $_ -notin $documented }) -join ','
                    Undescribed = @($h.parameters.parameter | Where-Object { -not (@($_.description) | ForEach-Object Text) } | ForEach-Object name) -join ','
                }
                """, name);
            Assert.Null(help.Terminating);
            var h = Assert.Single(help.Output);
            var synopsis = (string)h.Properties["Synopsis"].Value;
            Assert.False(string.IsNullOrWhiteSpace(synopsis), name);
            Assert.DoesNotContain(name + " ", synopsis); // the auto-generated synopsis is the syntax line
            Assert.False(string.IsNullOrWhiteSpace((string)h.Properties["Description"].Value), name);
            Assert.True((int)h.Properties["Examples"].Value >= 1, name);
            Assert.Contains(name, (string)h.Properties["ExampleCode"].Value);
            Assert.Equal(string.Empty, (string)h.Properties["Undocumented"].Value);
            Assert.Equal(string.Empty, (string)h.Properties["Undescribed"].Value);
        }
    }

    [Fact]
    public void Every_output_type_has_a_table_view()
    {
        using var ps = PowerShellSession.Start();
        var types = ps.Invoke("Get-Command -Module MeshCluster | ForEach-Object { $_.OutputType.Type.FullName } | Where-Object { $_ -like 'MeshCluster.*' }").Output.Select(o => o.ToString()!).Distinct().ToList();
        // Day two's 3, the trust step's 4 and the rotation's 1 beside the guide's 5 (booleans of -Quiet need no view of ours),
        // and the primary's 3.
        Assert.Equal(16, types.Count);

        // Get-FormatData is a Utility cmdlet (absent here): read the views the manifest loads.
        var views = Directory.GetFiles(Path.Combine(RepositoryLayout.ModuleFolder, "Formats"), "*.format.ps1xml")
            .SelectMany(f => System.Xml.Linq.XDocument.Load(f).Descendants("View"))
            .Where(v => v.Element("TableControl") is not null)
            .SelectMany(v => v.Descendants("TypeName").Select(t => t.Value.Trim()))
            .ToHashSet();
        foreach (var type in types)
        {
            Assert.Contains(type, views);
        }
    }

    [Fact]
    public void Engine_and_its_dependencies_load_into_the_private_context_only()
    {
        using var ps = PowerShellSession.Start();
        // Cmdlets that use the engine, KubernetesClient and YamlDotNet.
        ps.Invoke("Get-IstioDiscoveryAddress -KubeConfig ([IO.Path]::Combine([IO.Path]::GetTempPath(), 'none-' + [guid]::NewGuid()))");
        ps.Invoke("New-IstioRemoteInstallSpec -ClusterName c2 -Network n1 -MeshId m1 -RemotePilotAddress 10.0.0.1");
        var result = ps.Invoke("""
            $folder = $args[0]
            [System.Runtime.Loader.AssemblyLoadContext]::All | ForEach-Object {
                $alc = $_
                $alc.Assemblies | Where-Object { $_.GetName().Name -in 'MeshCluster', 'MeshCluster.Engine', 'YamlDotNet', 'KubernetesClient' -and $_.Location.StartsWith($folder) } |
                    ForEach-Object { $_.GetName().Name + '|' + $alc.Name }
            }
            """, RepositoryLayout.ModuleFolder);
        var loaded = result.Output.Select(o => o.ToString()!).ToList();
        Assert.Contains("MeshCluster|Default", loaded);
        Assert.Contains("MeshCluster.Engine|MeshCluster", loaded);
        Assert.Contains("KubernetesClient|MeshCluster", loaded);
        Assert.Contains("YamlDotNet|MeshCluster", loaded);
        Assert.DoesNotContain(loaded, l => l.EndsWith("|Default") && !l.StartsWith("MeshCluster|"));
    }

    [Theory]
    [InlineData("yaml-first")]
    [InlineData("module-first")]
    public void Works_beside_YamlDotNet_11_in_the_default_context(string order)
    {
        // A child process whose own dependencies hold YamlDotNet 11 (as a session with powershell-yaml):
        // here 11 really is loaded into the default context, which this test process could not show.
        using var report = RunProbe(RepositoryLayout.ModuleManifest, order);
        var root = report.RootElement;
        // YamlDotNet 11 (assembly version 11.0.0.0) did its work in the default context...
        Assert.Equal("11.0.0.0:123", root.GetProperty("yaml11").GetString());
        var contexts = root.GetProperty("contexts");
        Assert.Contains("YamlDotNet 11.0.0.0", contexts.GetProperty("Default").EnumerateArray().Select(e => e.GetString()));
        // ...and MeshCluster's 18 in its own.
        var ours = contexts.GetProperty("MeshCluster").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains(ours, s => s!.StartsWith("YamlDotNet 18."));
        Assert.Contains(ours, s => s!.StartsWith("KubernetesClient "));
        Assert.False(root.TryGetProperty("terminating", out _), root.ToString());
        var output = root.GetProperty("output").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains(output, o => o!.Contains("kind: IstioOperator") && o.Contains("remotePilotAddress:") && o.Contains("10.0.0.1"));
        Assert.True(output.Any(o => o!.StartsWith("KubeConfigInvalid,") && o.Contains("line 7")), string.Join(" // ", output));
    }

    /// <summary>Runs the isolation probe (a separate PowerShell host) on a module manifest and returns its JSON report.</summary>
    private static JsonDocument RunProbe(string manifest, string order)
    {
        var probe = RepositoryLayout.Program("MeshCluster.IsolationProbe", "MeshCluster.IsolationProbe.dll");
        Assert.True(File.Exists(probe), probe);
        var broken = Path.Combine(Path.GetTempPath(), $"meshcluster-broken-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(broken, "apiVersion: v1\nkind: Config\nclusters:\n- name: a\n  cluster:\n    server: https://a.invalid\n   bad: indent\n");
        try
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { probe, manifest, order, broken }) psi.ArgumentList.Add(a);
            using var process = Process.Start(psi)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(120_000));
            Assert.True(process.ExitCode == 0, stderr.Result + stdout);
            return JsonDocument.Parse(stdout.Trim().Split('\n').Last());
        }
        finally
        {
            File.Delete(broken);
        }
    }

    [Fact]
    public void Build_script_runs_in_a_bare_engine_and_lays_out_an_importable_module()
    {
        // -Task Package needs PSResourceGet, which a bare engine lacks: the Pester suite tests it in a real pwsh.
        var target = Path.Combine(Path.GetTempPath(), $"meshcluster-build-{Guid.NewGuid():N}", "MeshCluster");
        try
        {
            using var ps = PowerShellSession.Start(importModule: false);
            var build = ps.Invoke("& $args[0] -Task Build -Configuration $args[1] -OutputPath $args[2]",
                Path.Combine(RepositoryLayout.Root, "build.ps1"), RepositoryLayout.Configuration, target);
            build.AssertSucceeded();
            Assert.True(File.Exists(Path.Combine(target, "Dependencies", "MeshCluster.Engine.dll")));
            Assert.True(File.Exists(Path.Combine(target, "en-US", "MeshCluster.dll-Help.xml")));
            Assert.True(File.Exists(Path.Combine(target, "LICENSE")));

            // Importing it here would meet the MeshCluster.dll this process already loaded: a fresh process imports it.
            var report = RunProbe(Path.Combine(target, "MeshCluster.psd1"), "module-first");
            Assert.False(report.RootElement.TryGetProperty("terminating", out _), report.RootElement.ToString());
            Assert.Contains(report.RootElement.GetProperty("output").EnumerateArray(), o => o.GetString()!.Contains("kind: IstioOperator"));
        }
        finally
        {
            var dir = Path.GetDirectoryName(target)!;
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
