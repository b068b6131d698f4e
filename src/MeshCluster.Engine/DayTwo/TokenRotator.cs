using System.Text;
using k8s;
using k8s.Models;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.RemoteSecret;

namespace MeshCluster.Engine.DayTwo;

/// <summary>
/// Publish-IstioRemoteSecret -RotateToken. The order keeps the primary working at every moment:
/// a new token secret, filled and verified, then the primary's Secret updated, and only then the
/// previous token secret deleted. A rotation interrupted before the update leaves a new token secret
/// that records (as a SHA-256) the token it replaces: the re-run finds and reuses it. One interrupted
/// after the update leaves the previous secret, which the next rotation finds through that record and deletes.
/// </summary>
public static class TokenRotator
{
    /// <summary>The remote secret this publish replaces, parsed; null when there is none.</summary>
    public static async Task<RemoteSecretEntry?> ReadCurrentAsync(KubeConnection primary, string ns, string clusterName, IOperationReporter reporter, CancellationToken ct)
    {
        var name = RemoteSecretNames.SecretName(clusterName);
        var secret = await KubeApi.TryGetAsync(primary, $"reading Secret {ns}/{name}",
            c => c.Client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: c.Token), ct).ConfigureAwait(false);
        if (secret is null)
        {
            reporter.Verbose($"No Secret {ns}/{name} in context '{primary.ContextName}' yet: there is no previous token to revoke.");
            return null;
        }

        var entry = RemoteSecretParser.Parse(secret, primary.ContextName, DateTimeOffset.UtcNow, clusterName);
        if (entry.Credentials?.Token is null)
        {
            reporter.Warning($"Secret {ns}/{name} in context '{primary.ContextName}' holds no readable bearer token ({string.Join(" ", entry.Info.Problems)}): no previous token secret can be tied to it, none will be revoked.");
        }

        return entry;
    }

    /// <summary>A new token secret for the service account (or the one an interrupted rotation away from the same token left), filled by the token controller.</summary>
    public static async Task<ServiceAccountToken> NewTokenSecretAsync(KubeConnection remote, V1ServiceAccount account, string clusterName, RemoteSecretEntry? previous,
        TimeSpan timeout, IOperationReporter reporter, CancellationToken ct)
    {
        var ns = account.Metadata.NamespaceProperty;
        var sa = account.Metadata.Name;
        var replaces = previous?.Credentials?.Token is { } old ? TokenSecrets.Hash(old) : null;
        string? name = null;
        if (replaces is not null)
        {
            var ours = await TokenSecrets.ListTokenSecretsAsync(remote, ns, $"{RemoteSecretNames.ManagedByLabel}={RemoteSecretNames.FieldManager}", ct).ConfigureAwait(false);
            name = ours
                .Where(s => ServiceAccountTokenSource.IsTokenOf(s, sa) && Annotation(s, RemoteSecretNames.ReplacesTokenAnnotation) == replaces &&
                            Annotation(s, RemoteSecretNames.TokenForClusterAnnotation) == clusterName)
                .OrderBy(s => s.Metadata.CreationTimestamp ?? DateTime.MaxValue).ThenBy(s => s.Metadata.Name, StringComparer.Ordinal)
                .FirstOrDefault()?.Metadata.Name;
            if (name is not null) reporter.Verbose($"Reusing token secret {ns}/{name}, made by an earlier rotation that did not finish.");
        }

        if (name is null)
        {
            var annotations = new Dictionary<string, string>
            {
                [RemoteSecretNames.ServiceAccountNameAnnotation] = sa,
                [RemoteSecretNames.TokenForClusterAnnotation] = clusterName,
            };
            if (replaces is not null) annotations[RemoteSecretNames.ReplacesTokenAnnotation] = replaces;
            var prefix = RemoteSecretNames.RotatedTokenSecretPrefix(sa);
            var created = await KubeApi.CallAsync(remote, $"creating a token secret {ns}/{prefix}*",
                c => c.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
                {
                    Metadata = new V1ObjectMeta
                    {
                        GenerateName = prefix,
                        NamespaceProperty = ns,
                        Labels = new Dictionary<string, string> { [RemoteSecretNames.ManagedByLabel] = RemoteSecretNames.FieldManager },
                        Annotations = annotations,
                    },
                    Type = RemoteSecretNames.ServiceAccountTokenType,
                }, ns, cancellationToken: c.Token), ct).ConfigureAwait(false);
            name = created.Metadata.Name;
            reporter.Verbose($"Created token secret {ns}/{name} for ServiceAccount '{sa}' in context '{remote.ContextName}'.");
        }

        var filled = await ServiceAccountTokenSource.WaitFilledAsync(remote, ns, name, timeout, reporter, ct).ConfigureAwait(false);
        var token = Encoding.UTF8.GetString(filled.Data["token"]);
        SecretRedactor.Register(token);
        return new ServiceAccountToken(name, token, filled.Data["ca.crt"]);
    }

    /// <summary>
    /// After the primary holds <paramref name="current"/>: deletes the token secret whose token the
    /// previous remote secret held, and any a former interrupted rotation left, unless another remote
    /// secret of the primary still uses it. Returns the previous token secret's name and whether it was deleted.
    /// </summary>
    public static async Task<(string? Name, bool Revoked)> RevokePreviousAsync(KubeConnection remote, KubeConnection primary, RemoteSecretEntry? previous,
        ServiceAccountToken current, string serviceAccountNamespace, IOperationReporter reporter, CancellationToken ct)
    {
        var oldToken = previous?.Credentials?.Token;
        if (previous is null || oldToken is null || RemoteCredentials.SameToken(oldToken, current.Token)) return (null, false);

        // The operator's namespace, never the token's unverified claim: a claim only hints at the secret to read first.
        var ns = serviceAccountNamespace;
        var holder = await TokenSecrets.FindHolderAsync(remote, ns, oldToken, previous.Claims, reporter, ct).ConfigureAwait(false);
        if (holder is null)
        {
            reporter.Warning(previous.Claims?.Expires is { } expires
                ? $"The previous token of cluster '{previous.Info.ClusterName}' is a time-bound token (no token secret holds it): it cannot be revoked and stops working at {expires:u}."
                : $"No token secret in namespace '{ns}' of context '{remote.ContextName}' holds the previous token of cluster '{previous.Info.ClusterName}', so none was deleted " +
                  "(it may come from another cluster or namespace, or be revoked already). Nothing is deleted that cannot be tied to the previous remote secret by its token.");
            return (null, false);
        }

        var revoked = await RevokeAsync(remote, primary, previous, holder, current, reporter, ct).ConfigureAwait(false);

        // What an earlier rotation, interrupted after its update, left: the secret the previous one replaced.
        if (Annotation(holder, RemoteSecretNames.ReplacesTokenAnnotation) is { } replaced)
        {
            var leftovers = await TokenSecrets.ListTokenSecretsAsync(remote, ns, null, ct).ConfigureAwait(false);
            foreach (var leftover in leftovers.Where(s => TokenSecrets.TokenOf(s) is { } t && TokenSecrets.Hash(t) == replaced))
            {
                reporter.Verbose($"Token secret {ns}/{leftover.Metadata.Name} holds the token an earlier, unfinished rotation replaced.");
                await RevokeAsync(remote, primary, previous, leftover, current, reporter, ct).ConfigureAwait(false);
            }
        }

        return (holder.Metadata.Name, revoked);
    }

    private static async Task<bool> RevokeAsync(KubeConnection remote, KubeConnection primary, RemoteSecretEntry previous, V1Secret holder,
        ServiceAccountToken current, IOperationReporter reporter, CancellationToken ct)
    {
        var ns = holder.Metadata.NamespaceProperty;
        var token = TokenSecrets.TokenOf(holder)!;
        if (RemoteCredentials.SameToken(token, current.Token)) return false;
        var others = await TokenSecrets.OtherHoldersAsync(primary, previous.Info.Namespace, previous.Info.SecretName, token, reporter, ct).ConfigureAwait(false);
        if (others.Count > 0)
        {
            reporter.Warning($"Token secret {ns}/{holder.Metadata.Name} in context '{remote.ContextName}' was not deleted: remote secret(s) {string.Join(", ", others)} of context '{primary.ContextName}' still use its token.");
            return false;
        }

        reporter.Verbose($"Deleting token secret {ns}/{holder.Metadata.Name} in context '{remote.ContextName}': its token stops working.");
        return await TokenSecrets.DeleteAsync(remote, holder, ct).ConfigureAwait(false);
    }

    private static string? Annotation(V1Secret secret, string key) =>
        secret.Metadata?.Annotations?.TryGetValue(key, out var value) == true ? value : null;
}
