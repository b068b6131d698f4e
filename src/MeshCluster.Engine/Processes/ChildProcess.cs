using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.Processes;

/// <summary>How a child process ended, with the last lines it printed.</summary>
public sealed record ChildProcessResult(int ExitCode, IReadOnlyList<string> Tail, TimeSpan Duration);

/// <summary>
/// Runs a program and hands each line of stdout and stderr to <c>onLine</c> as it arrives (not after
/// exit). Cancellation kills the whole process tree, so Ctrl+C leaves no istioctl (or credential
/// plugin) behind. Arguments go to the program as given, one by one: no shell splits or interprets them.
/// </summary>
public static class ChildProcess
{
    public const int TailLines = 20;

    /// <param name="onLine">Each line as it comes, with true for stderr.</param>
    /// <param name="startFailed">The error when the program cannot be started (not found, not executable): the caller's id.</param>
    public static async Task<ChildProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string>? environment, Action<string, bool> onLine, Func<string, MeshClusterException> startFailed,
        CancellationToken ct)
    {
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            CreateNoWindow = true,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        if (environment is not null)
        {
            foreach (var (k, v) in environment) info.Environment[k] = v;
        }

        ct.ThrowIfCancellationRequested();
        var tail = new Queue<string>();
        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw startFailed(ex.Message.TrimEnd('.'));
        }

        // Nothing is ever typed in; closing stdin keeps a prompt from waiting forever.
        process.StandardInput.Close();

        void Line(string line, bool isError)
        {
            lock (tail)
            {
                tail.Enqueue(line);
                if (tail.Count > TailLines) tail.Dequeue();
            }

            onLine(line, isError);
        }

        var stdout = Pump(process.StandardOutput, false, Line);
        var stderr = Pump(process.StandardError, true, Line);
        using (ct.Register(() => Kill(process)))
        {
            try
            {
                await process.WaitForExitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Kill(process);
                throw;
            }
        }

        // The kill can end the process before the wait notices the token: a killed run is a cancel, not an exit code.
        ct.ThrowIfCancellationRequested();

        // The pipes close when the last holder exits; a grandchild keeping them open must not hang us.
        await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false);
        lock (tail)
        {
            return new ChildProcessResult(process.ExitCode, tail.ToArray(), stopwatch.Elapsed);
        }
    }

    private static async Task Pump(StreamReader reader, bool isError, Action<string, bool> line)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } text)
            {
                line(text, isError);
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or IOException)
        {
            // The process was killed and disposed while a line was being read: nothing more will come.
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited in between.
        }
        catch (Win32Exception)
        {
            // Exiting; nothing more to kill.
        }
    }
}
