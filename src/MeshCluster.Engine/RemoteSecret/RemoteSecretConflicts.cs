using MeshCluster.Engine.Istiod;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>
/// What istiod's secret controller does with clusters that collide (pkg/kube/multicluster/secretcontroller.go addSecret): a data key
/// named like istiod's own cluster is ignored ("ignoring cluster as it would overwrite the config cluster"), and a cluster already
/// registered by another Secret is ignored ("cluster has already been registered"): the Secret istiod read first keeps it.
/// </summary>
public static class RemoteSecretConflicts
{
    /// <summary>The entries with these findings added, in the same order.</summary>
    /// <param name="primary">The primary's istiod, for its own cluster name; null or none found: that check is skipped.</param>
    public static IReadOnlyList<RemoteSecretEntry> Judge(IReadOnlyList<RemoteSecretEntry> entries, IstiodReading? primary)
    {
        var own = primary?.ClusterIds ?? Array.Empty<string>();
        var claims = entries.GroupBy(e => e.Info.ClusterName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Info).DistinctBy(i => i.SecretName).ToList(), StringComparer.Ordinal);

        return entries.Select(entry =>
        {
            var info = entry.Info;
            var ignored = new List<string>();
            if (own.Contains(info.ClusterName, StringComparer.Ordinal))
            {
                ignored.Add($"'{info.ClusterName}' is the primary's own cluster (its istiod, {primary!.Describe()}, runs with CLUSTER_ID {info.ClusterName}): " +
                            "istiod ignores this data key, since it would overwrite its own cluster.");
            }

            var contested = new List<string>();
            if (claims[info.ClusterName] is { Count: > 1 } rivals)
            {
                contested.Add(Rivalry(info.ClusterName, rivals));
            }

            return entry.With(ignored, contested);
        }).ToList();
    }

    /// <summary>
    /// Which Secret istiod keeps: the one it read first. A running istiod reads a new Secret when it is created, so the older one
    /// keeps the cluster; an istiod that starts reads them in the order its list returns them.
    /// </summary>
    internal static string Rivalry(string clusterName, IReadOnlyList<IstioRemoteSecretInfo> rivals)
    {
        var names = string.Join(" and ", rivals.Select(r => $"{r.Namespace}/{r.SecretName}"));
        var byAge = rivals.OrderBy(r => r.CreatedAt ?? DateTimeOffset.MaxValue).ThenBy(r => r.SecretName, StringComparer.Ordinal).ToList();
        // creationTimestamp has whole seconds: two made within one second cannot be told apart.
        var which = byAge[0].CreatedAt is { } first && byAge[1].CreatedAt != first
            ? $"{byAge[0].SecretName}, the oldest, unless istiod restarted since (it then reads them in the order its list returns them)"
            : "whichever it read first (they were created within the same second)";
        return $"Secrets {names} {(rivals.Count == 2 ? "both" : "all")} claim cluster '{clusterName}': istiod keeps the one it read first and ignores the others " +
               $"(\"cluster has already been registered\") — {which}. Remove the one that is not meant.";
    }
}
