namespace MeshCluster;

/// <summary>Which IstioOperator form New-IstioPrimaryInstallSpec writes for the primary cluster.</summary>
public enum PrimaryInstallForm
{
    /// <summary>
    /// Istio 1.8 and later (istio.io primary-remote): <c>values.global.externalIstiod: true</c>, istiod exposed to remotes through the
    /// east-west gateway (Publish-IstioControlPlane).
    /// </summary>
    ExternalIstiod,

    /// <summary>
    /// Istio 1.7's guide ("initial configuration", flat network): <c>values.global.meshExpansion.enabled: true</c> and meshNetworks; istiod
    /// reached through the ingress gateway. istioctl 1.9 and later have no meshExpansion.
    /// </summary>
    MeshExpansion,
}
