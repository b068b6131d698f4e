using System.Text;
using k8s;
using k8s.Models;
using System.Management.Automation;
using System.Net;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;

namespace MeshCluster.Engine.RemoteSecret;

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
        var secret = await KubeApi.TryReadSecretAsync(primary, ns, name, ct).ConfigureAwait(false);
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
                [RemoteSecretNames.UnconfirmedAnnotation] = "true",
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
    /// Writes the rotated Secret as a compare-and-swap on the primary's Secret: against what the primary holds at the
    /// moment of the write (its resourceVersion as the apply's precondition), re-read after every conflict. Returns the
    /// entry actually replaced, which is what may be revoked (a publish that ran meanwhile changes it). Throws
    /// RemoteSecretRemovedMeanwhile when the Secret a rotation started from was removed meanwhile: a rotation never recreates it.
    /// </summary>
    public static async Task<(RemoteSecretAction Action, string? ResourceVersion, RemoteSecretEntry? Replaced)> SwapAsync(KubeConnection primary, V1Secret desired,
        RemoteSecretEntry? started, string clusterName, IOperationReporter reporter, CancellationToken ct)
    {
        var ns = desired.Metadata.NamespaceProperty;
        var name = desired.Metadata.Name;
        for (var attempt = 1; ; attempt++)
        {
            var current = await KubeApi.TryReadSecretAsync(primary, ns, name, ct).ConfigureAwait(false);
            if (current is null && started is not null)
            {
                throw new MeshClusterException(ErrorIds.RemoteSecretRemovedMeanwhile, ErrorCategory.InvalidOperation,
                    $"Secret {ns}/{name} in context '{primary.ContextName}' was removed while its token was being rotated: the rotation does not recreate it.",
                    target: name, recommendedAction: "Publish-IstioRemoteSecret (without -RotateToken) puts the cluster back into the mesh.");
            }

            var replaced = current is null ? null : RemoteSecretParser.Parse(current, primary.ContextName, DateTimeOffset.UtcNow, clusterName);
            desired.Metadata.ResourceVersion = current?.Metadata.ResourceVersion;
            try
            {
                reporter.Verbose($"{(current is null ? "Creating" : "Updating")} Secret {ns}/{name} in context '{primary.ContextName}' " +
                                 $"as a compare-and-swap on resourceVersion {current?.Metadata.ResourceVersion ?? "(none)"}.");
                var written = current is null
                    ? await KubeApi.CallAsync(primary, $"creating Secret {ns}/{name}",
                        c => c.Client.CoreV1.CreateNamespacedSecretAsync(desired, ns, fieldManager: RemoteSecretNames.FieldManager, cancellationToken: c.Token), ct).ConfigureAwait(false)
                    : await KubeApi.CallAsync(primary, $"applying Secret {ns}/{name}",
                        c => c.Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch(desired, V1Patch.PatchType.ApplyPatch), name, ns,
                            fieldManager: RemoteSecretNames.FieldManager, force: true, cancellationToken: c.Token), ct).ConfigureAwait(false);
                return (current is null ? RemoteSecretAction.Created : RemoteSecretAction.Updated, written.Metadata?.ResourceVersion, replaced);
            }
            catch (MeshClusterException ex) when (ex.StatusCode == HttpStatusCode.Conflict && attempt < 10)
            {
                reporter.Verbose($"Secret {ns}/{name} changed meanwhile (another command wrote it): reading it again.");
            }
            finally
            {
                desired.Metadata.ResourceVersion = null;
            }
        }
    }

    /// <summary>
    /// After the primary holds <paramref name="current"/>: revokes the token secret whose token the replaced remote secret held,
    /// any an earlier interrupted rotation left, and MeshCluster's token secrets for this cluster that nothing holds (orphans of
    /// racing or interleaved publishes), each only if no remote secret in any namespace of the primary holds its token
    /// (<see cref="TokenRevocation"/>). Returns what became of the replaced token's secret.
    /// </summary>
    public static async Task<RevocationOutcome?> RevokePreviousAsync(KubeConnection remote, KubeConnection primary, RemoteSecretEntry? replaced,
        ServiceAccountToken current, string serviceAccountNamespace, string serviceAccount, string clusterName, IOperationReporter reporter, CancellationToken ct)
    {
        // The operator's namespace, never the token's unverified claim: a claim only hints at the secret to read first.
        var ns = serviceAccountNamespace;
        RevocationOutcome? outcome = null;
        V1Secret? holder = null;
        var oldToken = replaced?.Credentials?.Token;
        if (replaced is not null && oldToken is not null && !RemoteCredentials.SameToken(oldToken, current.Token))
        {
            holder = await TokenSecrets.FindHolderAsync(remote, ns, oldToken, replaced.Claims, reporter, ct).ConfigureAwait(false);
            if (holder is null)
            {
                outcome = new(null, false, replaced.Claims?.Expires is { } expires
                    ? $"the previous token is time-bound (no token secret holds it): it cannot be revoked and stops working at {expires:u}"
                    : $"no token secret in namespace '{ns}' of context '{remote.ContextName}' holds the previous token (it may come from another cluster or namespace, or be revoked already)");
                reporter.Warning($"The previous token of cluster '{clusterName}' was not revoked: {outcome.Reason}.");
            }
            else if (!TokenSecrets.IsOurs(holder) && !ServiceAccountTokenSource.IsTokenOf(holder, serviceAccount))
            {
                outcome = new(holder.Metadata.Name, false, $"it is neither MeshCluster's nor a token secret of ServiceAccount '{serviceAccount}'");
                reporter.Warning($"Token secret {ns}/{holder.Metadata.Name} was not deleted: {outcome.Reason}.");
            }
            else
            {
                outcome = await TokenRevocation.RevokeAsync(remote, primary, holder, reporter, ct).ConfigureAwait(false);
                if (!outcome.Revoked) reporter.Warning($"Token secret {ns}/{holder.Metadata.Name} in context '{remote.ContextName}' was kept: {outcome.Reason}.");

                // What an earlier rotation, interrupted after its update, left: the secret the previous one replaced.
                if (Annotation(holder, RemoteSecretNames.ReplacesTokenAnnotation) is { } replacedHash)
                {
                    var leftovers = await TokenSecrets.ListTokenSecretsAsync(remote, ns, null, ct).ConfigureAwait(false);
                    foreach (var leftover in leftovers.Where(s => TokenSecrets.TokenOf(s) is { } t && TokenSecrets.Hash(t) == replacedHash &&
                                                                   !RemoteCredentials.SameToken(t, current.Token)))
                    {
                        var left = await TokenRevocation.RevokeAsync(remote, primary, leftover, reporter, ct).ConfigureAwait(false);
                        reporter.Verbose($"Token secret {ns}/{leftover.Metadata.Name} (left by an unfinished rotation): {(left.Revoked ? "revoked" : "kept")}, {left.Reason}.");
                    }
                }
            }
        }

        // Orphans: MeshCluster's token secrets for this cluster that no remote secret holds (racing rotations, rotate → publish → rotate).
        // A young unconfirmed one belongs to a rotation still verifying its token before its swap: it is left to that rotation.
        var ours = await TokenSecrets.ListTokenSecretsAsync(remote, ns, $"{RemoteSecretNames.ManagedByLabel}={RemoteSecretNames.FieldManager}", ct).ConfigureAwait(false);
        var inProgressSince = DateTime.UtcNow - RemoteSecretNames.UnconfirmedGrace;
        foreach (var orphan in ours.Where(s => Annotation(s, RemoteSecretNames.TokenForClusterAnnotation) == clusterName &&
                                               s.Metadata.Name != current.SecretName && s.Metadata.Name != holder?.Metadata.Name &&
                                               !(Annotation(s, RemoteSecretNames.UnconfirmedAnnotation) is not null &&
                                                 (s.Metadata.CreationTimestamp ?? DateTime.MinValue) > inProgressSince) &&
                                               !RemoteCredentials.SameToken(TokenSecrets.TokenOf(s), current.Token)))
        {
            var result = await TokenRevocation.RevokeAsync(remote, primary, orphan, reporter, ct).ConfigureAwait(false);
            reporter.Verbose($"Token secret {ns}/{orphan.Metadata.Name} of cluster '{clusterName}', held by no remote secret when listed: " +
                             $"{(result.Revoked ? "revoked" : "kept")}, {result.Reason}.");
        }

        return outcome;
    }

    private static string? Annotation(V1Secret secret, string key) =>
        secret.Metadata?.Annotations?.TryGetValue(key, out var value) == true ? value : null;
}
