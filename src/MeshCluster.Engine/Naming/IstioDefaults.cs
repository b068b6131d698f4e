namespace MeshCluster.Engine.Naming;

/// <summary>Names Istio uses unless told otherwise.</summary>
public static class IstioDefaults
{
    /// <summary>The control plane's namespace: where istiod runs, its remote secrets and its reader service account live.</summary>
    public const string Namespace = "istio-system";
}
