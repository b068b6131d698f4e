using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using k8s;
using k8s.Models;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests.TestGround;

/// <summary>The fault proxy against the real API server of cluster2, with clients built directly (not the module).</summary>
public sealed class FaultProxyTests(ClustersFixture fixture)
{
    private readonly TestCluster _cluster = fixture.Clusters.Cluster2;

    [Fact]
    public async Task Passes_everything_through_and_records_each_request()
    {
        await using var proxy = FaultProxy.Start(_cluster);
        Assert.Equal("cluster2-faulty", proxy.ContextName);
        Assert.True(proxy.ChainsToClusterCa);
        using var client = ProxyClients.Kube(proxy.KubeConfigPath, proxy.ContextName);

        var namespaces = await client.CoreV1.ListNamespaceAsync(cancellationToken: Ct);
        var kubeSystem = await client.CoreV1.ReadNamespaceAsync("kube-system", cancellationToken: Ct);

        Assert.Contains(namespaces.Items, n => n.Metadata.Name == "kube-system");
        Assert.Equal((await _cluster.Admin.CoreV1.ReadNamespaceAsync("kube-system", cancellationToken: Ct)).Metadata.Uid, kubeSystem.Metadata.Uid);
        Assert.Collection(proxy.Requests,
            r => Assert.Equal(("GET", "/api/v1/namespaces", 200), (r.Method, r.Path, r.Status)),
            r => Assert.Equal(("GET", "/api/v1/namespaces/kube-system", 200), (r.Method, r.Path, r.Status)));
        Assert.All(proxy.Requests, r =>
        {
            Assert.Null(r.Fault);
            Assert.Equal(ProxiedOutcome.Answered, r.Outcome);
            Assert.True(r.HadBearerToken);
            Assert.True(r.CompletedAt >= r.ReceivedAt);
        });

        // The proxy's kubeconfig keeps the test ground's contexts beside the new one, and verifies TLS.
        Assert.DoesNotContain("insecure-skip-tls-verify", await File.ReadAllTextAsync(proxy.KubeConfigPath, Ct));
        using var direct = ProxyClients.Kube(proxy.KubeConfigPath, "cluster1");
        await direct.CoreV1.ReadNamespaceAsync("default", cancellationToken: Ct);
        Assert.Equal(2, proxy.Requests.Count);
    }

    [Theory]
    [InlineData(429, 2)]
    [InlineData(503, null)]
    public async Task A_status_fault_answers_its_code_for_the_next_matching_request_only(int code, int? retryAfter)
    {
        await using var proxy = FaultProxy.Start(_cluster);
        var rule = proxy.Inject(Fault.Status(code, retryAfter), times: 1, when: r => r.Path == "/api/v1/namespaces/default");
        using var http = ProxyClients.Http(proxy.KubeConfigPath, proxy.ContextName, proxy.CaFile);

        using var other = await http.GetAsync("/api/v1/namespaces/kube-system", Ct);
        using var faulted = await http.GetAsync("/api/v1/namespaces/default", Ct);
        using var next = await http.GetAsync("/api/v1/namespaces/default", Ct);

        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(code, (int)faulted.StatusCode);
        Assert.Equal(retryAfter, (int?)faulted.Headers.RetryAfter?.Delta?.TotalSeconds);
        var status = KubernetesJson.Deserialize<V1Status>(await faulted.Content.ReadAsStringAsync(Ct));
        Assert.Equal(("Status", code, code == 429 ? "TooManyRequests" : "ServiceUnavailable"), (status.Kind, status.Code, status.Reason));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal((1, 0), (rule.Applied, rule.Remaining));
        Assert.Equal(new int?[] { 200, code, 200 }, proxy.Requests.Select(r => r.Status));
        Assert.Equal(FaultKind.Status, proxy.Requests[1].Fault?.Kind);
    }

    [Fact]
    public async Task Drop_resets_the_connection_and_a_reset_mid_body_cuts_the_answer_or_the_watch()
    {
        await using var proxy = FaultProxy.Start(_cluster);
        using var http = ProxyClients.Http(proxy.KubeConfigPath, proxy.ContextName, proxy.CaFile);
        proxy.Inject(Fault.Drop(), times: 1);
        proxy.Inject(Fault.ResetMidBody(), times: 1, when: r => !r.IsWatch);
        proxy.Inject(Fault.ResetMidBody(afterBytes: 0), times: 1, when: r => r.IsWatch);
        // One small object: its answer has a Content-Length (a long list may come chunked).
        const string url = "/api/v1/namespaces/kube-system";

        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(url, Ct));
        using (var cut = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, cut.StatusCode);
            var length = Assert.NotNull(cut.Content.Headers.ContentLength);
            var received = await ReadUntilResetAsync(cut);
            Assert.InRange(received, 1, length - 1);
        }

        using (var watch = await http.GetAsync("/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=30", HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, watch.StatusCode);
            Assert.Equal(0, await ReadUntilResetAsync(watch));
        }

        using var after = await http.GetAsync(url, Ct);

        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Collection(proxy.Requests,
            r => Assert.Equal((FaultKind.Drop, null, ProxiedOutcome.ClosedByProxy), (r.Fault?.Kind, r.Status, r.Outcome)),
            r => Assert.Equal((FaultKind.ResetMidBody, 200, ProxiedOutcome.ClosedByProxy), (r.Fault?.Kind, r.Status, r.Outcome)),
            r => Assert.Equal((FaultKind.ResetMidBody, 200, ProxiedOutcome.ClosedByProxy), (r.Fault?.Kind, r.Status, r.Outcome)),
            r => Assert.Equal((null, 200, ProxiedOutcome.Answered), (r.Fault?.Kind, r.Status, r.Outcome)));
    }

    [Fact]
    public async Task A_garbage_body_is_a_200_that_is_not_JSON()
    {
        await using var proxy = FaultProxy.Start(_cluster);
        proxy.Inject(Fault.GarbageBody(), times: 1);
        using var http = ProxyClients.Http(proxy.KubeConfigPath, proxy.ContextName, proxy.CaFile);

        using var response = await http.GetAsync("/api/v1/namespaces", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(body));
    }

    [Fact]
    public async Task Hold_keeps_a_request_open_until_released_or_the_client_gives_up()
    {
        await using var proxy = FaultProxy.Start(_cluster);
        proxy.Inject(Fault.Hold(), times: 2, when: r => r.Path == "/api/v1/namespaces/default");
        using var client = ProxyClients.Kube(proxy.KubeConfigPath, proxy.ContextName);

        var held = client.CoreV1.ReadNamespaceAsync("default", cancellationToken: Ct);
        var first = await proxy.WaitForRequestAsync(r => r.Path == "/api/v1/namespaces/default", TimeSpan.FromSeconds(10), Ct);
        await Task.Delay(300, Ct);
        Assert.False(held.IsCompleted);
        Assert.Equal((1, ProxiedOutcome.InProgress), (proxy.HeldCount, first.Outcome));
        proxy.ReleaseHeld();
        Assert.Equal("default", (await held).Metadata.Name);
        Assert.Equal((ProxiedOutcome.Answered, 200), (first.Outcome, first.Status));

        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        giveUp.CancelAfter(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.CoreV1.ReadNamespaceAsync("default", cancellationToken: giveUp.Token));
        var second = proxy.Requests[1];
        await WaitAsync(() => second.Outcome != ProxiedOutcome.InProgress);
        Assert.Equal((ProxiedOutcome.ClosedByClient, null, 0), (second.Outcome, second.Status, proxy.HeldCount));

        // A timed hold is a slow server: it answers by itself.
        proxy.Inject(Fault.Hold(TimeSpan.FromMilliseconds(300)), times: 1);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal("default", (await client.CoreV1.ReadNamespaceAsync("default", cancellationToken: Ct)).Metadata.Name);
        Assert.True(stopwatch.ElapsedMilliseconds >= 300, $"answered after {stopwatch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Disposing_ends_held_requests_and_open_watches_and_closes_the_port()
    {
        var proxy = FaultProxy.Start(_cluster);
        using var http = ProxyClients.Http(proxy.KubeConfigPath, proxy.ContextName, proxy.CaFile);
        proxy.Inject(Fault.Hold(), when: r => !r.IsWatch);
        var held = http.GetAsync("/api/v1/namespaces/default", Ct);
        using var watch = await http.GetAsync("/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=60", HttpCompletionOption.ResponseHeadersRead, Ct);
        var watchStream = await watch.Content.ReadAsStreamAsync(Ct);
        await proxy.WaitForRequestAsync(r => !r.IsWatch, TimeSpan.FromSeconds(10), Ct);
        var kubeConfig = proxy.KubeConfigPath;

        await proxy.DisposeAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() => held);
        await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            while (await watchStream.ReadAsync(new byte[4096], Ct) > 0)
            {
            }
        });
        Assert.All(proxy.Requests, r => Assert.Equal(ProxiedOutcome.ClosedByProxy, r.Outcome));
        Assert.False(File.Exists(kubeConfig));
        using var tcp = new TcpClient();
        var refused = await Assert.ThrowsAsync<SocketException>(() => tcp.ConnectAsync(IPAddress.Loopback, proxy.Port, Ct).AsTask());
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task A_certificate_for_another_name_fails_name_verification_but_chains_to_the_cluster_CA()
    {
        await using var proxy = FaultProxy.Start(_cluster);
        proxy.PresentCertificateFor("wrong.example");
        using (var verifying = ProxyClients.Http(proxy.KubeConfigPath, proxy.ContextName, _cluster.CaFile))
        using (var chainOnly = ProxyClients.Http(proxy.KubeConfigPath, proxy.ContextName, _cluster.CaFile, verifyName: false))
        {
            var refused = await Assert.ThrowsAsync<HttpRequestException>(() => verifying.GetAsync("/api/v1/namespaces/default", Ct));
            Assert.IsType<System.Security.Authentication.AuthenticationException>(refused.InnerException);
            Assert.Empty(proxy.Requests); // the token never left the client

            using var accepted = await chainOnly.GetAsync("/api/v1/namespaces/default", Ct);
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        proxy.PresentCorrectCertificate();
        using var again = ProxyClients.Http(proxy.KubeConfigPath, proxy.ContextName, _cluster.CaFile);
        using var response = await again.GetAsync("/api/v1/namespaces/default", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Refused_connections_are_refused_until_accepted_again_on_the_same_port()
    {
        await using var proxy = FaultProxy.Start(_cluster);
        using var http = ProxyClients.Http(proxy.KubeConfigPath, proxy.ContextName, proxy.CaFile);
        using (var before = await http.GetAsync("/api/v1/namespaces/default", Ct)) Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        proxy.RefuseConnections();
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/api/v1/namespaces/default", Ct));
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(refused.InnerException).SocketErrorCode);

        proxy.AcceptConnections();
        using var after = await http.GetAsync("/api/v1/namespaces/default", Ct);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(2, proxy.Requests.Count);
    }

    /// <summary>Reads the body until the connection is reset (a TCP RST, not an end of stream); returns the bytes that came.</summary>
    private static async Task<int> ReadUntilResetAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStreamAsync(Ct);
        var buffer = new byte[64 * 1024];
        var received = 0;
        var reset = await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            int read;
            while ((read = await body.ReadAsync(buffer, Ct)) > 0) received += read;
        });
        Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(reset.InnerException).SocketErrorCode);
        return received;
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not come true within 10 s");
            await Task.Delay(10, Ct);
        }
    }
}
