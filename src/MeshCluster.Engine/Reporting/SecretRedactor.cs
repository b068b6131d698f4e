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

    // Short values (empty, "x") would mask ordinary words; real credentials are long.
    private const int MinimumLength = 8;
    private static readonly ConcurrentDictionary<string, byte> Secrets = new(StringComparer.Ordinal);

    public static void Register(string? secret)
    {
        if (!string.IsNullOrWhiteSpace(secret) && secret.Length >= MinimumLength)
        {
            Secrets.TryAdd(secret, 0);
        }
    }

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
