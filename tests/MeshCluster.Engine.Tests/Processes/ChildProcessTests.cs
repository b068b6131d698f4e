using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Processes;
using MeshCluster.Engine.Tests.TestSupport;

namespace MeshCluster.Engine.Tests.Processes;

/// <summary>Runs /bin/sh scripts: the tests machines are Linux.</summary>
public sealed class ChildProcessTests() : TempFolderTest("child-process-")
{
    private static MeshClusterException StartFailed(string reason) => new("TestStartFailed", ErrorCategory.ResourceUnavailable, reason);

    [Fact]
    public async Task Lines_arrive_while_the_process_runs()
    {
        // The script prints a line, then waits until the test has seen it: if lines only came
        // after exit, it would never exit and the 60 s guard below would fail the test.
        var go = Path.Combine(TempDir, "go");
        var seen = new List<string>();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var result = await ChildProcess.RunAsync("/bin/sh", new[] { "-c", $"echo first; echo err-line >&2; while [ ! -f '{go}' ]; do sleep 0.05; done; echo second" }, null,
            (line, isError) =>
            {
                lock (seen) seen.Add((isError ? "E:" : "O:") + line);
                if (line == "first") File.WriteAllText(go, "");
            }, StartFailed, guard.Token);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(new[] { "E:err-line", "O:first", "O:second" }, seen.OrderBy(s => s, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Exit_code_and_the_last_20_lines()
    {
        var result = await ChildProcess.RunAsync("/bin/sh", new[] { "-c", "for i in $(seq 1 30); do echo line$i; done; exit 7" }, null, (_, _) => { }, StartFailed, CancellationToken.None);
        Assert.Equal(7, result.ExitCode);
        Assert.Equal(Enumerable.Range(11, 20).Select(i => "line" + i), result.Tail);
    }

    [Fact]
    public async Task Environment_reaches_the_child()
    {
        var lines = new List<string>();
        await ChildProcess.RunAsync("/bin/sh", new[] { "-c", "echo \"$KUBECONFIG\"" },
            new Dictionary<string, string> { ["KUBECONFIG"] = "/a:/b" }, (l, _) => lines.Add(l), StartFailed, CancellationToken.None);
        Assert.Equal(new[] { "/a:/b" }, lines);
    }

    [Fact]
    public async Task Cancelling_kills_the_process_tree()
    {
        var pidFile = Path.Combine(TempDir, "pid");
        using var cts = new CancellationTokenSource();
        var run = ChildProcess.RunAsync("/bin/sh", new[] { "-c", $"sleep 300 & echo $! > '{pidFile}'; echo started; wait" }, null,
            (line, _) => { if (line == "started") cts.Cancel(); }, StartFailed, cts.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        await ProcessProbe.AssertGoneAsync(int.Parse(File.ReadAllText(pidFile).Trim()), "the grandchild 'sleep 300' survived the cancel");
    }

    [Fact]
    public async Task A_program_that_cannot_start_is_the_callers_error()
    {
        var file = Path.Combine(TempDir, "not-a-program");
        File.WriteAllText(file, "no shebang, not executable");
        var ex = await Assert.ThrowsAsync<MeshClusterException>(() =>
            ChildProcess.RunAsync(file, Array.Empty<string>(), null, (_, _) => { }, StartFailed, CancellationToken.None));
        Assert.Equal("TestStartFailed", ex.ErrorId);
        Assert.Contains("denied", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Arguments_with_spaces_reach_the_program_whole()
    {
        var lines = new List<string>();
        await ChildProcess.RunAsync("/bin/sh", new[] { "-c", "for a in \"$@\"; do echo \"<$a>\"; done", "sh", "one two", "'three'", "$HOME" }, null,
            (l, _) => lines.Add(l), StartFailed, CancellationToken.None);
        Assert.Equal(new[] { "<one two>", "<'three'>", "<$HOME>" }, lines);
    }
}
