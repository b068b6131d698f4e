using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MeshCluster.TestGround;

/// <summary>A request <see cref="PlainHttpServer"/> received: what was asked, and whether a credential came with it.</summary>
public sealed record PlainHttpRequest(string Method, string Target, bool HadAuthorization);

/// <summary>
/// A loopback http server (no TLS) for what no API server plays (issue 20): a planted remote secret's server, or a wrong URL.
/// <see cref="Endless"/> answers every request 200 with <c>{"items":[0,0,0,...</c> until the client hangs up; <see cref="Answering"/>
/// answers every path with the same JSON. Each records the requests it got (<see cref="Received"/>: path, and whether an
/// Authorization header came along) and counts what it sent.
/// </summary>
public sealed class PlainHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<PlainHttpRequest> _received = new();
    private readonly string? _json;
    private long _sent;

    private PlainHttpServer(string? json)
    {
        _json = json;
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    /// <summary>Answers every request with a JSON body without end.</summary>
    public static PlainHttpServer Endless() => new(null);

    /// <summary>Answers every request 200 with <paramref name="json"/>.</summary>
    public static PlainHttpServer Answering(string json) => new(json);

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>http://127.0.0.1:&lt;port&gt;</summary>
    public string Server => $"http://127.0.0.1:{Port}";

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<PlainHttpRequest> Received => _received.ToArray();

    public int Requests => _received.Count;
    public long BytesSent => Interlocked.Read(ref _sent);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var buffer = new byte[8192];
                var head = new StringBuilder();
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await stream.ReadAsync(buffer, _stop.Token).ConfigureAwait(false);
                    if (n == 0) return;
                    head.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }

                var lines = head.ToString().Split("\r\n");
                var first = lines[0].Split(' ');
                _received.Enqueue(new PlainHttpRequest(first[0], first.Length > 1 ? first[1] : string.Empty,
                    lines.Any(l => l.StartsWith("Authorization:", StringComparison.OrdinalIgnoreCase))));
                if (_json is { } json)
                {
                    var body = Encoding.UTF8.GetBytes(json);
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(
                        $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"), _stop.Token).ConfigureAwait(false);
                    await stream.WriteAsync(body, _stop.Token).ConfigureAwait(false);
                    Interlocked.Add(ref _sent, body.Length);
                    return;
                }

                await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"items\":["), _stop.Token)
                    .ConfigureAwait(false);
                var chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("0,", 32 * 1024)));
                while (!_stop.IsCancellationRequested)
                {
                    await stream.WriteAsync(chunk, _stop.Token).ConfigureAwait(false);
                    Interlocked.Add(ref _sent, chunk.Length);
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
                // The client hung up: what it should do.
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
