using System.Net;
using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Models;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.Naming;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>
/// Finding the token secret that holds a given token (by comparing the token, never by trusting a
/// name), checking nobody else in the primary uses it, and deleting it: what revokes a legacy token.
/// </summary>
internal static class TokenSecrets
{
    /// <summary>SHA-256 of a token, hex: what a rotated token secret records of the token it replaces.</summary>
    public static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token))).ToLowerInvariant();

    public static string? TokenOf(V1Secret? secret) =>
        secret?.Data?.TryGetValue("token", out var bytes) == true && bytes.Length > 0 ? Encoding.UTF8.GetString(bytes) : null;

    public static bool IsOurs(V1Secret secret) =>
        secret.Metadata?.Labels?.TryGetValue(RemoteSecretNames.ManagedByLabel, out var by) == true && by == RemoteSecretNames.FieldManager;

    /// <summary>
    /// The token secret in <paramref name="ns"/> (the namespace the operator named) whose token is <paramref name="token"/>.
    /// The token's claims are unverified, possibly planted: a hint only. The secret they name is read first when it is in
    /// <paramref name="ns"/> and its name is a valid Kubernetes name (so no claim walks out of its path segment or into
    /// another namespace), and taken only when it holds this very token; otherwise the token secrets of <paramref name="ns"/>
    /// are compared. No other path is ever asked for.
    /// </summary>
    public static async Task<V1Secret?> FindHolderAsync(KubeConnection remote, string ns, string token, JwtClaims? claims,
        IOperationReporter reporter, CancellationToken ct)
    {
        if (claims?.SecretName is { Length: > 0 } hinted)
        {
            var hintedNs = claims.ServiceAccountNamespace ?? ns;
            if (hintedNs == ns && KubeNameRule.IsName(hinted))
            {
                var named = await KubeApi.TryReadSecretAsync(remote, ns, hinted, ct).ConfigureAwait(false);
                if (IsTokenSecret(named) && RemoteCredentials.SameToken(TokenOf(named), token)) return named;
            }
            else
            {
                reporter.Warning($"The token's unverified claims name Secret '{Printable.Quote(hintedNs)}/{Printable.Quote(hinted)}', which is not a valid name " +
                                 $"in namespace '{ns}': claims are not trusted, only the token secrets of namespace '{ns}' are compared.");
            }
        }

        var all = await ListTokenSecretsAsync(remote, ns, null, ct).ConfigureAwait(false);
        return all.FirstOrDefault(s => RemoteCredentials.SameToken(TokenOf(s), token));
    }

    public static async Task<IList<V1Secret>> ListTokenSecretsAsync(KubeConnection remote, string ns, string? labelSelector, CancellationToken ct)
    {
        var list = await KubeApi.CallAsync(remote, $"listing token secrets in namespace {ns}",
            c => c.Client.CoreV1.ListNamespacedSecretAsync(ns, fieldSelector: "type=" + RemoteSecretNames.ServiceAccountTokenType,
                labelSelector: labelSelector, cancellationToken: c.Token), ct).ConfigureAwait(false);
        return list.Items;
    }

    /// <summary>Deletes the Secret if it is still the one looked at (uid, and resourceVersion when set, as preconditions); false when it was gone or changed meanwhile.</summary>
    public static async Task<bool> DeleteAsync(KubeConnection connection, V1Secret secret, CancellationToken ct)
    {
        var ns = secret.Metadata.NamespaceProperty;
        var name = secret.Metadata.Name;
        try
        {
            await KubeApi.CallAsync(connection, $"deleting Secret {ns}/{name}",
                async c =>
                {
                    // The body of a delete is not needed: the status code says whether it happened.
                    using var response = await c.Client.CoreV1.DeleteNamespacedSecretWithHttpMessagesAsync(name, ns,
                        new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = secret.Metadata.Uid, ResourceVersion = secret.Metadata.ResourceVersion } }, cancellationToken: c.Token).ConfigureAwait(false);
                    return true;
                }, ct).ConfigureAwait(false);
            return true;
        }
        catch (MeshClusterException ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    private static bool IsTokenSecret(V1Secret? secret) => secret?.Type == RemoteSecretNames.ServiceAccountTokenType;
}
