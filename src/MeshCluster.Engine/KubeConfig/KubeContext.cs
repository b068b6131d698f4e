using k8s.KubeConfigModels;

namespace MeshCluster.Engine.KubeConfig;

/// <summary>
/// One kubeconfig context, resolved and checked, before any client exists: reading it runs no
/// credential plugin and opens no connection. <see cref="Http.KubeClientFactory"/> turns it into a client.
/// </summary>
public sealed class KubeContext
{
    internal KubeContext(string name, string clusterName, string server, MergedKubeConfig merged, string contextFile)
    {
        Name = name;
        ClusterName = clusterName;
        Server = server;
        Merged = merged;
        ContextFile = contextFile;
    }

    /// <summary>The context's name.</summary>
    public string Name { get; }

    /// <summary>The name of the kubeconfig's cluster entry the context points at.</summary>
    public string ClusterName { get; }

    /// <summary>The API server URL, as the kubeconfig gives it.</summary>
    public string Server { get; }

    /// <summary>The files that were read, in precedence order (missing ones in a list are skipped, as kubectl skips them).</summary>
    public IReadOnlyList<string> Files => Merged.Files;

    /// <summary>The merged kubeconfig; holds credentials: never print it.</summary>
    internal MergedKubeConfig Merged { get; }

    /// <summary>The file that defines the context, for errors about it.</summary>
    internal string ContextFile { get; }

    /// <summary>The user entry the context names, if any.</summary>
    internal string? UserName => Merged.Config.Contexts.First(c => c.Name == Name).ContextDetails.User is { Length: > 0 } user ? user : null;

    /// <summary>The user entry's exec plugin, if the context authenticates through one.</summary>
    internal ExternalExecution? Exec =>
        UserName is { } user ? Merged.Config.Users?.FirstOrDefault(u => u.Name == user)?.UserCredentials?.ExternalExecution : null;

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Server})";
}
