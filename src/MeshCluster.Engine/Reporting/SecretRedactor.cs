using System.Collections.Concurrent;

namespace MeshCluster.Engine;

/// <summary>
/// Last line of defence against credentials in output: every bearer token, client key, password
/// and token-secret value the engine reads is registered here, and every message that leaves the
/// engine or the cmdlet layer passes through <see cref="Redact"/>.
/// </summary>
public static class SecretRedactor
{
    public const string Mask = "<redacted>";

    // Only what can be a credential (issue 20): a planted "token" that is an ordinary word ("istio-system",
    // "kubernetes-default-service") would garble every later message. Real ones are long and not only letters and '-'.
    private const int MinimumLength = 16;
    private const int AnyTextLength = 32;
    private static readonly ConcurrentDictionary<string, byte> Secrets = new(StringComparer.Ordinal);

    public static void Register(string? secret)
    {
        if (secret is not null && IsCredentialLike(secret))
        {
            Secrets.TryAdd(secret, 0);
        }
    }

    /// <summary>Long enough, not blank, and either very long (a key, a JWT) or holding a character other than a letter, '-' or a space.</summary>
    public static bool IsCredentialLike(string? secret) =>
        secret is { Length: >= MinimumLength } && !string.IsNullOrWhiteSpace(secret) &&
        (secret.Length >= AnyTextLength || secret.Any(c => !char.IsAsciiLetter(c) && c != '-' && !char.IsWhiteSpace(c)));

    public static string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text) || Secrets.IsEmpty)
        {
            return text ?? string.Empty;
        }

        foreach (var secret in Secrets.Keys)
        {
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                text = text.Replace(secret, Mask, StringComparison.Ordinal);
            }
        }

        return text;
    }
}
