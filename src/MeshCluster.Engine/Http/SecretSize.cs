using System.Management.Automation;
using System.Text;
using System.Text.Json;
using k8s.Models;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.Http;

/// <summary>
/// Kubernetes' limit on a Secret (issue 20, point 10): at most 1 MiB of data, the sum of its values' bytes (pkg/apis/core/validation
/// ValidateSecret, core.MaxSecretSize; stringData counts as the data it becomes). Past it the API server refuses the Secret with 422,
/// or, past etcd's 1.5 MiB request limit, resets the stream: the module says so before sending anything (<see cref="SecretSizeGuard"/>
/// for every write of a Secret; the remote secret's publisher asks earlier, before its first change).
/// </summary>
public static class SecretSize
{
    /// <summary>core.MaxSecretSize: 1 MiB.</summary>
    public const int MaxDataBytes = 1024 * 1024;

    /// <summary>The bytes of data the Secret would hold: data's values, and stringData's (which replace data's of the same key).</summary>
    public static long Measure(V1Secret secret)
    {
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, value) in secret.Data ?? new Dictionary<string, byte[]>()) sizes[key] = value?.Length ?? 0;
        foreach (var (key, value) in secret.StringData ?? new Dictionary<string, string>()) sizes[key] = Encoding.UTF8.GetByteCount(value ?? string.Empty);
        return sizes.Values.Sum();
    }

    /// <summary>The same, of a Secret as JSON (a request body): data's values are base64.</summary>
    internal static long Measure(JsonElement secret)
    {
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        if (secret.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in data.EnumerateObject())
            {
                sizes[p.Name] = p.Value.ValueKind == JsonValueKind.String ? Base64Length(p.Value.GetString()!) : 0;
            }
        }

        if (secret.TryGetProperty("stringData", out var text) && text.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in text.EnumerateObject())
            {
                sizes[p.Name] = p.Value.ValueKind == JsonValueKind.String ? Encoding.UTF8.GetByteCount(p.Value.GetString()!) : 0;
            }
        }

        return sizes.Values.Sum();
    }

    /// <summary>SecretTooLarge (LimitsExceeded) when the Secret holds more than the API server takes; nothing is sent.</summary>
    public static void Require(V1Secret secret, string? context)
    {
        var bytes = Measure(secret);
        if (bytes > MaxDataBytes) throw Error($"{secret.Metadata?.NamespaceProperty}/{secret.Metadata?.Name}", bytes, context);
    }

    internal static MeshClusterException Error(string secret, long bytes, string? context) =>
        new(ErrorIds.SecretTooLarge, ErrorCategory.LimitsExceeded,
            $"Secret {secret}{(context is null ? string.Empty : $" in context '{context}'")} would hold {bytes} bytes of data ({bytes / 1048576.0:0.00} MiB); " +
            $"Kubernetes takes at most {MaxDataBytes} bytes (1 MiB) per Secret. Nothing was sent.",
            target: secret,
            recommendedAction: "Find what makes it that large (a CA bundle of many certificates, a long certificate chain) and send less.");

    private static long Base64Length(string text)
    {
        var length = text.Length;
        var padding = length > 0 && text[^1] == '=' ? (length > 1 && text[^2] == '=' ? 2 : 1) : 0;
        return Math.Max(0, length / 4 * 3 + (length % 4 == 0 ? 0 : length % 4 - 1) - padding);
    }
}

/// <summary>A Secret write over <see cref="SecretSize.MaxDataBytes"/>, stopped before it was sent.</summary>
public sealed class SecretTooLargeException(string secret, long bytes) : Exception($"Secret {secret} would hold {bytes} bytes of data")
{
    public string Secret { get; } = secret;
    public long Bytes { get; } = bytes;
}

/// <summary>
/// Every write of a Secret (POST, PUT, PATCH to <c>.../secrets</c>: remote secrets, token secrets, cacerts) is measured before it
/// is sent; one over Kubernetes' 1 MiB never leaves (<see cref="SecretTooLargeException"/>, KubeApi's SecretTooLarge).
/// </summary>
public sealed class SecretSizeGuard : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is { } content && request.Method != HttpMethod.Get && request.Method != HttpMethod.Delete && IsSecretPath(request.RequestUri))
        {
            var body = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            // Cheap first: a body under the limit cannot hold more data than that (base64 only grows it).
            if (body.Length > SecretSize.MaxDataBytes)
            {
                try
                {
                    using var json = JsonDocument.Parse(body);
                    if (json.RootElement.ValueKind == JsonValueKind.Object && SecretSize.Measure(json.RootElement) is var bytes and > SecretSize.MaxDataBytes)
                    {
                        throw new SecretTooLargeException(NameOf(request.RequestUri!, json.RootElement), bytes);
                    }
                }
                catch (JsonException)
                {
                    // Not JSON (a YAML patch): the API server judges it.
                }
            }
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>.../namespaces/ns/secrets or .../namespaces/ns/secrets/name (core v1).</summary>
    private static bool IsSecretPath(Uri? uri)
    {
        var segments = (uri?.AbsolutePath ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length is 5 or 6 && segments[0] == "api" && segments[2] == "namespaces" && segments[4] == "secrets";
    }

    private static string NameOf(Uri uri, JsonElement secret)
    {
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var name = segments.Length == 6 ? segments[5]
            : secret.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object && m.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
                ? n.GetString() : "(unnamed)";
        return $"{Uri.UnescapeDataString(segments[3])}/{name}";
    }
}
