using k8s;

namespace MeshCluster.Engine.KubeConfig;

/// <summary>A client for one kubeconfig context, with what cmdlets need to say where they are talking to.</summary>
public sealed class KubeConnection
{
    internal KubeConnection(IKubernetes client, KubernetesClientConfiguration configuration, string contextName,
        string clusterEntryName, string server, string? defaultNamespace, bool skipTlsVerify, IReadOnlyList<string> kubeConfigFiles)
    {
        Client = client;
        Configuration = configuration;
        ContextName = contextName;
        ClusterEntryName = clusterEntryName;
        Server = server;
        DefaultNamespace = defaultNamespace;
        SkipTlsVerify = skipTlsVerify;
        KubeConfigFiles = kubeConfigFiles;
    }

    public IKubernetes Client { get; }

    /// <summary>Holds credentials: never print it. Used to build derived clients (a remote-secret check).</summary>
    internal KubernetesClientConfiguration Configuration { get; }

    public string ContextName { get; }

    /// <summary>The name of the kubeconfig's cluster entry the context points at.</summary>
    public string ClusterEntryName { get; }

    /// <summary>The API server URL, as the kubeconfig gives it.</summary>
    public string Server { get; }

    public string? DefaultNamespace { get; }
    public bool SkipTlsVerify { get; }

    /// <summary>The kubeconfig files this connection was resolved from, in precedence order.</summary>
    public IReadOnlyList<string> KubeConfigFiles { get; }

    public override string ToString() => $"{ContextName} ({Server})";
}
