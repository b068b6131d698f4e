using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MeshCluster.Module.Tests.Hostile;

/// <summary>
/// Issue 20, point 4: an API answer is read up to what an answer can legitimately be (128 MiB), not buffered up to 2 GiB. A
/// loopback server that answers every request with a JSON body without end plays a planted server or a wrong URL.
/// </summary>
public sealed class BoundedReadTests(ClustersFixture fixture) : TempFolderTest("i20-bounded-")
{
    // Get-IstioRemoteSecret makes two reads at once (its Secrets and istiod's cluster id); Get-IstioDiscoveryAddress one, by the
    // hot read path of issue 21 (KubeRead), which must keep the same limit. A retry would make more.
    [Theory]
    [InlineData("Get-IstioRemoteSecret", 2)]
    [InlineData("Get-IstioDiscoveryAddress", 1)]
    public async Task An_answer_without_end_is_KubeApiResponseTooLarge(string command, int reads)
    {
        using var server = new EndlessServer();
        var kubeConfig = Path.Combine(TempDir, "endless.yaml");
        await File.WriteAllTextAsync(kubeConfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: endless
              cluster:
                server: http://127.0.0.1:{server.Port}
            users:
            - name: nobody
              user:
                username: nobody
                password: not-a-secret
            contexts:
            - name: endless
              context:
                cluster: endless
                user: nobody
            current-context: endless
            """, TestContext.Current.CancellationToken);
        using var session = fixture.NewSession();

        var result = session.Invoke(command + " -KubeConfig $args[0] -WarningAction SilentlyContinue", kubeConfig);

        var error = Assert.Single(result.Errors);
        Assert.True(error.FullyQualifiedErrorId.StartsWith("KubeApiResponseTooLarge,", StringComparison.Ordinal), error.FullyQualifiedErrorId + ": " + error);
        Assert.Equal(System.Management.Automation.ErrorCategory.LimitsExceeded, error.CategoryInfo.Category);
        Assert.Contains("128 MiB", error.ToString());
        // Not retried: an answer that large does not get smaller; each read is sent once.
        Assert.InRange(server.Requests, 1, reads);
        Assert.True(server.BytesSent >= TransientReadLimit, $"{server.BytesSent}");
    }

    private const long TransientReadLimit = 128L * 1024 * 1024;

    /// <summary>Answers every request 200 with <c>{"items":[0,0,0,...</c> until the client hangs up.</summary>
    private sealed class EndlessServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private int _requests;
        private long _sent;

        public EndlessServer()
        {
            _listener.Start();
            _ = Task.Run(AcceptAsync);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
        public int Requests => Volatile.Read(ref _requests);
        public long BytesSent => Interlocked.Read(ref _sent);

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception)
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
                        var n = await stream.ReadAsync(buffer, _stop.Token);
                        if (n == 0) return;
                        head.Append(Encoding.ASCII.GetString(buffer, 0, n));
                    }

                    Interlocked.Increment(ref _requests);
                    await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"items\":["), _stop.Token);
                    var chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("0,", 32 * 1024)));
                    while (!_stop.IsCancellationRequested)
                    {
                        await stream.WriteAsync(chunk, _stop.Token);
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
}
