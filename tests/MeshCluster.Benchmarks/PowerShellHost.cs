using System.Text.Json;
using MeshCluster.TestGround;

namespace MeshCluster.Benchmarks;

/// <summary>
/// The PowerShell a cold process-level run uses: a real pwsh (from --pwsh or PATH) run as
/// <c>pwsh -NoProfile -NonInteractive -c &lt;script&gt;</c>, else a fresh process hosting the engine
/// (tests/MeshCluster.ChildHost with "-": no module imported before the script, as pwsh).
/// </summary>
internal sealed class PowerShellHost
{
    private readonly string _file;
    private readonly string[] _prefix;

    private PowerShellHost(string description, string file, string[] prefix, bool isPwsh)
    {
        Description = description;
        _file = file;
        _prefix = prefix;
        IsPwsh = isPwsh;
    }

    public string Description { get; }
    public bool IsPwsh { get; }

    /// <summary>How a command line reads in the table: "pwsh -c" or "ChildHost".</summary>
    public string Short => IsPwsh ? "pwsh -c" : "ChildHost";

    /// <summary>The command line, as the notes show it.</summary>
    public string CommandLine(string script) => string.Join(" ", _prefix.Prepend(IsPwsh ? "pwsh" : Path.GetFileName(_file))) + " " + script;

    public static async Task<PowerShellHost> FindAsync(BenchOptions options)
    {
        var pwsh = options.HostedEngine ? null : options.Pwsh ?? OnPath(OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");
        if (pwsh is not null)
        {
            if (!File.Exists(pwsh)) throw new FileNotFoundException($"--pwsh {pwsh}: no such file", pwsh);
            var host = new PowerShellHost(string.Empty, pwsh, new[] { "-NoProfile", "-NonInteractive", "-c" }, isPwsh: true);
            var version = await host.RunAsync("$PSVersionTable.PSVersion.ToString()").ConfigureAwait(false);
            var text = version.ExitCode == 0 ? version.Stdout.Trim() : "version unknown";
            return new PowerShellHost($"a real pwsh {text} ({pwsh}, {(options.Pwsh is null ? "found on PATH" : "given by --pwsh")})",
                pwsh, host._prefix, isPwsh: true);
        }

        var apphost = RepositoryLayout.Program("MeshCluster.ChildHost", OperatingSystem.IsWindows() ? "MeshCluster.ChildHost.exe" : "MeshCluster.ChildHost");
        var dll = RepositoryLayout.Program("MeshCluster.ChildHost", "MeshCluster.ChildHost.dll");
        var engine = Session.EngineVersion;
        var why = options.HostedEngine ? "--hosted-engine" : "no pwsh on PATH and no --pwsh";
        return File.Exists(apphost)
            ? new PowerShellHost($"a fresh process hosting the engine: tests/MeshCluster.ChildHost (System.Management.Automation {engine}; {why})", apphost, new[] { "-" }, false)
            : new PowerShellHost($"a fresh process hosting the engine: dotnet MeshCluster.ChildHost.dll (System.Management.Automation {engine}; {why})", "dotnet", new[] { dll, "-" }, false);
    }

    public Task<ChildRun> RunAsync(string script) => ChildProcesses.RunAsync(_file, _prefix.Append(script).ToArray());

    /// <summary>The script's output lines; null (and why) when it failed.</summary>
    public IReadOnlyList<string>? Output(ChildRun run, out string? failure)
    {
        failure = null;
        if (IsPwsh)
        {
            if (run.ExitCode == 0) return run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            failure = $"exit code {run.ExitCode}: {Tail(run.Stderr + run.Stdout)}";
            return null;
        }

        var line = run.Stdout.Trim().Split('\n').LastOrDefault() ?? string.Empty;
        if (run.ExitCode != 0 || !line.StartsWith('{'))
        {
            failure = $"exit code {run.ExitCode}: {Tail(run.Stderr + run.Stdout)}";
            return null;
        }

        using var json = JsonDocument.Parse(line);
        if (json.RootElement.TryGetProperty("terminating", out var terminating) && terminating.ValueKind == JsonValueKind.String)
        {
            failure = terminating.GetString();
            return null;
        }

        return json.RootElement.GetProperty("output").EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToArray();
    }

    /// <summary>A PowerShell single-quoted string literal.</summary>
    public static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string Tail(string text) => text.Length > 400 ? "…" + text[^400..] : text;

    private static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}
