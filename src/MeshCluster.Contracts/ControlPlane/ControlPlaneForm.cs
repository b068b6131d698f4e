namespace MeshCluster;

/// <summary>
/// What runs a cluster's Istio control plane, which decides what "ready" means for it.
/// </summary>
public enum ControlPlaneForm
{
    /// <summary>An istiod runs in the cluster itself: a primary, or a remote in the form of Istio's 1.7 guide (a full istiod beside <c>istiod-remote</c>). Ready: every pod running and every Deployment available.</summary>
    Istiod,

    /// <summary>Istio 1.24+ <c>profile: remote</c>: no istiod and no pods in the cluster; the primary's istiod runs it through the injector webhook, <c>Service istiod</c> and the reader role. Ready: those objects in place.</summary>
    Remote,
}
