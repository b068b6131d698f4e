using System.Net;
using System.Text.Json;
using k8s;
using k8s.Models;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests.TestGround;

/// <summary>The fault proxy's watch faults against the real API server of cluster2.</summary>
public sealed class FaultProxyWatchTests(ClustersFixture fixture)
{
    private readonly TestCluster _cluster = fixture.Clusters.Cluster2;

    [Fact]
    public async Task Watch_faults_close_early_send_410_Gone_or_a_garbage_line_and_spare_other_requests()
    {
        var ns = fixture.UniqueName("tg-proxy-watch");
        await _cluster.EnsureNamespaceAsync(ns, Ct);
        foreach (var name in new[] { "a", "b" })
        {
            await _cluster.Admin.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name } }, ns, cancellationToken: Ct);
        }

        await using var proxy = FaultProxy.Start(_cluster);
        using var http = ProxyClients.Http(proxy.KubeConfigPath, proxy.ContextName, proxy.CaFile);
        // A watch without a resourceVersion starts with an ADDED event per existing object: two here.
        var watch = $"/api/v1/namespaces/{ns}/configmaps?watch=true&timeoutSeconds=10";

        proxy.Inject(Fault.CloseWatch(afterEvents: 1), times: 1);
        var closed = await ReadLinesAsync(http, watch, max: 3);
        Assert.Equal("ADDED", EventType(Assert.Single(closed)));

        proxy.Inject(Fault.WatchGarbageLine(afterEvents: 1), times: 1);
        var garbled = await ReadLinesAsync(http, watch, max: 3);
        Assert.Equal(3, garbled.Count);
        Assert.Equal("ADDED", EventType(garbled[0]));
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(garbled[1]));
        Assert.Equal("ADDED", EventType(garbled[2]));

        proxy.Inject(Fault.WatchGone());
        using var list = await http.GetAsync($"/api/v1/namespaces/{ns}/configmaps", Ct); // not a watch: untouched
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var gone = await ReadLinesAsync(http, watch, max: 3);
        using (var error = JsonDocument.Parse(Assert.Single(gone)))
        {
            Assert.Equal("ERROR", error.RootElement.GetProperty("type").GetString());
            Assert.Equal(410, error.RootElement.GetProperty("object").GetProperty("code").GetInt32());
            Assert.Equal("Expired", error.RootElement.GetProperty("object").GetProperty("reason").GetString());
        }

        // KubernetesClient sees it as the module does: a KubernetesException with the 410 Status, and no event.
        using var client = ProxyClients.Kube(proxy.KubeConfigPath, proxy.ContextName);
        Exception? watchError = null;
        var events = 0;
        await foreach (var _ in client.CoreV1.WatchListNamespacedConfigMapAsync(ns, timeoutSeconds: 10, onError: e => watchError ??= e, cancellationToken: Ct))
        {
            events++;
        }

        Assert.Equal(0, events);
        Assert.Equal(410, Assert.IsType<KubernetesException>(watchError).Status.Code);
        Assert.Equal(new[] { FaultKind.CloseWatch, FaultKind.WatchGarbageLine, FaultKind.WatchGone, FaultKind.WatchGone },
            proxy.Requests.Where(r => r.IsWatch).Select(r => r.Fault!.Kind));
    }

    private static string EventType(string line)
    {
        using var json = JsonDocument.Parse(line);
        return json.RootElement.GetProperty("type").GetString()!;
    }

    /// <summary>The lines of a watch until it ends or <paramref name="max"/> lines came.</summary>
    private static async Task<List<string>> ReadLinesAsync(HttpClient http, string watch, int max)
    {
        using var response = await http.GetAsync(watch, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        var lines = new List<string>();
        while (lines.Count < max && await reader.ReadLineAsync(Ct) is { } line) lines.Add(line);
        return lines;
    }
}
