using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MeshCluster.TestGround;

/// <summary>
/// One server process of the test ground, started through a small bash watchdog: the watchdog sends
/// its output to a log file and kills the server when the test process dies (a crashed test host
/// leaves no orphan apiserver or etcd behind), or when it is itself told to stop.
/// </summary>
internal sealed class ManagedProcess : IAsyncDisposable
{
    // $1 parent pid, $2 log file, then the command. `sleep & wait` lets the TERM trap run at once.
    private const string Watchdog = """
        parent=$1; log=$2; shift 2
        exec >>"$log" 2>&1 </dev/null
        "$@" & child=$!
        stop() {
          kill -TERM "$child" 2>/dev/null
          for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$child" 2>/dev/null || break; sleep 0.5; done
          kill -KILL "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0
        }
        trap stop TERM INT HUP
        while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1 & wait $!; done
        kill -0 "$child" 2>/dev/null && echo "watchdog: test process $parent is gone; stopping $child"
        stop
        """;

    private readonly Process _process;

    private ManagedProcess(string name, string logFile, Process process)
    {
        Name = name;
        LogFile = logFile;
        _process = process;
    }

    public string Name { get; }
    public string LogFile { get; }
    public bool HasExited => _process.HasExited;

    public static ManagedProcess Start(string name, string executable, IEnumerable<string> arguments, string logFile)
    {
        if (!File.Exists(executable)) throw new FileNotFoundException($"{name}: {executable} does not exist.", executable);
        File.WriteAllText(logFile, $"# {executable} {string.Join(' ', arguments)}{Environment.NewLine}");
        var start = new ProcessStartInfo("/bin/bash") { UseShellExecute = false, RedirectStandardInput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Watchdog);
        start.ArgumentList.Add("meshcluster-watchdog");
        start.ArgumentList.Add(Environment.ProcessId.ToString());
        start.ArgumentList.Add(logFile);
        start.ArgumentList.Add(executable);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name}: bash did not start.");
        process.StandardInput.Close();
        return new ManagedProcess(name, logFile, process);
    }

    /// <summary>CPU time the server (the watchdog's child) has used so far; null where /proc cannot tell.</summary>
    public TimeSpan? ServerCpuTime()
    {
        try
        {
            var children = File.ReadAllText($"/proc/{_process.Id}/task/{_process.Id}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var child in children)
            {
                var stat = File.ReadAllText($"/proc/{child}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (stat.Contains("(sleep)")) continue;
                // utime and stime (fields 14 and 15 of stat) in clock ticks of 1/100 s.
                return TimeSpan.FromSeconds((long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
        }

        return null;
    }

    /// <summary>The last lines of the log, for an exception that says why a server did not come up.</summary>
    public string LogTail(int lines = 40)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException ex)
        {
            return $"(log {LogFile} unreadable: {ex.Message})";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, 15); // SIGTERM: the watchdog stops the server, waiting up to 5 s
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(8));
            try
            {
                await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }

        _process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
