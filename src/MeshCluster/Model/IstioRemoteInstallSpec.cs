namespace MeshCluster;

/// <summary>
/// The remote cluster's IstioOperator (seed step 2), as New-IstioRemoteInstallSpec wrote it.
/// Pipe it to Install-IstioRemote. It names no kubeconfig context: the install step takes -Context.
/// </summary>
public sealed class IstioRemoteInstallSpec
{
    public IstioRemoteInstallSpec(string clusterName, string network, string meshId, string remotePilotAddress,
        string profile, string @namespace, string? path, string yaml)
    {
        ClusterName = clusterName;
        Network = network;
        MeshId = meshId;
        RemotePilotAddress = remotePilotAddress;
        Profile = profile;
        Namespace = @namespace;
        Path = path;
        Yaml = yaml;
    }

    public string ClusterName { get; }
    public string Network { get; }
    public string MeshId { get; }
    public string RemotePilotAddress { get; }

    /// <summary>Default (the seed's 1.6/1.7 form) or Remote (Istio 1.24+ primary-remote).</summary>
    public string Profile { get; }

    /// <summary>Where istioctl installs the control plane: istio-system, or values.global.istioNamespace.</summary>
    public string Namespace { get; }

    /// <summary>The file the spec was written to; null when it was not written (Install-IstioRemote then uses a temporary file).</summary>
    public string? Path { get; }

    /// <summary>The IstioOperator custom resource.</summary>
    public string Yaml { get; }

    public override string ToString() => Path ?? ClusterName;
}
