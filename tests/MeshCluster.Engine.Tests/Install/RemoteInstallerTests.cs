using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Install;
using MeshCluster.Engine.Tests.TestSupport;

namespace MeshCluster.Engine.Tests.Install;

/// <summary>The orchestration with a /bin/sh istioctl that records its arguments (no cluster involved).</summary>
public sealed class RemoteInstallerTests() : TempFolderTest("remote-installer-")
{
    private const string Spec = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    global:\n      multiCluster:\n        clusterName: cluster2\n";

    private string FakeIstioctl(string version, int exitCode)
    {
        var log = Path.Combine(TempDir, "log");
        var file = Path.Combine(TempDir, "istioctl");
        File.WriteAllText(file, $$$"""
            #!/bin/sh
            if [ "$1" = version ]; then echo '{"clientVersion":{"version":"{{{version}}}"}}'; exit 0; fi
            echo "$@" >> '{{{log}}}'
            # the -f file, as istioctl would read it
            while [ $# -gt 0 ]; do if [ "$1" = -f ]; then cp "$2" '{{{TempDir}}}/seen.yaml'; fi; shift; done
            echo working; echo "problem" >&2
            exit {{{exitCode}}}
            """.Replace("\r", ""));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return file;
    }

    private static RemoteInstallRequest Request(string istioctl, params string[] kubeconfigs) =>
        new(Spec, null, istioctl, "cluster2", kubeconfigs.Length == 0 ? new[] { "/k/config" } : kubeconfigs);

    private int TempSpecs() => Directory.GetFiles(Path.GetTempPath(), "meshcluster-install-*.yaml").Length;

    [Fact]
    public async Task Installs_through_a_temporary_file_that_is_removed()
    {
        var reporter = new RecordingReporter();
        var outcome = await RemoteInstaller.InstallAsync(Request(FakeIstioctl("1.24.0", 0)), (_, _) => Task.FromResult(true), reporter, CancellationToken.None);

        Assert.NotNull(outcome);
        Assert.Equal(("cluster2", "cluster2", "istio-system", "1.24.0", 0), (outcome!.ClusterName, outcome.Context, outcome.Namespace, outcome.IstioctlVersion, outcome.ExitCode));
        Assert.Equal(new[] { "install", "-y", "-f", RemoteInstaller.TemporaryFilePlaceholder, "--context", "cluster2", "--kubeconfig", "/k/config" }, outcome.Arguments);
        Assert.Null(outcome.SpecPath);
        Assert.Equal(Spec, File.ReadAllText(Path.Combine(TempDir, "seen.yaml")));

        var call = File.ReadAllText(Path.Combine(TempDir, "log")).Trim();
        var tempFile = call.Split(' ')[3];
        Assert.StartsWith(Path.GetTempPath(), tempFile);
        Assert.False(File.Exists(tempFile));
        Assert.Contains("istioctl: working", reporter.Verbose);
        Assert.Contains("istioctl: problem", reporter.Verbose);
        Assert.Contains(reporter.Progress, l => l.StartsWith("Running istioctl install", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Failure_carries_exit_code_and_tail_and_removes_the_temporary_file()
    {
        var ex = await Assert.ThrowsAsync<MeshClusterException>(() =>
            RemoteInstaller.InstallAsync(Request(FakeIstioctl("1.6.8", 4)), (_, _) => Task.FromResult(true), new RecordingReporter(), CancellationToken.None));
        Assert.Equal(ErrorIds.IstioctlFailed, ex.ErrorId);
        Assert.Equal(ErrorCategory.InvalidResult, ex.Category);
        Assert.Equal("cluster2", ex.Target);
        Assert.Contains("exit code 4", ex.Message);
        Assert.Contains("working", ex.Message);
        Assert.Contains("problem", ex.Message);

        var call = File.ReadAllText(Path.Combine(TempDir, "log")).Trim();
        Assert.StartsWith("manifest apply -f ", call);
        Assert.False(File.Exists(call.Split(' ')[3]));
    }

    [Fact]
    public async Task Declined_runs_nothing_and_writes_no_temporary_file()
    {
        string? shown = null;
        var outcome = await RemoteInstaller.InstallAsync(Request(FakeIstioctl("1.24.0", 0), "/a/one", "/b/two"),
            (_, action) => { shown = action; return Task.FromResult(false); }, new RecordingReporter(), CancellationToken.None);
        Assert.Null(outcome);
        Assert.False(File.Exists(Path.Combine(TempDir, "log")));
        // Several kubeconfig files travel in KUBECONFIG, not on the command line.
        Assert.EndsWith("install -y -f '<temporary file>' --context cluster2", shown);
    }

    [Fact]
    public async Task A_missing_spec_file_is_InstallSpecFileNotFound()
    {
        var missing = Path.Combine(TempDir, "none.yaml");
        var ex = await Assert.ThrowsAsync<MeshClusterException>(() => RemoteInstaller.InstallAsync(
            new RemoteInstallRequest(null, missing, FakeIstioctl("1.24.0", 0), "cluster2", new[] { "/k" }), (_, _) => Task.FromResult(true), new RecordingReporter(), CancellationToken.None));
        Assert.Equal(ErrorIds.InstallSpecFileNotFound, ex.ErrorId);
        Assert.Equal(missing, ex.Target);
    }

    [Fact]
    public async Task A_version_that_cannot_be_read_is_IstioctlVersionUnknown()
    {
        var ex = await Assert.ThrowsAsync<MeshClusterException>(() =>
            RemoteInstaller.InstallAsync(Request(FakeIstioctl("banana", 0)), (_, _) => Task.FromResult(true), new RecordingReporter(), CancellationToken.None));
        Assert.Equal(ErrorIds.IstioctlVersionUnknown, ex.ErrorId);
        Assert.False(File.Exists(Path.Combine(TempDir, "log")));
    }
}
