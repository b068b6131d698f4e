using k8s.Models;

namespace MeshCluster.Engine.ControlPlane;

/// <summary>
/// Which form a cluster's control plane has, read from the cluster when no install result says so.
/// Remote when the namespace's <c>Service istiod</c> selects no pods (or is an ExternalName) and no istiod Deployment is
/// there: Istio's istio-discovery chart renders that Service from remote-istiod-service.yaml only for a remote
/// (istiodRemote.enabled, profile remote), while a local istiod's Service (service.yaml) selects its pods, and
/// deployment.yaml renders istiod only without istiodRemote.enabled (istio/istio, manifests/charts at 1.24 and later;
/// the same for base/templates/services.yaml of 1.15-1.23's remote profile, which named it istiod and gave it no selector).
/// Istiod otherwise: a primary, the 1.7 guide's form (istiod plus istiod-remote), or nothing installed yet.
/// </summary>
public static class ControlPlaneFormRule
{
    public static ControlPlaneForm FromCluster(V1Service? istiod, IEnumerable<V1Deployment> deployments)
    {
        if (istiod is null) return ControlPlaneForm.Istiod;
        var remoteService = istiod.Spec?.Type == "ExternalName" || istiod.Spec?.Selector is null or { Count: 0 };
        var istiodRuns = deployments.Any(d => d.Metadata?.Name is "istiod" || d.Metadata?.Name?.StartsWith("istiod-", StringComparison.Ordinal) == true);
        return remoteService && !istiodRuns ? ControlPlaneForm.Remote : ControlPlaneForm.Istiod;
    }
}
