using System.Text;
using System.Text.Json;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>
/// The claims of a service-account token, read from its payload WITHOUT verifying the signature:
/// only for showing who the token claims to be and when it says it expires. The API server is the
/// one that decides whether the token works (Test-IstioRemoteCluster asks it).
/// </summary>
public sealed class JwtClaims
{
    private const string ServiceAccountPrefix = "system:serviceaccount:";

    // A service-account token is about 1 KB; anything far larger is not one.
    private const int MaxTokenLength = 64 * 1024;

    private JwtClaims(string? subject, DateTimeOffset? expires, DateTimeOffset? issuedAt, string? secretName)
    {
        Subject = subject;
        Expires = expires;
        IssuedAt = issuedAt;
        SecretName = secretName;
        if (subject is not null && subject.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal))
        {
            var parts = subject[ServiceAccountPrefix.Length..].Split(':');
            if (parts.Length == 2 && parts[0].Length > 0 && parts[1].Length > 0)
            {
                ServiceAccountNamespace = parts[0];
                ServiceAccount = parts[1];
            }
        }
    }

    /// <summary>sub, e.g. system:serviceaccount:istio-system:istio-reader-service-account.</summary>
    public string? Subject { get; }

    /// <summary>exp; null when absent (a token secret's token never expires).</summary>
    public DateTimeOffset? Expires { get; }

    /// <summary>iat, when present.</summary>
    public DateTimeOffset? IssuedAt { get; }

    /// <summary>The token secret a legacy token names (kubernetes.io/serviceaccount/secret.name): a hint only, never proof.</summary>
    public string? SecretName { get; }

    public string? ServiceAccount { get; }
    public string? ServiceAccountNamespace { get; }

    /// <summary>The claims of <paramref name="token"/>, or null when it is no JWT (three base64url parts, a JSON object in the middle).</summary>
    public static JwtClaims? Read(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength) return null;
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[1].Length == 0) return null;
        var payload = DecodeBase64Url(parts[1]);
        if (payload is null) return null;
        try
        {
            using var doc = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 16 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            return new JwtClaims(
                String(root, "sub"),
                Time(root, "exp"),
                Time(root, "iat"),
                String(root, "kubernetes.io/serviceaccount/secret.name"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>NumericDate: seconds since the epoch, possibly fractional; out-of-range values count as absent.</summary>
    private static DateTimeOffset? Time(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var seconds)) return null;
        if (double.IsNaN(seconds) || seconds < 0 || seconds > 253402300799) return null; // up to 9999-12-31
        return DateTimeOffset.FromUnixTimeSeconds((long)seconds);
    }

    private static byte[]? DecodeBase64Url(string part)
    {
        var text = new StringBuilder(part.Length + 3).Append(part).Replace('-', '+').Replace('_', '/');
        switch (part.Length % 4)
        {
            case 1: return null;
            case 2: text.Append("=="); break;
            case 3: text.Append('='); break;
        }

        var buffer = new byte[part.Length];
        return Convert.TryFromBase64String(text.ToString(), buffer, out var written) ? buffer[..written] : null;
    }
}
