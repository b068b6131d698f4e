using System.Management.Automation;
using k8s;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.RemoteSecret;

namespace MeshCluster.Engine.DayTwo;

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

        var removed = new List<IstioRemoteSecretRemoval>();
        try
        {
            foreach (var entry in found.Entries)
            {
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
                var deleted = await TokenSecrets.DeleteAsync(primary, SecretRef(info, entry.Uid), ct).ConfigureAwait(false);
                if (!deleted) reporter.Verbose($"Secret {ns}/{info.SecretName} was deleted meanwhile by someone else.");

                string? tokenSecret = null;
                var revoked = false;
                if (request.RevokeToken)
                {
                    (tokenSecret, revoked) = await RevokeAsync(primary, remote!, entry, shouldProcess, reporter, ct).ConfigureAwait(false);
                }

                removed.Add(new IstioRemoteSecretRemoval(info.ClusterName, info.SecretName, ns, primary.ContextName, remote?.ContextName, tokenSecret, revoked));
            }
        }
        finally
        {
            reporter.ProgressCompleted(Activity);
        }

        return removed;
    }

    /// <summary>After the primary no longer holds the token: deletes the token secret MeshCluster made that holds it.</summary>
    private static async Task<(string?, bool)> RevokeAsync(KubeConnection primary, KubeConnection remote, RemoteSecretEntry entry,
        Func<string, string, Task<bool>> shouldProcess, IOperationReporter reporter, CancellationToken ct)
    {
        var info = entry.Info;
        var token = entry.Credentials?.Token;
        if (token is null)
        {
            reporter.Warning($"Secret {info.Namespace}/{info.SecretName} held no readable bearer token: there is no token to revoke for cluster '{info.ClusterName}'.");
            return (null, false);
        }

        // The operator's namespace, never the token's unverified claim: a claim only hints at the secret to read first.
        var ns = info.Namespace;
        var holder = await TokenSecrets.FindHolderAsync(remote, ns, token, entry.Claims, reporter, ct).ConfigureAwait(false);
        if (holder is null)
        {
            reporter.Warning(entry.Claims?.Expires is { } expires
                ? $"The token of cluster '{info.ClusterName}' is time-bound (no token secret holds it): it cannot be revoked and stops working at {expires:u}."
                : $"No token secret in namespace '{ns}' of context '{remote.ContextName}' holds the token of cluster '{info.ClusterName}': nothing revoked " +
                  "(is -RemoteContext that cluster?).");
            return (null, false);
        }

        var name = holder.Metadata.Name;
        if (!TokenSecrets.IsOurs(holder))
        {
            reporter.Warning($"Token secret {ns}/{name} in context '{remote.ContextName}' holds the token of cluster '{info.ClusterName}' but was not created by MeshCluster " +
                             $"(no label {RemoteSecretNames.ManagedByLabel}={RemoteSecretNames.FieldManager}): left alone.");
            return (name, false);
        }

        var others = await TokenSecrets.OtherHoldersAsync(primary, info.Namespace, info.SecretName, token, reporter, ct).ConfigureAwait(false);
        if (others.Count > 0)
        {
            reporter.Warning($"Token secret {ns}/{name} in context '{remote.ContextName}' was not deleted: remote secret(s) {string.Join(", ", others)} of context '{primary.ContextName}' still use its token.");
            return (name, false);
        }

        if (!await shouldProcess($"Secret {ns}/{name} in context '{remote.ContextName}'",
                $"Delete the token secret of cluster '{info.ClusterName}' (its token stops working)").ConfigureAwait(false))
        {
            return (name, false);
        }

        reporter.Verbose($"Deleting token secret {ns}/{name} in context '{remote.ContextName}': the token stops working.");
        return (name, await TokenSecrets.DeleteAsync(remote, holder, ct).ConfigureAwait(false));
    }

    private static k8s.Models.V1Secret SecretRef(IstioRemoteSecretInfo info, string? uid) => new()
    {
        Metadata = new k8s.Models.V1ObjectMeta { Name = info.SecretName, NamespaceProperty = info.Namespace, Uid = uid },
    };
}
