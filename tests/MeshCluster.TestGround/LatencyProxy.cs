using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace MeshCluster.TestGround;

/// <summary>
/// A loopback TCP proxy that puts a cluster's API server a network away: bytes pass untouched (TLS
/// end to end, the API server's own certificate for 127.0.0.1), each chunk delivered
/// <see cref="OneWayDelay"/> after it was read, in each direction. Delays are pipelined, as on a
/// real link (a stream of chunks arrives one delay late, not one delay per chunk), and every
/// connection has its own pumps, so connections never wait for each other. TCP's own handshake is
/// not delayed: connection set-up costs the TLS round trips only.
/// <code>
/// await using var far = LatencyProxy.Start(clusters.Cluster2, TimeSpan.FromMilliseconds(25));
/// var kubeConfig = far.WriteKubeConfig(Enumerable.Range(1, 20).Select(i => $"remote-{i}"));   // or far.KubeConfigPath / far.ContextName
/// </code>
/// </summary>
public sealed class LatencyProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _tasks = new();
    private readonly string _workDir;
    private readonly Task _acceptLoop;
    private int _connections;

    private LatencyProxy(TestCluster cluster, TimeSpan oneWayDelay, string contextName, string workDir)
    {
        Cluster = cluster;
        OneWayDelay = oneWayDelay;
        ContextName = contextName;
        _workDir = workDir;
        var server = new Uri(cluster.Server);
        _upstream = new IPEndPoint(IPAddress.Parse(server.Host), server.Port);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        KubeConfigPath = WriteKubeConfig(new[] { contextName }, Path.Combine(workDir, "kubeconfig"));
        _acceptLoop = AcceptLoopAsync();
    }

    public TestCluster Cluster { get; }

    /// <summary>The delay each chunk gets, in each direction (a round trip costs twice this).</summary>
    public TimeSpan OneWayDelay { get; }

    public int Port { get; }

    /// <summary>https://127.0.0.1:&lt;port&gt;: the API server's certificate (IP SAN 127.0.0.1) verifies here too.</summary>
    public string Server => $"https://127.0.0.1:{Port}";

    /// <summary>The context through the proxy in <see cref="KubeConfigPath"/> (default "&lt;cluster&gt;-far").</summary>
    public string ContextName { get; }

    /// <summary>The test ground's kubeconfig plus <see cref="ContextName"/> (deleted on dispose).</summary>
    public string KubeConfigPath { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Starts the proxy on a free loopback port (default delay 25 ms each way).</summary>
    public static LatencyProxy Start(TestCluster cluster, TimeSpan? oneWayDelay = null, string? contextName = null)
    {
        var delay = oneWayDelay ?? TimeSpan.FromMilliseconds(25);
        if (delay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(oneWayDelay));
        var workDir = Directory.CreateTempSubdirectory("meshcluster-latencyproxy-").FullName;
        return new LatencyProxy(cluster, delay, contextName ?? cluster.ContextName + "-far", workDir);
    }

    /// <summary>
    /// Writes the test ground's kubeconfig plus one context per name, each through this proxy with the
    /// cluster's CA and user (distinct contexts: the module makes a client, and a connection, for each).
    /// Default path: a new file in the proxy's folder. Returns the path.
    /// </summary>
    public string WriteKubeConfig(IEnumerable<string> contextNames, string? path = null)
    {
        path ??= Path.Combine(_workDir, $"kubeconfig-{Guid.NewGuid():N}");
        ProxyKubeConfig.Write(Cluster, path, Server, File.ReadAllText(Cluster.CaFile), contextNames);
        return path;
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            lock (_tasks)
            {
                _tasks.RemoveAll(t => t.IsCompleted);
                _tasks.Add(Task.Run(() => RelayAsync(client)));
            }
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        try
        {
            client.NoDelay = true;
            await server.ConnectAsync(_upstream, connection.Token).ConfigureAwait(false);
            var up = PumpAsync(client, server, connection.Token);
            var down = PumpAsync(server, client, connection.Token);
            // A failure either way ends both; a clean end (FIN) waits for the other direction.
            if (await Task.WhenAny(up, down).ConfigureAwait(false) is { IsFaulted: true } or { IsCanceled: true }) connection.Cancel();
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Resets end the relay; the other side sees its connection close.
        }
        finally
        {
            client.Dispose();
        }
    }

    /// <summary>
    /// Reads from one side and delivers each chunk to the other at (time read + delay); the end of
    /// the stream is passed on (as a half-close) with the same delay.
    /// </summary>
    private async Task PumpAsync(Socket from, Socket to, CancellationToken ct)
    {
        var queue = Channel.CreateUnbounded<(byte[] Data, long Due)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var delayTicks = (long)(OneWayDelay.TotalSeconds * Stopwatch.Frequency);
        var writer = DeliverAsync(queue.Reader, to, ct);
        try
        {
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None, ct).ConfigureAwait(false)) > 0)
            {
                queue.Writer.TryWrite((buffer[..read], Stopwatch.GetTimestamp() + delayTicks));
            }

            queue.Writer.TryWrite((Array.Empty<byte>(), Stopwatch.GetTimestamp() + delayTicks));
        }
        finally
        {
            queue.Writer.TryComplete();
            // Observed either way: a failed read already ends the relay.
            await writer.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
                .ConfigureAwait(false);
        }

        await writer.ConfigureAwait(false);
    }

    private static async Task DeliverAsync(ChannelReader<(byte[] Data, long Due)> queue, Socket to, CancellationToken ct)
    {
        await foreach (var (data, due) in queue.ReadAllAsync(ct).ConfigureAwait(false))
        {
            // Never early: Task.Delay may wake a little before its time.
            long left;
            while ((left = due - Stopwatch.GetTimestamp()) > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(left * 1000.0 / Stopwatch.Frequency)), ct).ConfigureAwait(false);
            }

            if (data.Length == 0)
            {
                to.Shutdown(SocketShutdown.Send);
                return;
            }

            for (var sent = 0; sent < data.Length;)
            {
                sent += await to.SendAsync(data.AsMemory(sent), SocketFlags.None, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Stops listening, ends every relay and deletes the kubeconfigs.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        _listener.Stop();
        Task[] tasks;
        lock (_tasks) tasks = _tasks.Append(_acceptLoop).ToArray();
        await Task.WhenAny(Task.WhenAll(tasks), Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        try { Directory.Delete(_workDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
