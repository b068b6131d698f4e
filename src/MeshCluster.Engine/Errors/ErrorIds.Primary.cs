namespace MeshCluster.Engine.Errors;

/// <summary>Ids of New-IstioPrimaryInstallSpec, Install-IstioPrimary and Publish-IstioControlPlane.</summary>
public static partial class ErrorIds
{
    /// <summary>-Network is no Kubernetes label value: the east-west gateway and istio-system carry it as topology.istio.io/network.</summary>
    public const string InstallSpecNetworkInvalid = nameof(InstallSpecNetworkInvalid);

    /// <summary>-EastWestGateway with -Form MeshExpansion: Istio 1.7's guide reaches istiod through the ingress gateway, not an east-west gateway.</summary>
    public const string InstallSpecFormConflict = nameof(InstallSpecFormConflict);

    /// <summary>Install-IstioPrimary got a remote's spec (remotePilotAddress or profile: remote). Nothing is run.</summary>
    public const string InstallSpecNotPrimary = nameof(InstallSpecNotPrimary);
}

/// <summary>Ids of Publish-IstioControlPlane and the east-west discovery address.</summary>
public static partial class ErrorIds
{
    /// <summary>Istio's networking CRDs (gateways/virtualservices.networking.istio.io) are not installed: Istio is not installed there.</summary>
    public const string IstioCrdsNotFound = nameof(IstioCrdsNotFound);

    /// <summary>No gateway Service in the namespace matches -GatewaySelector.</summary>
    public const string EastWestGatewayNotFound = nameof(EastWestGatewayNotFound);

    /// <summary>-GatewaySelector is not label=value[,label=value...] with valid labels.</summary>
    public const string GatewaySelectorInvalid = nameof(GatewaySelectorInvalid);
}
