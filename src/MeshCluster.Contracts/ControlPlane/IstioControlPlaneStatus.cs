namespace MeshCluster;

/// <summary>
/// The control plane of one cluster after Wait-IstioControlPlane: the namespace's pods as kubectl
/// shows them. Context and ClusterName bind to Publish-IstioRemoteSecret by property name.
/// </summary>
public sealed class IstioControlPlaneStatus
{
    /// <summary>Made by Wait-IstioControlPlane.</summary>
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

    /// <summary>The control plane's namespace.</summary>
    public string Namespace { get; }

    /// <summary>True when every pod is running and ready and every Deployment available.</summary>
    public bool Ready { get; }

    /// <summary>Every pod of the namespace, as <c>kubectl get pod</c> lists them.</summary>
    public IstioPodStatus[] Pods { get; }

    /// <summary>Deployments whose updated replicas are all available.</summary>
    public int DeploymentsAvailable { get; }
    /// <summary>Deployments in the namespace.</summary>
    public int Deployments { get; }

    /// <summary>context/namespace.</summary>
    public override string ToString() => $"{Context}/{Namespace}";
}
