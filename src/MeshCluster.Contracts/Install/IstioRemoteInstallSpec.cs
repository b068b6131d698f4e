namespace MeshCluster;

/// <summary>
/// The remote cluster's IstioOperator (step 2 of Istio's Add a Remote Cluster guide), as New-IstioRemoteInstallSpec wrote it.
/// Pipe it to Install-IstioRemote. It names no kubeconfig context: the install step takes -Context.
/// </summary>
public sealed class IstioRemoteInstallSpec
{
    /// <summary>Made by New-IstioRemoteInstallSpec.</summary>
    public IstioRemoteInstallSpec(string clusterName, string network, string meshId, string remotePilotAddress,
        InstallProfile profile, string @namespace, string? path, string yaml, string? primaryClusterName = null)
    {
        ClusterName = clusterName;
        Network = network;
        MeshId = meshId;
        RemotePilotAddress = remotePilotAddress;
        Profile = profile;
        Namespace = @namespace;
        Path = path;
        Yaml = yaml;
        PrimaryClusterName = primaryClusterName;
    }

    /// <summary>values.global.multiCluster.clusterName: the remote's name in the mesh.</summary>
    public string ClusterName { get; }
    /// <summary>values.global.network.</summary>
    public string Network { get; }
    /// <summary>values.global.meshID.</summary>
    public string MeshId { get; }
    /// <summary>values.global.remotePilotAddress: the primary's discovery address.</summary>
    public string RemotePilotAddress { get; }

    /// <summary>Default (the form of Istio's Add a Remote Cluster guide, 1.6/1.7) or Remote (Istio 1.24+ primary-remote).</summary>
    public InstallProfile Profile { get; }

    /// <summary>
    /// Profile Remote (Istio 1.24+): the primary cluster whose istiod controls this remote. The spec carries it as the annotation
    /// topology.istio.io/controlPlaneClusters, which Install-IstioRemote sets on the remote's istio-system before running istioctl.
    /// </summary>
    public string? PrimaryClusterName { get; }

    /// <summary>Where istioctl installs the control plane: istio-system, or values.global.istioNamespace.</summary>
    public string Namespace { get; }

    /// <summary>The file the spec was written to; null when it was not written (Install-IstioRemote then uses a temporary file).</summary>
    public string? Path { get; }

    /// <summary>The IstioOperator custom resource.</summary>
    public string Yaml { get; }

    /// <summary>The file, else the cluster name.</summary>
    public override string ToString() => Path ?? ClusterName;
}
