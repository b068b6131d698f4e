using System.Diagnostics;
using System.Net.Security;
using k8s;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests.TestGround;

/// <summary>The latency proxy against the real API server of cluster2, with clients built directly (not the module).</summary>
public sealed class LatencyProxyTests(ClustersFixture fixture)
{
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(25);
    private readonly TestCluster _cluster = fixture.Clusters.Cluster2;
    private static void Out(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    [Fact]
    public async Task A_round_trip_through_it_takes_at_least_two_one_way_delays_and_TLS_is_the_API_servers_own()
    {
        await using var proxy = LatencyProxy.Start(_cluster, Delay);
        Assert.Equal("cluster2-far", proxy.ContextName);
        using var client = ProxyClients.Kube(proxy.KubeConfigPath, proxy.ContextName);
        await client.CoreV1.ListNamespaceAsync(cancellationToken: Ct); // connection and TLS set up

        var rounds = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            var ns = await client.CoreV1.ReadNamespaceAsync("kube-system", cancellationToken: Ct);
            rounds.Add(stopwatch.Elapsed.TotalMilliseconds);
            Assert.Equal("kube-system", ns.Metadata.Name);
        }

        Out($"round trips through a {Delay.TotalMilliseconds:0} ms proxy: {string.Join(", ", rounds.Select(r => r.ToString("0.0")))} ms");
        Assert.All(rounds, r => Assert.True(r >= 45, $"a round trip took {r:0.0} ms, less than two one-way delays"));
        Assert.Equal(1, proxy.Connections);

        // The certificate seen through the proxy is the API server's (for 127.0.0.1), not a proxy's.
        Assert.Equal(await PeerThumbprintAsync(_cluster.Server), await PeerThumbprintAsync(proxy.Server));
    }

    [Fact]
    public async Task Many_contexts_through_it_get_their_own_connections_and_answers_at_once()
    {
        await using var proxy = LatencyProxy.Start(_cluster, Delay);
        var contexts = Enumerable.Range(1, 8).Select(i => $"remote-{i:00}").ToArray();
        var kubeConfig = proxy.WriteKubeConfig(contexts);
        var expected = (await _cluster.Admin.CoreV1.ReadNamespaceAsync("kube-system", cancellationToken: Ct)).Metadata.Uid;

        var stopwatch = Stopwatch.StartNew();
        var uids = await Task.WhenAll(contexts.Select(async context =>
        {
            using var client = ProxyClients.Kube(kubeConfig, context);
            return (await client.CoreV1.ReadNamespaceAsync("kube-system", cancellationToken: Ct)).Metadata.Uid;
        }));
        Out($"{contexts.Length} concurrent first calls (connect, TLS, GET) through the proxy: {stopwatch.ElapsedMilliseconds} ms");

        Assert.All(uids, uid => Assert.Equal(expected, uid));
        Assert.Equal(contexts.Length, proxy.Connections);
        Assert.True(stopwatch.Elapsed.TotalMilliseconds >= 45);
    }

    private static async Task<string> PeerThumbprintAsync(string server)
    {
        var uri = new Uri(server);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port, Ct);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = uri.Host }, Ct);
        return tls.RemoteCertificate!.GetCertHashString();
    }
}
