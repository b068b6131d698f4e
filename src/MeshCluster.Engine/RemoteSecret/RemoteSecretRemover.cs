using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>What Remove-IstioRemoteSecret was asked to remove: one cluster name (literal), optionally one Secret.</summary>
public sealed record RemoteSecretRemovalRequest(string Namespace, string ClusterName, string? SecretName = null, bool RevokeToken = false);

/// <summary>
/// Takes a remote cluster out of the mesh: deletes its remote secret from the primary (istiod drops the
/// cluster), and with -RevokeToken the token secret MeshCluster created for it in the remote. Never the
/// service account, never a token secret MeshCluster did not create or whose token differs, never one
/// another remote secret of the primary still uses.
/// </summary>
public static class RemoteSecretRemover
{
    public const string Activity = "Removing Istio remote secrets";

    /// <param name="remote">The remote cluster, for -RevokeToken; null otherwise.</param>
    /// <param name="shouldProcess">Asked for each Secret before it is deleted: (target, action).</param>
    /// <returns>One removal per Secret deleted. Throws RemoteSecretNotFound when no Secret is there for the name.</returns>
    public static async Task<IReadOnlyList<IstioRemoteSecretRemoval>> RemoveAsync(KubeConnection primary, KubeConnection? remote, RemoteSecretRemovalRequest request,
        Func<string, string, Task<bool>> shouldProcess, IOperationReporter reporter, CancellationToken ct)
    {
        if (request.RevokeToken && remote is null) throw new ArgumentNullException(nameof(remote));
        var ns = request.Namespace;
        var found = await RemoteSecretReader.FindAsync(primary, new RemoteSecretSelection(ns, new[] { WildcardPattern.Escape(request.ClusterName) }, request.SecretName),
            reporter, ct).ConfigureAwait(false);
        if (found.Entries.Count == 0) throw RemoteSecretReader.NotFound(primary, ns, request.ClusterName, request.SecretName);

        // The revocation's reads must work before anything is deleted (issue 20): a remote that answers nonsense changes nothing.
        if (request.RevokeToken) await TokenSecrets.ListTokenSecretsAsync(remote!, ns, null, ct).ConfigureAwait(false);

        var removed = new List<IstioRemoteSecretRemoval>();
        try
        {
            foreach (var listed in found.Entries)
            {
                var entry = listed;
                var info = entry.Info;
                if (entry.DataKeys.Count > 1)
                {
                    throw new MeshClusterException(ErrorIds.RemoteSecretSharedByClusters, ErrorCategory.InvalidOperation,
                        $"Secret {ns}/{info.SecretName} in context '{primary.ContextName}' was not removed: it holds several data keys ({string.Join(", ", entry.DataKeys)}), and istiod reads each as a cluster. Removing it would take the other clusters out too.",
                        target: info.SecretName,
                        recommendedAction: "Split the Secret into one per cluster (Publish-IstioRemoteSecret writes one per cluster), then remove this cluster's.");
                }

                reporter.Progress(Activity, $"Secret {ns}/{info.SecretName} in '{primary.ContextName}'", -1);
                if (!await shouldProcess($"Secret {ns}/{info.SecretName} in context '{primary.ContextName}'",
                        $"Remove the remote secret of cluster '{info.ClusterName}' (istiod stops reading that cluster)").ConfigureAwait(false))
                {
                    continue;
                }

                reporter.Verbose($"Deleting Secret {ns}/{info.SecretName} in context '{primary.ContextName}'.");
                // A compare-and-delete on what was read: a rotation that wrote a new token meanwhile makes it read again, so the token
                // revoked below is the one the deleted Secret held.
                var current = entry;
                for (var attempt = 1; !await TokenSecrets.DeleteAsync(primary, SecretRef(current.Info, current.Uid), ct).ConfigureAwait(false); attempt++)
                {
                    var again = await KubeApi.TryReadSecretAsync(primary, ns, info.SecretName, ct).ConfigureAwait(false);
                    if (again is null || attempt >= 10)
                    {
                        reporter.Verbose($"Secret {ns}/{info.SecretName} was deleted meanwhile by someone else.");
                        break;
                    }

                    reporter.Verbose($"Secret {ns}/{info.SecretName} changed meanwhile (another command wrote it): deleting what it holds now.");
                    current = RemoteSecretParser.Parse(again, primary.ContextName, DateTimeOffset.UtcNow, info.ClusterName);
                }

                entry = current;

                RevocationOutcome? revocation = null;
                if (request.RevokeToken)
                {
                    revocation = await RevokeAsync(primary, remote!, entry, shouldProcess, reporter, ct).ConfigureAwait(false);
                }

                removed.Add(new IstioRemoteSecretRemoval(info.ClusterName, info.SecretName, ns, primary.ContextName, remote?.ContextName,
                    revocation?.TokenSecretName, revocation?.Revoked ?? false, revocation?.Reason));
            }
        }
        finally
        {
            reporter.ProgressCompleted(Activity);
        }

        return removed;
    }

    /// <summary>
    /// After the primary no longer holds the token: deletes the token secret MeshCluster made that holds it, unless a remote secret
    /// in any namespace of the primary still holds it (checked again right before the delete, see <see cref="TokenRevocation"/>).
    /// </summary>
    private static async Task<RevocationOutcome> RevokeAsync(KubeConnection primary, KubeConnection remote, RemoteSecretEntry entry,
        Func<string, string, Task<bool>> shouldProcess, IOperationReporter reporter, CancellationToken ct)
    {
        var info = entry.Info;
        var token = entry.Credentials?.Token;
        if (token is null)
        {
            reporter.Warning($"Secret {info.Namespace}/{info.SecretName} held no readable bearer token: there is no token to revoke for cluster '{info.ClusterName}'.");
            return new(null, false, "the remote secret held no readable bearer token");
        }

        // The operator's namespace, never the token's unverified claim: a claim only hints at the secret to read first.
        var ns = info.Namespace;
        var holder = await TokenSecrets.FindHolderAsync(remote, ns, token, entry.Claims, reporter, ct).ConfigureAwait(false);
        if (holder is null)
        {
            var reason = entry.Claims?.Expires is { } expires
                ? $"the token is time-bound (no token secret holds it): it cannot be revoked and stops working at {expires:u}"
                : $"no token secret in namespace '{ns}' of context '{remote.ContextName}' holds the token (is -RemoteContext that cluster?)";
            reporter.Warning(entry.Claims?.Expires is not null
                ? $"The token of cluster '{info.ClusterName}' was not revoked: {reason}."
                : $"No token secret in namespace '{ns}' of context '{remote.ContextName}' holds the token of cluster '{info.ClusterName}': nothing revoked (is -RemoteContext that cluster?).");
            return new(null, false, reason);
        }

        var name = holder.Metadata.Name;
        if (!TokenSecrets.IsOurs(holder))
        {
            var reason = $"it was not created by MeshCluster (no label {RemoteSecretNames.ManagedByLabel}={RemoteSecretNames.FieldManager})";
            reporter.Warning($"Token secret {ns}/{name} in context '{remote.ContextName}' holds the token of cluster '{info.ClusterName}' but was left alone: {reason}.");
            return new(name, false, reason);
        }

        if (!await shouldProcess($"Secret {ns}/{name} in context '{remote.ContextName}'",
                $"Delete the token secret of cluster '{info.ClusterName}' (its token stops working)").ConfigureAwait(false))
        {
            return new(name, false, "declined");
        }

        var outcome = await TokenRevocation.RevokeAsync(remote, primary, holder, reporter, ct).ConfigureAwait(false);
        if (!outcome.Revoked) reporter.Warning($"Token secret {ns}/{name} in context '{remote.ContextName}' was not deleted: {outcome.Reason}.");
        return outcome;
    }

    private static k8s.Models.V1Secret SecretRef(IstioRemoteSecretInfo info, string? uid) => new()
    {
        Metadata = new k8s.Models.V1ObjectMeta { Name = info.SecretName, NamespaceProperty = info.Namespace, Uid = uid, ResourceVersion = info.ResourceVersion },
    };
}
