using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace MeshCluster.TestGround;

/// <summary>The listening side (refusing, accepting, certificates) and the client to the API server.</summary>
public sealed partial class FaultProxy
{
    /// <summary>Stops listening (new connections are refused: ECONNREFUSED) and resets the open ones.</summary>
    public void RefuseConnections()
    {
        lock (_lock)
        {
            _listener?.Stop();
            _listener = null;
        }

        CloseConnections();
    }

    /// <summary>Listens again on the same port after <see cref="RefuseConnections"/>.</summary>
    public void AcceptConnections()
    {
        lock (_lock)
        {
            if (_listener is not null) return;
        }

        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        Listen(listener);
    }

    /// <summary>
    /// From the next connection on, presents a certificate still signed by <see cref="CaFile"/> but
    /// issued for these DNS names only (no IP address: for 127.0.0.1 it is a name mismatch). Open
    /// connections are reset so clients handshake again.
    /// </summary>
    public void PresentCertificateFor(params string[] dnsNames)
    {
        if (dnsNames.Length == 0) throw new ArgumentException("Give at least one DNS name.", nameof(dnsNames));
        SwapCertificate(Pki.IssueServing(_ca, dnsNames[0], Array.Empty<IPAddress>(), dnsNames));
    }

    /// <summary>Back to the certificate for 127.0.0.1 and localhost (open connections are reset).</summary>
    public void PresentCorrectCertificate() =>
        SwapCertificate(Pki.IssueServing(_ca, "meshcluster-fault-proxy", new[] { IPAddress.Loopback }, new[] { "localhost" }));

    /// <summary>Resets every open client connection (a pooled keep-alive connection included).</summary>
    public void CloseConnections()
    {
        Socket[] open;
        lock (_lock) open = _connections.ToArray();
        foreach (var socket in open) Reset(socket);
    }

    private void Listen(TcpListener listener)
    {
        lock (_lock)
        {
            _listener = listener;
            _tasks.Add(AcceptLoopAsync(listener));
        }
    }

    private async Task AcceptLoopAsync(TcpListener listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
            {
                return; // stopped: refusing, or disposed
            }

            socket.NoDelay = true;
            lock (_lock)
            {
                if (!ReferenceEquals(_listener, listener))
                {
                    Reset(socket); // accepted just as RefuseConnections stopped this listener
                    return;
                }

                _connections.Add(socket);
                _tasks.RemoveAll(t => t.IsCompleted);
                _tasks.Add(Task.Run(() => ServeAsync(socket)));
            }
        }
    }

    private void SwapCertificate(X509Certificate2 certificate)
    {
        Interlocked.Exchange(ref _certificate, certificate); // the old one may still be in a handshake: left to the GC
        CloseConnections();
    }

    private void Forget(Socket socket)
    {
        lock (_lock) _connections.Remove(socket);
        socket.Dispose();
    }

    /// <summary>Closes with RST (linger 0), as a crashed peer or a middlebox would.</summary>
    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static TaskCompletionSource NewRelease() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static HttpClient NewUpstreamClient(X509Certificate2 clusterCa)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            SslOptions = new SslClientAuthenticationOptions
            {
                // The API server's certificate: chained to the cluster's CA, and for 127.0.0.1.
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(clusterCa);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
                },
            },
        };
        return new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }
}
