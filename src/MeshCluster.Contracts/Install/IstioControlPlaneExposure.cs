namespace MeshCluster;

/// <summary>What Publish-IstioControlPlane did with one of expose-istiod.yaml's objects.</summary>
public enum ExposureAction
{
    /// <summary>The object did not exist and was created (server-side apply).</summary>
    Created,

    /// <summary>The object existed with another spec and was updated (server-side apply, forced).</summary>
    Updated,

    /// <summary>The object already had exactly this spec; nothing was sent.</summary>
    Unchanged,
}

/// <summary>
/// istiod exposed to remotes on the east-west gateway (Publish-IstioControlPlane), as Istio's samples/multicluster/expose-istiod.yaml does.
/// Address binds by property name to New-IstioRemoteInstallSpec's -RemotePilotAddress.
/// </summary>
public sealed class IstioControlPlaneExposure
{
    /// <summary>Made by Publish-IstioControlPlane.</summary>
    public IstioControlPlaneExposure(string context, string @namespace, string gatewaySelector, string gatewayService, string? address,
        string apiVersion, ExposureAction gatewayAction, ExposureAction virtualServiceAction)
    {
        Context = context;
        Namespace = @namespace;
        GatewaySelector = gatewaySelector;
        GatewayService = gatewayService;
        Address = address;
        ApiVersion = apiVersion;
        GatewayAction = gatewayAction;
        VirtualServiceAction = virtualServiceAction;
    }

    /// <summary>The primary's kubeconfig context.</summary>
    public string Context { get; }

    /// <summary>Where the objects are: istio-system (expose-istiod.yaml's istiod host is istiod.istio-system.svc.cluster.local).</summary>
    public string Namespace { get; }

    /// <summary>The Gateway's selector, as label=value pairs (istio=eastwestgateway).</summary>
    public string GatewaySelector { get; }

    /// <summary>The gateway Service the selector matched (istio-eastwestgateway).</summary>
    public string GatewayService { get; }

    /// <summary>Its first load-balancer address (the ip, else the hostname): the remotes' remotePilotAddress; null while pending.</summary>
    public string? Address { get; }

    /// <summary>networking.istio.io/v1, or the newest version the cluster's Istio CRDs serve (v1beta1, v1alpha3).</summary>
    public string ApiVersion { get; }

    /// <summary>What happened to Gateway istiod-gateway.</summary>
    public ExposureAction GatewayAction { get; }

    /// <summary>What happened to VirtualService istiod-vs.</summary>
    public ExposureAction VirtualServiceAction { get; }

    /// <summary>context/namespace.</summary>
    public override string ToString() => $"{Context}/{Namespace}";
}
