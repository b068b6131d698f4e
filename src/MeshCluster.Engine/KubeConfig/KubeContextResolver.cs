using System.Management.Automation;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.KubeConfig;

/// <summary>
/// Turns (-KubeConfig files, -Context) into a checked <see cref="KubeContext"/>: the context exists,
/// and the cluster and user it names are defined somewhere in the files. Builds no client.
/// </summary>
public static class KubeContextResolver
{
    /// <summary>Context names for tab completion; empty when the kubeconfig cannot be read.</summary>
    public static IReadOnlyList<string> ContextNames(KubeConfigFiles files)
    {
        try
        {
            return KubeConfigMerger.Load(files.Paths).ContextNames.ToArray();
        }
        catch (MeshClusterException)
        {
            return Array.Empty<string>();
        }
    }

    /// <param name="context">Null or empty: the kubeconfig's current-context.</param>
    public static KubeContext Resolve(KubeConfigFiles files, string? context)
    {
        var merged = KubeConfigMerger.Load(files.Paths);
        var contextName = string.IsNullOrEmpty(context) ? merged.Config.CurrentContext : context;

        if (string.IsNullOrEmpty(contextName))
        {
            throw new MeshClusterException(ErrorIds.KubeContextNotFound, ErrorCategory.ObjectNotFound,
                $"No -Context was given and the kubeconfig sets no current-context. Contexts: {Names(merged)}.",
                target: files.ToString(), terminating: true);
        }

        var ctx = merged.Config.Contexts.FirstOrDefault(c => c.Name == contextName)
            ?? throw new MeshClusterException(ErrorIds.KubeContextNotFound, ErrorCategory.ObjectNotFound,
                $"The kubeconfig has no context '{contextName}'. Contexts: {Names(merged)}.",
                // One input's context: its own error, the other inputs go on (issue 20).
                target: contextName);

        var contextFile = merged.ContextFiles[contextName];
        var clusterName = ctx.ContextDetails.Cluster;
        var cluster = merged.Config.Clusters.FirstOrDefault(c => c.Name == clusterName)
            ?? throw KubeConfigMerger.InvalidContext(contextFile, $"context '{contextName}' names cluster '{clusterName}', which no kubeconfig file defines");
        if (string.IsNullOrEmpty(cluster.ClusterEndpoint.Server))
        {
            throw KubeConfigMerger.InvalidContext(merged.ClusterFiles[clusterName], $"cluster '{clusterName}' has no server");
        }

        var userName = ctx.ContextDetails.User;
        if (!string.IsNullOrEmpty(userName) && merged.Config.Users?.Any(u => u.Name == userName) != true)
        {
            throw KubeConfigMerger.InvalidContext(contextFile, $"context '{contextName}' names user '{userName}', which no kubeconfig file defines");
        }

        return new KubeContext(contextName, clusterName, cluster.ClusterEndpoint.Server, merged, contextFile);
    }

    private static string Names(MergedKubeConfig merged)
    {
        var names = merged.ContextNames.ToArray();
        return names.Length == 0 ? "(none)" : string.Join(", ", names);
    }
}
