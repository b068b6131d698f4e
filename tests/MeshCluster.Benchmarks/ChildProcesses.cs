using System.Diagnostics;
using System.Globalization;

namespace MeshCluster.Benchmarks;

/// <summary>One finished child process: wall time as this process saw it, its peak resident memory, and what it printed.</summary>
internal sealed record ChildRun(double WallMs, double? PeakMiB, double? CpuMs, int ExitCode, string Stdout, string Stderr);

/// <summary>
/// Runs a child process and measures its peak memory robustly. Preferred: GNU time (`/usr/bin/time -f
/// "%M %U %S"`), which reports the child's ru_maxrss from wait4(): the kernel's own high-water mark of
/// the process's resident set over its whole life, read after it has ended (no race with its exit).
/// Without GNU time: poll the child's peak working set (VmHWM on Linux, itself a high-water mark) every
/// few milliseconds; only growth in the child's last milliseconds can be missed.
/// </summary>
internal static class ChildProcesses
{
    private const string GnuTime = "/usr/bin/time";
    private static readonly Lazy<bool> HasGnuTime = new(() =>
    {
        if (!File.Exists(GnuTime)) return false;
        try
        {
            var run = StartAndWait(GnuTime, new[] { "-f", "%M", "true" }, null);
            return run.ExitCode == 0 && long.TryParse(run.Stderr.Trim().Split('\n')[^1], out _);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException)
        {
            return false;
        }
    });

    public static string MemoryMethod => HasGnuTime.Value
        ? "peak memory of a child = its max RSS (ru_maxrss from wait4) as `/usr/bin/time -f %M` reports it: the kernel's high-water mark of resident memory over the whole process life (shared library pages included, as VmHWM)"
        : "peak memory of a child = its peak working set (VmHWM) polled every 2 ms while it runs (growth in its last 2 ms can be missed; no GNU time on this machine)";

    /// <summary>Child environment: no telemetry or update check (loopback only), nothing else changed.</summary>
    public static readonly IReadOnlyDictionary<string, string> QuietEnvironment = new Dictionary<string, string>
    {
        ["POWERSHELL_TELEMETRY_OPTOUT"] = "1",
        ["POWERSHELL_UPDATECHECK"] = "Off",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
    };

    public static async Task<ChildRun> RunAsync(string file, IReadOnlyList<string> arguments, string? workingDirectory = null)
    {
        if (HasGnuTime.Value)
        {
            var resultFile = Path.GetTempFileName();
            try
            {
                var run = await Task.Run(() => StartAndWait(GnuTime, new[] { "-f", "%M %U %S", "-o", resultFile, file }.Concat(arguments).ToArray(), QuietEnvironment, workingDirectory: workingDirectory))
                    .ConfigureAwait(false);
                var last = File.ReadAllLines(resultFile).LastOrDefault(l => l.Trim().Length > 0)?.Split(' ');
                double? peak = null, cpu = null;
                if (last is { Length: 3 } && long.TryParse(last[0], out var kib))
                {
                    peak = kib / 1024.0;
                    cpu = (double.Parse(last[1], CultureInfo.InvariantCulture) + double.Parse(last[2], CultureInfo.InvariantCulture)) * 1000;
                }

                return run with { PeakMiB = peak, CpuMs = cpu };
            }
            finally
            {
                File.Delete(resultFile);
            }
        }

        return await Task.Run(() => StartAndWait(file, arguments, QuietEnvironment, pollPeak: true, workingDirectory: workingDirectory)).ConfigureAwait(false);
    }

    private static ChildRun StartAndWait(string file, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment, bool pollPeak = false,
        string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        foreach (var a in arguments) info.ArgumentList.Add(a);
        if (environment is not null) foreach (var (k, v) in environment) info.Environment[k] = v;
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        process.StandardInput.Close(); // as a pipeline task's: nothing to read
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        long peak = 0;
        if (pollPeak)
        {
            while (!process.WaitForExit(2))
            {
                try
                {
                    process.Refresh();
                    peak = Math.Max(peak, process.PeakWorkingSet64);
                }
                catch (InvalidOperationException)
                {
                    break; // ended between the two calls
                }
            }
        }

        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} ran for more than 2 minutes");
        }

        var wall = stopwatch.Elapsed.TotalMilliseconds;
        process.WaitForExit(); // and its output read to the end
        return new ChildRun(wall, pollPeak && peak > 0 ? peak / 1048576.0 : null, null, process.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>This process's own memory, for the in-session groups (Linux /proc; elsewhere the working set only).</summary>
internal static class OwnMemory
{
    /// <summary>Resets this process's VmHWM to its current RSS (Linux 4.0+, writing 5 to /proc/self/clear_refs); false where that is not possible.</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static double WorkingSetMiB()
    {
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64 / 1048576.0;
    }

    public static double PeakMiB()
    {
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64 / 1048576.0;
    }

    /// <summary>"working set 180 -> 196 MiB, peak 210 MiB during the group": what an in-session group cost this process.</summary>
    public static string Describe(double before, bool peakReset) =>
        $"this process: working set {before:0} -> {WorkingSetMiB():0} MiB, peak {PeakMiB():0} MiB {(peakReset ? "during the group" : "since start (VmHWM could not be reset)")}, GC heap {GC.GetTotalMemory(false) / 1048576.0:0} MiB";
}
