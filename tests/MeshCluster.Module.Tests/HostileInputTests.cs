using System.Text;

namespace MeshCluster.Module.Tests;

/// <summary>
/// Inputs that once ended the whole PowerShell process (a stack overflow cannot be caught; running out of
/// memory cannot be survived): each runs in a child process, which must end normally with the module's error.
/// </summary>
public sealed class HostileInputTests() : TempFolderTest("meshcluster-hostile-")
{
    private const int Levels = 20_000;

    private string WriteFile(string name, string content)
    {
        var path = Path.Combine(TempDir, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>A kubeconfig whose first cluster's server is nested <see cref="Levels"/> deep (80 KB of flow mappings, or 40 KB of sequences).</summary>
    private string DeepKubeConfig(string kind)
    {
        var (open, close) = kind == "mapping" ? ("{a: ", "}") : ("[", "]");
        var deep = new StringBuilder().Insert(0, open, Levels).Append('x').Insert(open.Length * Levels + 1, close, Levels).ToString();
        return WriteFile($"deep-{kind}.yaml", $"apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {deep}\n");
    }

    private static void AssertSurvivedWith(ChildHost.Report report, string errorId)
    {
        Assert.True(report.ExitCode == 0, $"the child process ended with exit code {report.ExitCode}: {report.StdErr}");
        Assert.Contains(report.ErrorIds, id => id.StartsWith(errorId + ",", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("mapping")]
    [InlineData("sequence")]
    public async Task A_kubeconfig_nested_20000_levels_deep_is_KubeConfigInvalid(string kind)
    {
        var report = await ChildHost.RunAsync("Get-IstioDiscoveryAddress -KubeConfig $args[0]", DeepKubeConfig(kind));

        AssertSurvivedWith(report, "KubeConfigInvalid");
        Assert.Contains("nested deeper than 64 levels", report.ErrorText);
    }

    [Fact]
    public async Task Completing_Context_with_a_deep_kubeconfig_in_KUBECONFIG_offers_nothing_and_survives()
    {
        var report = await ChildHost.RunAsync("""
            $env:KUBECONFIG = $args[0]
            $line = 'Get-IstioDiscoveryAddress -Context '
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.Count
            """, DeepKubeConfig("mapping"));

        Assert.True(report.ExitCode == 0, $"the child process ended with exit code {report.ExitCode}: {report.StdErr}");
        Assert.Equal(new[] { "0" }, report.Output);
        Assert.Empty(report.ErrorIds);
    }

    [Fact]
    public async Task Dev_zero_as_a_kubeconfig_is_KubeConfigInvalid_not_out_of_memory()
    {
        Assert.SkipUnless(File.Exists("/dev/zero"), "needs /dev/zero");
        var report = await ChildHost.RunAsync("Get-IstioDiscoveryAddress -KubeConfig /dev/zero");

        AssertSurvivedWith(report, "KubeConfigInvalid");
        Assert.Contains("larger than 16 MiB", report.ErrorText);
    }

    [Fact]
    public async Task Values_that_contain_themselves_are_InstallSpecValuesInvalid()
    {
        var report = await ChildHost.RunAsync("""
            $values = @{ global = @{} }
            $values.global.loop = $values
            New-IstioRemoteInstallSpec -ClusterName c2 -Network n1 -MeshId m1 -RemotePilotAddress 10.0.0.1 -Values $values
            """);

        AssertSurvivedWith(report, "InstallSpecValuesInvalid");
        Assert.Contains("values.global.loop contains itself", report.ErrorText);
        Assert.Empty(report.Output);
    }

    [Fact]
    public async Task Values_nested_20000_levels_deep_are_InstallSpecValuesInvalid()
    {
        var report = await ChildHost.RunAsync("""
            $values = @{ leaf = 1 }
            foreach ($i in 1..20000) { $values = @{ n = $values } }
            New-IstioRemoteInstallSpec -ClusterName c2 -Network n1 -MeshId m1 -RemotePilotAddress 10.0.0.1 -Values $values
            """);

        AssertSurvivedWith(report, "InstallSpecValuesInvalid");
        Assert.Contains("nested deeper than 64 levels", report.ErrorText);
    }

    [Fact]
    public async Task A_certificate_authority_that_is_a_folder_is_KubeConfigInvalid()
    {
        var path = WriteFile("ca-folder.yaml",
            $"apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n  cluster: {{server: 'https://127.0.0.1:1', certificate-authority: '{TempDir}'}}\n" +
            "users:\n- name: u\n  user: {token: abc}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\n");
        var report = await ChildHost.RunAsync("Get-IstioDiscoveryAddress -KubeConfig $args[0]", path);

        AssertSurvivedWith(report, "KubeConfigInvalid");
        Assert.Contains("certificate-authority", report.ErrorText);
        Assert.Contains("is a folder", report.ErrorText);
    }
}
