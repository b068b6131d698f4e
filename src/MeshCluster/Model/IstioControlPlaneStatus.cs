namespace MeshCluster;

/// <summary>
/// The control plane of one cluster after Wait-IstioControlPlane: the namespace's pods as kubectl
/// shows them. Context and ClusterName bind to Publish-IstioRemoteSecret by property name.
/// </summary>
public sealed class IstioControlPlaneStatus
{
    public IstioControlPlaneStatus(string context, string? clusterName, string @namespace, bool ready,
        IReadOnlyList<IstioPodStatus> pods, int deploymentsAvailable, int deployments)
    {
        Context = context;
        ClusterName = clusterName;
        Namespace = @namespace;
        Ready = ready;
        Pods = pods.ToArray();
        DeploymentsAvailable = deploymentsAvailable;
        Deployments = deployments;
    }

    /// <summary>The kubeconfig context of the cluster.</summary>
    public string Context { get; }

    /// <summary>The mesh's name for the cluster (multiCluster.clusterName), when the input carried it.</summary>
    public string? ClusterName { get; }

    public string Namespace { get; }

    /// <summary>True when every pod is running and ready and every Deployment available.</summary>
    public bool Ready { get; }

    public IstioPodStatus[] Pods { get; }

    public int DeploymentsAvailable { get; }
    public int Deployments { get; }

    public override string ToString() => $"{Context}/{Namespace}";
}
