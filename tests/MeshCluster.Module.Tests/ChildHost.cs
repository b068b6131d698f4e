using System.Diagnostics;
using System.Text.Json;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>
/// Runs a script in tests/MeshCluster.ChildHost, a PowerShell host in a process of its own with the module
/// imported: for inputs that could end a process (stack overflow, out of memory), which this one must survive.
/// </summary>
internal static class ChildHost
{
    public sealed record Report(int ExitCode, string StdErr, IReadOnlyList<string> Output, IReadOnlyList<string> Errors,
        IReadOnlyList<string> Messages, string? Terminating, string? TerminatingMessage, long PeakWorkingSetBytes = 0)
    {
        /// <summary>Every error id the script saw, the terminating one last.</summary>
        public IEnumerable<string> ErrorIds => Errors.Concat(Terminating is null ? Array.Empty<string>() : new[] { Terminating });

        /// <summary>Every error message, the terminating one last.</summary>
        public string ErrorText => string.Join(Environment.NewLine, Messages.Concat(TerminatingMessage is null ? Array.Empty<string>() : new[] { TerminatingMessage }));
    }

    public static Task<Report> RunAsync(string script, params string[] arguments) => RunAsync(script, arguments, fileSizeLimitKb: null);

    /// <param name="fileSizeLimitKb">
    /// A full disk, as far as the child can tell: no file it writes can grow past this many KB (RLIMIT_FSIZE,
    /// with SIGXFSZ ignored, so a write past it fails with "File too large" instead of ending the process).
    /// </param>
    public static async Task<Report> RunAsync(string script, string[] arguments, int? fileSizeLimitKb)
    {
        var host = RepositoryLayout.Program("MeshCluster.ChildHost", "MeshCluster.ChildHost.dll");
        Assert.True(File.Exists(host), host);
        var command = new[] { "dotnet", host, RepositoryLayout.ModuleManifest, script }.Concat(arguments).ToList();
        if (fileSizeLimitKb is { } kb)
        {
            command.InsertRange(0, new[] { "/bin/sh", "-c", $"trap '' XFSZ; ulimit -f {kb}; exec \"$@\"", "sh" });
        }

        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in command.Skip(1)) info.ArgumentList.Add(a);
        // The runtime's W^X double mapping writes a file of its own, which the limit would stop.
        if (fileSizeLimitKb is not null) info.Environment["DOTNET_EnableWriteXorExecute"] = "0";
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdout = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        guard.CancelAfter(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(guard.Token);
        var lastLine = stdout.Trim().Split('\n').LastOrDefault() ?? string.Empty;
        if (process.ExitCode != 0 || !lastLine.StartsWith('{'))
        {
            return new Report(process.ExitCode, await stderr, Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>(), null, null);
        }

        using var json = JsonDocument.Parse(lastLine);
        var root = json.RootElement;
        string[] List(string name) => root.TryGetProperty(name, out var a) ? a.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToArray() : Array.Empty<string>();
        string? Text(string name) => root.TryGetProperty(name, out var t) ? t.GetString() : null;
        var peak = root.TryGetProperty("peakWorkingSetBytes", out var p) ? p.GetInt64() : 0;
        return new Report(process.ExitCode, await stderr, List("output"), List("errors"), List("messages"), Text("terminating"), Text("message"), peak);
    }
}
