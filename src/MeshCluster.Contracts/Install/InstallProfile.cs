namespace MeshCluster;

/// <summary>Which IstioOperator form New-IstioRemoteInstallSpec writes.</summary>
public enum InstallProfile
{
    /// <summary>The form of Istio's "Add a Remote Cluster" guide (Istio 1.6/1.7): values only, a full istiod runs in the remote.</summary>
    Default,

    /// <summary>Istio 1.24+ primary-remote: <c>profile: remote</c> with an injection path served by the primary.</summary>
    Remote,
}
