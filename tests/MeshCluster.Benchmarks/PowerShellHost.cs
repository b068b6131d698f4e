using System.Text.Json;
using MeshCluster.TestGround;

namespace MeshCluster.Benchmarks;

/// <summary>
/// A PowerShell a cold process-level run uses: a real pwsh run as <c>pwsh -NoProfile -NonInteractive -c &lt;script&gt;</c> (a
/// self-contained one from --pwsh or PATH, as users install it from packages; and the .NET tool of .config/dotnet-tools.json as
/// <c>dotnet pwsh</c>, as a pipeline restores it), else a fresh process hosting the engine (tests/MeshCluster.ChildHost with
/// "-": no module imported before the script, as pwsh).
/// </summary>
internal sealed class PowerShellHost
{
    private readonly string _file;
    private readonly string[] _prefix;
    private readonly string? _workingDirectory;

    private PowerShellHost(string description, string shortName, string file, string[] prefix, bool isPwsh, string? workingDirectory = null)
    {
        Description = description;
        Short = shortName;
        _file = file;
        _prefix = prefix;
        IsPwsh = isPwsh;
        _workingDirectory = workingDirectory;
    }

    public string Description { get; }
    public bool IsPwsh { get; }

    /// <summary>How a command line reads in the table: "pwsh 7.6.5 -c", "dotnet pwsh 7.6.10 -c" or "ChildHost".</summary>
    public string Short { get; }

    /// <summary>The command line, as the notes show it.</summary>
    public string CommandLine(string script) =>
        string.Join(" ", _prefix.Prepend(_file == "dotnet" ? "dotnet" : IsPwsh ? "pwsh" : Path.GetFileName(_file))) + " " + script;

    private static readonly string[] PwshArguments = { "-NoProfile", "-NonInteractive", "-c" };

    /// <summary>Every PowerShell to measure: each --pwsh (or pwsh on PATH), then the .NET tool once restored; else the hosted engine.</summary>
    public static async Task<IReadOnlyList<PowerShellHost>> FindAllAsync(BenchOptions options)
    {
        var hosts = new List<PowerShellHost>();
        if (!options.HostedEngine)
        {
            var given = options.Pwsh.Count > 0;
            var pwshes = given ? options.Pwsh : new[] { OnPath(OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh") }.OfType<string>().ToArray();
            foreach (var pwsh in pwshes)
            {
                if (!File.Exists(pwsh)) throw new FileNotFoundException($"--pwsh {pwsh}: no such file", pwsh);
                var version = await VersionAsync(new PowerShellHost(string.Empty, string.Empty, pwsh, PwshArguments, isPwsh: true)).ConfigureAwait(false);
                hosts.Add(new PowerShellHost($"pwsh {version} ({pwsh}, {(given ? "given by --pwsh" : "found on PATH")})", $"pwsh {version} -c",
                    pwsh, PwshArguments, isPwsh: true));
            }

            if (!options.NoDotnetTool && File.Exists(Path.Combine(RepositoryLayout.Root, ".config", "dotnet-tools.json")))
            {
                // The local tool resolves from the folder holding .config/dotnet-tools.json: dotnet pwsh, as a pipeline's step runs it.
                var tool = new PowerShellHost(string.Empty, string.Empty, "dotnet", PwshArguments.Prepend("pwsh").ToArray(), isPwsh: true, RepositoryLayout.Root);
                var version = await VersionAsync(tool).ConfigureAwait(false);
                if (version is not null)
                {
                    hosts.Add(new PowerShellHost($"the .NET tool pwsh {version} (dotnet pwsh, .config/dotnet-tools.json)", $"dotnet pwsh {version} -c",
                        "dotnet", tool._prefix, isPwsh: true, RepositoryLayout.Root));
                }
                else
                {
                    Console.WriteLine("  the .NET tool pwsh is not restored (dotnet tool restore): not measured");
                }
            }
        }

        if (hosts.Count > 0) return hosts;
        var apphost = RepositoryLayout.Program("MeshCluster.ChildHost", OperatingSystem.IsWindows() ? "MeshCluster.ChildHost.exe" : "MeshCluster.ChildHost");
        var dll = RepositoryLayout.Program("MeshCluster.ChildHost", "MeshCluster.ChildHost.dll");
        var engine = Session.EngineVersion;
        var why = options.HostedEngine ? "--hosted-engine" : "no pwsh on PATH, no --pwsh and no .NET tool";
        return new[]
        {
            File.Exists(apphost)
                ? new PowerShellHost($"a fresh process hosting the engine: tests/MeshCluster.ChildHost (System.Management.Automation {engine}; {why})", "ChildHost", apphost, new[] { "-" }, false)
                : new PowerShellHost($"a fresh process hosting the engine: dotnet MeshCluster.ChildHost.dll (System.Management.Automation {engine}; {why})", "ChildHost", "dotnet", new[] { dll, "-" }, false),
        };
    }

    private static async Task<string?> VersionAsync(PowerShellHost host)
    {
        var run = await host.RunAsync("$PSVersionTable.PSVersion.ToString()").ConfigureAwait(false);
        return run.ExitCode == 0 ? run.Stdout.Trim() : null;
    }

    public Task<ChildRun> RunAsync(string script) => ChildProcesses.RunAsync(_file, _prefix.Append(script).ToArray(), _workingDirectory);

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
