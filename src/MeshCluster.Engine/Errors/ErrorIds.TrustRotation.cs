namespace MeshCluster.Engine.Errors;

/// <summary>Rotating the mesh's root CA: Update-IstioMeshTrust. Every refusal is raised before any cluster is changed.</summary>
public static partial class ErrorIds
{
    /// <summary>A cluster has no cacerts (or one istiod made itself): there is no plug-in root to rotate. Publish one first.</summary>
    public const string MeshTrustCacertsMissing = nameof(MeshTrustCacertsMissing);

    /// <summary>A cluster's cacerts is not sound plug-in material in the four-file form, or is immutable: the rotation cannot rewrite it.</summary>
    public const string MeshTrustCacertsInvalid = nameof(MeshTrustCacertsInvalid);

    /// <summary>A cluster's istiod runs without ISTIO_MULTIROOT_MESH=true and would ignore the new root bundle (-Force to go on).</summary>
    public const string MeshTrustMultiRootDisabled = nameof(MeshTrustMultiRootDisabled);

    /// <summary>A cluster's mesh config lacks defaultConfig.proxyMetadata.PROXY_CONFIG_XDS_AGENT: "true", so proxies never get the new roots (-Force to go on).</summary>
    public const string MeshTrustProxyConfigXdsDisabled = nameof(MeshTrustProxyConfigXdsDisabled);

    /// <summary>A cluster's istiod is older than 1.20, which ignores a changed root until restarted (-Force to go on).</summary>
    public const string MeshTrustIstiodTooOld = nameof(MeshTrustIstiodTooOld);

    /// <summary>No istiod found (or it could not be read) in a cluster that is no remote-profile cluster (-Force to go on).</summary>
    public const string MeshTrustIstiodNotFound = nameof(MeshTrustIstiodNotFound);

    /// <summary>A cluster's bundle holds a root that is neither the new one nor the one it signs with: another rotation is under way (-Force to go on).</summary>
    public const string MeshTrustOtherRotation = nameof(MeshTrustOtherRotation);

    /// <summary>The phase asked for needs an earlier phase done on every named cluster first (the message names it).</summary>
    public const string MeshTrustPhaseOutOfOrder = nameof(MeshTrustPhaseOutOfOrder);

    /// <summary>RetireOld before -MinimumSoak has passed since the last cluster's SignWithNew.</summary>
    public const string MeshTrustSoakNotOver = nameof(MeshTrustSoakNotOver);

    /// <summary>RetireOld on a cluster whose cacerts does not record when it began signing with the new root (run -Phase SignWithNew again to record it).</summary>
    public const string MeshTrustSoakUnknown = nameof(MeshTrustSoakUnknown);

    /// <summary>-MinimumSoak is negative.</summary>
    public const string MeshTrustSoakInvalid = nameof(MeshTrustSoakInvalid);
}
