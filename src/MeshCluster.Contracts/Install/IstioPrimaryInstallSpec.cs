namespace MeshCluster;

/// <summary>
/// The primary cluster's IstioOperator (the "initial configuration" of Istio's multicluster guides), as New-IstioPrimaryInstallSpec wrote
/// it: the control plane, the east-west gateway (as samples/multicluster/gen-eastwest-gateway.sh emits it), or both. Pipe it to
/// Install-IstioPrimary. It names no kubeconfig context: the install step takes -Context.
/// </summary>
public sealed class IstioPrimaryInstallSpec
{
    /// <summary>Made by New-IstioPrimaryInstallSpec.</summary>
    public IstioPrimaryInstallSpec(string? clusterName, string network, string? meshId, PrimaryInstallForm form, bool controlPlane,
        bool eastWestGateway, string @namespace, string? path, string yaml)
    {
        ClusterName = clusterName;
        Network = network;
        MeshId = meshId;
        Form = form;
        ControlPlane = controlPlane;
        EastWestGateway = eastWestGateway;
        Namespace = @namespace;
        Path = path;
        Yaml = yaml;
    }

    /// <summary>values.global.multiCluster.clusterName: the primary's name in the mesh (null for the east-west gateway alone).</summary>
    public string? ClusterName { get; }

    /// <summary>values.global.network (and the east-west gateway's topology.istio.io/network label).</summary>
    public string Network { get; }

    /// <summary>values.global.meshID (null for the east-west gateway alone).</summary>
    public string? MeshId { get; }

    /// <summary>ExternalIstiod (Istio 1.8 and later) or MeshExpansion (Istio 1.7's guide).</summary>
    public PrimaryInstallForm Form { get; }

    /// <summary>True when the spec installs the control plane (istiod); false for the east-west gateway alone (profile: empty).</summary>
    public bool ControlPlane { get; }

    /// <summary>True when the spec installs the east-west gateway istio-eastwestgateway (ports 15021, 15443, 15012, 15017).</summary>
    public bool EastWestGateway { get; }

    /// <summary>Where istioctl installs: istio-system, or values.global.istioNamespace.</summary>
    public string Namespace { get; }

    /// <summary>The file the spec was written to; null when it was not written (Install-IstioPrimary then uses a temporary file).</summary>
    public string? Path { get; }

    /// <summary>The IstioOperator custom resource.</summary>
    public string Yaml { get; }

    /// <summary>The file, else the cluster name (or the east-west gateway's network).</summary>
    public override string ToString() => Path ?? ClusterName ?? $"eastwest ({Network})";
}
