using System.Management.Automation;
using System.Text.Json;
using k8s;
using k8s.Models;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

// The stand-in is steered by process-wide environment variables (and one test changes PATH):
// these tests run alone, never next to another class.
[CollectionDefinition(nameof(IstioctlStandInCollection), DisableParallelization = true)]
public sealed class IstioctlStandInCollection;

/// <summary>Install-IstioRemote running the istioctl stand-in (tests/IstioctlStandIn) against cluster2.</summary>
[Collection(nameof(IstioctlStandInCollection))]
public sealed class InstallIstioRemoteTests : TempFolderTest
{
    private const string Cmdlet = "MeshCluster.Commands.InstallIstioRemoteCommand";
    private static readonly string[] Variables = { "ISTIOCTL", "ISTIOCTL_STANDIN_VERSION", "ISTIOCTL_STANDIN_LOG", "ISTIOCTL_STANDIN_FAIL", "ISTIOCTL_STANDIN_WAIT_FOR" };
    private readonly ClustersFixture _fixture;
    private readonly TestCluster _cluster;
    private readonly string _log;
    private readonly Dictionary<string, string?> _saved;
    private readonly List<string> _namespaces = new();

    public InstallIstioRemoteTests(ClustersFixture fixture)
        : base("install-remote-")
    {
        _fixture = fixture;
        _cluster = fixture.Clusters.Cluster2;
        _saved = Variables.Append("PATH").ToDictionary(v => v, Environment.GetEnvironmentVariable);
        foreach (var v in Variables) Environment.SetEnvironmentVariable(v, null);
        _log = Path.Combine(TempDir, "istioctl.log");
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_LOG", _log);
        // NewSpec is the 1.7 guide's form, which istioctl 1.24+ would make an independent primary (refused: InstallFormRefusalTests).
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", GuideVersion);
        Assert.True(File.Exists(StandIn), $"Build tests/IstioctlStandIn first: {StandIn} is missing.");
    }

    public override void Dispose()
    {
        foreach (var (k, v) in _saved) Environment.SetEnvironmentVariable(k, v);
        base.Dispose();

        // Leave cluster2 as found: the namespaces the stand-in made (the namespace controller empties them).
        foreach (var ns in _namespaces)
        {
            try { _cluster.Admin.CoreV1.DeleteNamespaceAsync(ns).GetAwaiter().GetResult(); }
            catch (Exception) { /* never made, or the 1.20 delete body the typed client cannot read */ }
        }
    }

    /// <summary>The stand-in's apphost, built in the same configuration as this test assembly.</summary>
    private static string StandIn => RepositoryLayout.IstioctlStandIn;

    private static void Out(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    /// <summary>The istioctl of Istio's guide, which installs NewSpec's form as meant.</summary>
    private const string GuideVersion = "1.7.8";

    private const string NewSpec = "New-IstioRemoteInstallSpec -ClusterName remote2 -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 -Values @{ global = @{ istioNamespace = $args[0] } }";

    [Fact]
    public async Task Istioctl_1_6_runs_manifest_apply_and_makes_istiod_and_prometheus()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.6.8");
        var ns = Ns("inst-16");
        using var ps = _fixture.NewSession();

        var result = ps.Invoke(NewSpec + " | Install-IstioRemote -Context $C2 -IstioctlPath $args[1] -Verbose", ns, StandIn);

        result.AssertSucceeded();
        var installed = Assert.Single(result.Output);
        Assert.Equal("MeshCluster.IstioRemoteInstallResult", installed.TypeNames[0]);
        Assert.Equal("remote2", installed.Prop("ClusterName"));
        Assert.Equal("cluster2", installed.Prop("Context"));
        Assert.Equal(ns, installed.Prop("Namespace"));
        Assert.Equal("1.6.8", installed.Prop("IstioctlVersion"));
        Assert.Equal(StandIn, installed.Prop("IstioctlPath"));
        Assert.Equal(0, installed.Prop("ExitCode"));
        Assert.Null(installed.Prop("SpecPath"));
        Assert.Equal(new[] { "manifest", "apply", "-f", "<temporary file>", "--context", "cluster2", "--kubeconfig", _fixture.KubeConfigPath },
            Assert.IsType<string[]>(installed.Prop("Arguments")));
        var duration = Assert.IsType<TimeSpan>(installed.Prop("Duration"));
        Out($"istioctl 1.6.8 stand-in install took {duration.TotalMilliseconds:0} ms (cmdlet total {result.Duration.TotalMilliseconds:0} ms)");

        // What the real 1.6 made in the remote: istiod and prometheus, one replica each.
        await AssertDeploymentAsync(ns, "istiod", "docker.io/istio/pilot:1.6.8");
        await AssertDeploymentAsync(ns, "prometheus", "docker.io/prom/prometheus:v2.15.1");
        Assert.NotNull(await _cluster.Admin.CoreV1.ReadNamespacedServiceAccountAsync("istio-reader-service-account", ns, cancellationToken: Ct));

        // The argument vectors istioctl saw: the version query, then manifest apply on a removed temporary file.
        var calls = Calls();
        Assert.Equal(2, calls.Count);
        Assert.Equal(new[] { "version", "--remote=false", "-o", "json" }, calls[0]);
        Assert.Equal(new[] { "manifest", "apply", "-f" }, calls[1][..3]);
        Assert.Equal(new[] { "--context", "cluster2", "--kubeconfig", _fixture.KubeConfigPath }, calls[1][4..]);
        Assert.False(File.Exists(calls[1][3]), "the temporary spec was not removed");

        // istioctl's lines, stdout and stderr, in the Verbose stream in their order within each stream.
        var lines = result.Verbose.Where(v => v.StartsWith("istioctl: ", StringComparison.Ordinal)).ToList();
        Assert.Contains("istioctl: - Applying manifest for component Pilot...", lines); // stderr
        Assert.True(lines.IndexOf("istioctl: ✔ Finished applying manifest for component Base.") < lines.IndexOf("istioctl: ✔ Finished applying manifest for component Pilot."));
        Assert.Equal("istioctl: ✔ Installation complete", lines[^1]);

        // Progress named each phase and completed.
        var statuses = result.Progress.Select(p => p.StatusDescription).ToList();
        Assert.Contains("Finding istioctl", statuses);
        Assert.Contains("Reading the istioctl version", statuses);
        Assert.Contains(statuses, s => s.StartsWith("Running istioctl manifest", StringComparison.Ordinal));
        Assert.Equal(ProgressRecordType.Completed, result.Progress[^1].RecordType);
        AssertNoToken(result);
    }

    [Fact]
    public async Task Istioctl_1_7_runs_install_y_and_makes_istiod_only()
    {
        var ns = Ns("inst-17");
        using var ps = _fixture.NewSession();

        var result = ps.Invoke(NewSpec + " | Install-IstioRemote -Context $C2 -IstioctlPath $args[1]", ns, StandIn);

        result.AssertSucceeded();
        var installed = Assert.Single(result.Output);
        Assert.Equal(GuideVersion, installed.Prop("IstioctlVersion"));
        Assert.Equal(new[] { "install", "-y", "-f", "<temporary file>" }, Assert.IsType<string[]>(installed.Prop("Arguments"))[..4]);
        await AssertDeploymentAsync(ns, "istiod", $"docker.io/istio/pilot:{GuideVersion}");
        Assert.Null(await TryReadDeploymentAsync(ns, "prometheus"));
        Assert.Equal(new[] { "install", "-y", "-f" }, Calls()[1][..3]);
    }

    [Fact]
    public void Output_is_streamed_while_istioctl_runs()
    {
        // The stand-in prints "waiting for <file>" and waits until that file exists; the script makes
        // the file when the line reaches it. Only a cmdlet that streams lets the stand-in finish
        // (else it gives up after 60 s with exit 3 and the test fails with IstioctlFailed).
        var handshake = Path.Combine(TempDir, "handshake");
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_WAIT_FOR", handshake);
        var ns = Ns("inst-stream");
        using var ps = _fixture.NewSession();

        var result = ps.Invoke("$handshake = $args[2]; " + NewSpec + """
             | Install-IstioRemote -Context $C2 -IstioctlPath $args[1] -Verbose 4>&1 | ForEach-Object {
                if ($_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'istioctl: waiting for *') {
                    [System.IO.File]::WriteAllText($handshake, 'seen')
                }
                $_
            }
            """, ns, StandIn, handshake);

        result.AssertSucceeded();
        Assert.True(File.Exists(handshake));
        var items = result.Output.Select(o => o.BaseObject).ToList();
        var waiting = items.FindIndex(o => o is VerboseRecord v && v.Message.StartsWith("istioctl: waiting for", StringComparison.Ordinal));
        var done = items.FindIndex(o => o is VerboseRecord v && v.Message == "istioctl: ✔ Installation complete");
        Assert.InRange(waiting, 0, done - 1);
        Assert.Equal("MeshCluster.IstioRemoteInstallResult", items[^1].GetType().FullName);
    }

    [Fact]
    public async Task WhatIf_runs_only_the_version_query()
    {
        var ns = Ns("inst-whatif");
        var tempsBefore = TemporarySpecs();
        using var ps = _fixture.NewSession();

        var result = ps.Invoke(NewSpec + " | Install-IstioRemote -Context $C2 -IstioctlPath $args[1] -WhatIf", ns, StandIn);

        result.AssertSucceeded();
        Assert.Empty(result.Output);
        var calls = Calls();
        Assert.Equal(new[] { "version", "--remote=false", "-o", "json" }, Assert.Single(calls));
        Assert.Null(await TryReadNamespaceAsync(ns));
        Assert.Equal(tempsBefore, TemporarySpecs());
    }

    [Fact]
    public void A_spec_file_is_used_in_place_and_kept()
    {
        var ns = Ns("inst-path");
        var file = Path.Combine(TempDir, "cluster2", "install.yaml");
        using var ps = _fixture.NewSession();
        var written = ps.Invoke(NewSpec + " -Path $args[1]", ns, file);
        Assert.Empty(written.Errors);

        var byPath = ps.Invoke("Install-IstioRemote $args[0] -Context $C2 -IstioctlPath $args[1]", file, StandIn);
        var bySpec = ps.Invoke(NewSpec + " -Path $args[2] -Force | Install-IstioRemote -Context $C2 -IstioctlPath $args[1]", ns, StandIn, file);

        foreach (var result in new[] { byPath, bySpec })
        {
            result.AssertSucceeded();
            var installed = Assert.Single(result.Output);
            Assert.Equal(file, installed.Prop("SpecPath"));
            Assert.Equal(ns, installed.Prop("Namespace"));
            Assert.Equal("remote2", installed.Prop("ClusterName"));
            Assert.Equal(file, Assert.IsType<string[]>(installed.Prop("Arguments"))[3]);
        }

        Assert.True(File.Exists(file));
    }

    [Fact]
    public void Several_kubeconfig_files_travel_in_KUBECONFIG()
    {
        var ns = Ns("inst-kcs");
        var extra = Path.Combine(TempDir, "extra-config");
        File.WriteAllText(extra, "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n");
        var list = string.Join(Path.PathSeparator, _fixture.KubeConfigPath, extra);
        using var ps = _fixture.NewSession();

        var result = ps.Invoke(NewSpec + " | Install-IstioRemote -Context $C2 -IstioctlPath $args[1] -KubeConfig $args[2]", ns, StandIn, list);

        result.AssertSucceeded();
        var install = CallRecords()[1];
        Assert.DoesNotContain("--kubeconfig", install.Args);
        Assert.Equal(list, install.KubeConfigEnv);
    }

    [Fact]
    public void Istioctl_is_found_through_ISTIOCTL_and_PATH()
    {
        using var ps = _fixture.NewSession();
        Environment.SetEnvironmentVariable("ISTIOCTL", StandIn);
        var viaEnv = ps.Invoke(NewSpec + " | Install-IstioRemote -Context $C2", Ns("inst-env"));
        Assert.Equal(StandIn, Assert.Single(viaEnv.Output).Prop("IstioctlPath"));

        Environment.SetEnvironmentVariable("ISTIOCTL", null);
        var bin = Directory.CreateDirectory(Path.Combine(TempDir, "bin")).FullName;
        File.CreateSymbolicLink(Path.Combine(bin, "istioctl"), StandIn);
        Environment.SetEnvironmentVariable("PATH", bin);
        var viaPath = ps.Invoke(NewSpec + " | Install-IstioRemote -Context $C2", Ns("inst-path"));
        viaPath.AssertSucceeded();
        Assert.Equal(Path.Combine(bin, "istioctl"), Assert.Single(viaPath.Output).Prop("IstioctlPath"));
    }

    [Fact]
    public void No_istioctl_is_IstioctlNotFound()
    {
        Environment.SetEnvironmentVariable("PATH", Directory.CreateDirectory(Path.Combine(TempDir, "empty")).FullName);
        using var ps = _fixture.NewSession();
        var missing = Path.Combine(TempDir, "nowhere", "istioctl");

        var onPath = ps.Invoke(NewSpec + " | Install-IstioRemote -Context $C2", "x");
        var named = ps.Invoke(NewSpec + " | Install-IstioRemote -Context $C2 -IstioctlPath $args[1]", "x", missing);

        foreach (var (result, target) in new[] { (onPath, "istioctl"), (named, missing) })
        {
            var error = Assert.Single(result.Errors);
            Assert.StartsWith("IstioctlNotFound," + Cmdlet, error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
            Assert.Equal(target, error.TargetObject);
            Assert.Empty(result.Output);
        }

        Assert.False(File.Exists(_log));
    }

    [Fact]
    public async Task A_failing_istioctl_is_IstioctlFailed_with_exit_code_and_output_tail()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_FAIL", "1");
        var ns = Ns("inst-fail");
        using var ps = _fixture.NewSession();

        var result = ps.Invoke(NewSpec + " | Install-IstioRemote -Context $C2 -IstioctlPath $args[1]", ns, StandIn);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("IstioctlFailed," + Cmdlet, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidResult, error.CategoryInfo.Category);
        Assert.Equal("cluster2", error.TargetObject);
        Assert.Contains("exit code 2", error.Exception.Message);
        Assert.Contains($"This will install the Istio {GuideVersion}", error.Exception.Message);
        Assert.Contains("simulated failure", error.Exception.Message);
        Assert.Empty(result.Output);
        Assert.False(File.Exists(Calls()[1][3]), "the temporary spec was not removed after the failure");
        Assert.Null(await TryReadDeploymentAsync(ns, "istiod"));
        AssertNoToken(result);
    }

    [Fact]
    public void An_unreadable_version_is_IstioctlVersionUnknown_and_nothing_is_installed()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "banana");
        using var ps = _fixture.NewSession();

        var result = ps.Invoke(NewSpec + " | Install-IstioRemote -Context $C2 -IstioctlPath $args[1]", "x", StandIn);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("IstioctlVersionUnknown," + Cmdlet, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidResult, error.CategoryInfo.Category);
        Assert.Equal(StandIn, error.TargetObject);
        Assert.Single(Calls());
    }

    [Fact]
    public void An_unknown_context_runs_nothing()
    {
        using var ps = _fixture.NewSession();
        var result = ps.Invoke(NewSpec + " | Install-IstioRemote -Context nope -IstioctlPath $args[1]", "x", StandIn);
        Assert.StartsWith("KubeContextNotFound," + Cmdlet, result.FirstError!.FullyQualifiedErrorId);
        Assert.False(File.Exists(_log));
    }

    [Fact]
    public void A_file_that_is_not_an_IstioOperator_is_InstallSpecInvalid()
    {
        var file = Path.Combine(TempDir, "deployment.yaml");
        File.WriteAllText(file, "apiVersion: apps/v1\nkind: Deployment\n");
        using var ps = _fixture.NewSession();

        var bad = ps.Invoke("Install-IstioRemote -Path $args[0] -Context $C2 -IstioctlPath $args[1]", file, StandIn);
        var missing = ps.Invoke("Install-IstioRemote -Path $args[0] -Context $C2 -IstioctlPath $args[1]", file + ".none", StandIn);
        var folder = ps.Invoke("Install-IstioRemote -Path $args[0] -Context $C2 -IstioctlPath $args[1]", TempDir, StandIn);

        Assert.StartsWith("InstallSpecInvalid," + Cmdlet, Assert.Single(bad.Errors).FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, bad.Errors[0].CategoryInfo.Category);
        Assert.Equal(file, bad.Errors[0].TargetObject);
        Assert.StartsWith("InstallSpecFileNotFound," + Cmdlet, Assert.Single(missing.Errors).FullyQualifiedErrorId);
        Assert.Contains("does not exist", missing.Errors[0].Exception.Message);
        // A folder is named as such, not said to be missing.
        Assert.StartsWith("InstallSpecFileNotFound," + Cmdlet, Assert.Single(folder.Errors).FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, folder.Errors[0].CategoryInfo.Category);
        Assert.Contains("is a folder", folder.Errors[0].Exception.Message);
        Assert.False(File.Exists(_log));
    }

    [Fact]
    public async Task Stopping_kills_istioctl_and_removes_the_temporary_file()
    {
        // The stand-in waits for a handshake file that never comes; the pipeline is stopped meanwhile.
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_WAIT_FOR", Path.Combine(TempDir, "never"));
        var ns = Ns("inst-stop");
        using var ps = _fixture.NewSession();

        var result = await ps.InvokeAsync(NewSpec + " | Install-IstioRemote -Context $C2 -IstioctlPath $args[1]", TimeSpan.FromSeconds(8), ns, StandIn);

        Assert.NotNull(result.Stopped);
        var install = CallRecords().Single(c => c.Args[0] == "install");
        Assert.False(File.Exists(install.Args[3]), "the temporary spec was not removed after Ctrl+C");
        for (var i = 0; i < 100 && IsRunning(install.Pid); i++) await Task.Delay(50, Ct);
        Assert.False(IsRunning(install.Pid), "istioctl still runs after Ctrl+C");
        Out($"stopped {(DateTime.UtcNow - result.StopRequestedAt!.Value).TotalMilliseconds:0} ms ago; the pipeline ended {result.Duration.TotalSeconds:0.0} s after it started");
    }

    [Theory]
    [InlineData("1.6.8", "install", 1, "unknown command \"install\"")]
    [InlineData("1.24.0", "upgrade", 1, "unknown command \"upgrade\"")]
    [InlineData("1.24.0", "version", 0, "client version: 1.24.0")]
    public async Task The_stand_in_rejects_what_its_version_does_not_know(string version, string command, int exitCode, string text)
    {
        var info = new System.Diagnostics.ProcessStartInfo(StandIn) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(command);
        info.Environment["ISTIOCTL_STANDIN_VERSION"] = version;
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        Assert.Equal(exitCode, process.ExitCode);
        Assert.Contains(text, await output + await error);
    }

    [Fact]
    public void Help_documents_every_parameter()
    {
        using var ps = PowerShellSession.Start();
        var text = ps.Invoke("(Get-Help Install-IstioRemote -Full).parameters.parameter | ForEach-Object { $_.name + '=' + ($_.description | ForEach-Object { $_.Text }) }");
        foreach (var name in new[] { "InputObject", "Path", "Context", "KubeConfig", "IstioctlPath" })
        {
            Assert.Contains(text.Output, o => o.ToString().StartsWith(name + "=", StringComparison.Ordinal) && o.ToString().Length > name.Length + 10);
        }

        var sets = ps.Invoke("(Get-Command Install-IstioRemote).ParameterSets | ForEach-Object { $_.Name }");
        Assert.Equal(new[] { "InputObject", "Path" }, sets.Output.Select(o => o.ToString()).Order());
    }

    /// <summary>A fresh namespace name, deleted from cluster2 after the test.</summary>
    private string Ns(string prefix)
    {
        var ns = _fixture.UniqueName(prefix);
        _namespaces.Add(ns);
        return ns;
    }

    private sealed record Call(int Pid, string[] Args, string? KubeConfigEnv);

    private List<Call> CallRecords() => !File.Exists(_log)
        ? new List<Call>()
        : File.ReadAllLines(_log).Where(l => l.Length > 0).Select(l =>
        {
            using var doc = JsonDocument.Parse(l);
            var root = doc.RootElement;
            return new Call(root.GetProperty("pid").GetInt32(), root.GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToArray(),
                root.GetProperty("kubeconfigEnv").GetString());
        }).ToList();

    private List<string[]> Calls() => CallRecords().Select(c => c.Args).ToList();

    private static string[] TemporarySpecs() => Directory.GetFiles(Path.GetTempPath(), "meshcluster-install-*.yaml").Order().ToArray();

    private async Task AssertDeploymentAsync(string ns, string name, string image)
    {
        var deployment = await TryReadDeploymentAsync(ns, name);
        Assert.NotNull(deployment);
        Assert.Equal(1, deployment!.Spec.Replicas);
        Assert.Equal(image, Assert.Single(deployment.Spec.Template.Spec.Containers).Image);
    }

    private async Task<V1Deployment?> TryReadDeploymentAsync(string ns, string name)
    {
        try
        {
            return await _cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: Ct);
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task<V1Namespace?> TryReadNamespaceAsync(string name)
    {
        try
        {
            return await _cluster.Admin.CoreV1.ReadNamespaceAsync(name, cancellationToken: Ct);
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static bool IsRunning(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        try
        {
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>No admin token in any stream, nor on istioctl's command line (the stand-in logs it).</summary>
    private void AssertNoToken(PowerShellResult result)
    {
        Assert.NotEmpty(_fixture.AdminTokens);
        result.AssertNoSecret(_fixture.AdminTokens);
        var log = File.ReadAllText(_log);
        foreach (var token in _fixture.AdminTokens) Assert.DoesNotContain(token, log);
    }

}
