using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Istiod;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>
/// Before a remote secret is published: would istiod take it? Its secret controller ignores a cluster named like its own cluster
/// and a cluster another Secret registered first (pkg/kube/multicluster/secretcontroller.go addSecret). Both are refused here,
/// before anything is written, unless -Force.
/// </summary>
public static class RemoteSecretClaims
{
    /// <summary>-Name against the primary's own cluster name.</summary>
    public static void Check(string clusterName, IstiodReading istiod, bool force, IOperationReporter reporter)
    {
        if (!istiod.ClusterIds.Contains(clusterName, StringComparer.Ordinal)) return;
        var what = $"'{clusterName}' is the primary's own cluster: its istiod ({istiod.Describe()}) runs with CLUSTER_ID {clusterName}, " +
                   "and ignores a remote secret of that name (it would overwrite its own cluster).";
        if (force)
        {
            reporter.Warning($"{what} Publishing it anyway (-Force): istiod will not read it.");
            return;
        }

        throw new MeshClusterException(ErrorIds.RemoteSecretClusterIsPrimary, ErrorCategory.InvalidArgument, $"{what} Nothing was written.", target: clusterName,
            recommendedAction: "Give the remote its own cluster name (-Name, the name its install spec gave multiCluster.clusterName), or add -Force to publish it anyway.");
    }

    /// <summary>-Name against the clusters the primary's other remote secrets hold (its own Secret, istio-remote-secret-&lt;name&gt;, is replaced, not a rival).</summary>
    public static void Check(string clusterName, string ns, string primaryContext, IReadOnlyList<IstioRemoteSecretInfo> existing, bool force, IOperationReporter reporter)
    {
        var ours = RemoteSecretNames.SecretName(clusterName);
        var rivals = existing.Where(i => i.ClusterName == clusterName && i.SecretName != ours).Select(i => i.SecretName).Distinct(StringComparer.Ordinal).ToList();
        if (rivals.Count == 0) return;
        var what = $"Cluster '{clusterName}' is already claimed by {(rivals.Count == 1 ? "Secret" : "Secrets")} {string.Join(", ", rivals.Select(r => $"{ns}/{r}"))} " +
                   $"in context '{primaryContext}': istiod keeps the Secret it read first and ignores another that names the same cluster.";
        if (force)
        {
            reporter.Warning($"{what} Publishing {ns}/{ours} anyway (-Force): istiod goes on using the one it has until that one is removed and istiod restarts.");
            return;
        }

        throw new MeshClusterException(ErrorIds.RemoteSecretClusterClaimed, ErrorCategory.ResourceExists, $"{what} Nothing was written.", target: clusterName,
            recommendedAction: $"Remove the other Secret first (Remove-IstioRemoteSecret -SecretName), choose another -Name, or add -Force to publish beside it.");
    }
}
