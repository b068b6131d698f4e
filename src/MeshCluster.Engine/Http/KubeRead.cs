using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace MeshCluster.Engine.Http;

/// <summary>
/// The hot reads (issue 21): a GET of one object through the connection's own HttpClient, so through the same handlers as every
/// other request (the server's certificate and name checked by <see cref="TlsVerifier"/>, the token registered for redaction,
/// passing failures retried within the 30 s deadline, the body of one object buffered up to 16 MiB), the credentials added as KubernetesClient
/// adds them, and every failure translated by <see cref="KubeApi"/> into the same error ids. Only the reading differs: the answer
/// goes into the few fields the module uses (<see cref="ShapeJson"/>, source-generated) instead of KubernetesClient's full model,
/// whose JSON metadata (one context for every Kubernetes type) cost a fresh PowerShell about 2,400 JIT-compiled methods
/// before the first answer could be read.
/// </summary>
internal static class KubeRead
{
    /// <summary>The object at <paramref name="path"/> (relative to the server, as api/v1/namespaces/ns/services/name); null on a 404.</summary>
    public static async Task<T?> TryGetAsync<T>(KubeConnection connection, string what, string path, JsonTypeInfo<T> type, CancellationToken ct)
        where T : class, IObjectShape
    {
        try
        {
            return await KubeApi.GuardAsync(connection, what, async () =>
                ReplyShape.Require(connection, what, await GetAsync(connection, path, type, ct).ConfigureAwait(false)), ct).ConfigureAwait(false);
        }
        catch (Errors.MeshClusterException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// The items of the list at <paramref name="path"/> (api/v1/namespaces/ns/pods) that <paramref name="labelSelector"/> selects, at
    /// most <paramref name="limit"/> of them; the list and each item checked for their shape (<see cref="ReplyShape"/>).
    /// </summary>
    public static async Task<IReadOnlyList<T>> ListAsync<T>(KubeConnection connection, string what, string path, string labelSelector, int? limit,
        JsonTypeInfo<ListShape<T>> type, CancellationToken ct)
        where T : class, IObjectShape
    {
        var query = $"{path}?labelSelector={Uri.EscapeDataString(labelSelector)}" + (limit is { } n ? $"&limit={n}" : string.Empty);
        var list = await KubeApi.GuardAsync(connection, what, async () =>
            ReplyShape.Require(connection, what, await GetAsync(connection, query, type, ct).ConfigureAwait(false)), ct).ConfigureAwait(false);
        var items = list!.Items ?? Array.Empty<T>(); // Require refused a null reply and a list without items
        foreach (var item in items) ReplyShape.Require(connection, what, item);
        return items;
    }

    private static async Task<T?> GetAsync<T>(KubeConnection connection, string path, JsonTypeInfo<T> type, CancellationToken ct)
        where T : class
    {
        // KubernetesClient's own request: its URL, HTTP version, Host (tls-server-name) and credentials, and a non-2xx answer as
        // its HttpOperationException, which KubeApi.GuardAsync translates as for a typed call.
        // Every connection's client is a KubeClient (KubeClientFactory makes them all).
        using var response = await ((KubeClient)connection.Client).GetAsync(path, ct).ConfigureAwait(false);
        // The body is buffered already (TransientRetryHandler: one object, at most 16 MiB).
        var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await JsonSerializer.DeserializeAsync(stream, type, ct).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// KubernetesClient's client, with its request path open to <see cref="KubeRead"/>: a GET made exactly as its typed operations make
/// theirs (SendRequest), whose body the caller reads.
/// </summary>
internal sealed class KubeClient(k8s.KubernetesClientConfiguration configuration, params DelegatingHandler[] handlers)
    : k8s.Kubernetes(configuration, handlers)
{
    public Task<HttpResponseMessage> GetAsync(string path, CancellationToken ct) => SendRequest<object?>(path, HttpMethod.Get, null, null, ct);
}
