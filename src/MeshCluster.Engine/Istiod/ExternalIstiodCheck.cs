using MeshCluster.Engine.Install;

namespace MeshCluster.Engine.Istiod;

/// <summary>
/// Whether the primary's istiod will take charge of a remote-profile cluster, as istiod decides it once, when it adds the
/// cluster (pilot/pkg/serviceregistry/kube/controller/multicluster.go checkShouldLead): only with EXTERNAL_ISTIOD=true, and
/// only when the remote's namespace names its cluster in topology.istio.io/controlPlaneClusters. Warnings, never errors:
/// the primary may be installed after the secret is published.
/// </summary>
public static class ExternalIstiodCheck
{
    /// <summary>The warnings for this primary and remote; none when the remote does not count on the primary's istiod.</summary>
    public static IReadOnlyList<string> Judge(IstiodReading primary, RemoteProfileEvidence remote)
    {
        var warnings = new List<string>();
        if (!remote.ExpectsExternalIstiod) return warnings;
        var why = remote.IsRemoteProfile
            ? $"Context '{remote.Context}' runs Istio's remote profile (its injector calls istiod at {remote.InjectionPath}; no istiod of its own)"
            : $"Namespace {remote.Namespace} of context '{remote.Context}' names its control plane cluster ({ControlPlaneClustersAnnotation.Name}={remote.ControlPlaneClusters})";

        if (primary.Unreadable is not null)
        {
            warnings.Add($"{why}, but the primary's istiod could not be read ({primary.Unreadable.TrimEnd('.')}): check yourself that it runs with EXTERNAL_ISTIOD=true.");
            return warnings;
        }

        if (!primary.Found)
        {
            warnings.Add($"{why}, but {primary.Describe()} (not installed yet?). Install the primary with values.global.externalIstiod: true " +
                         $"(EXTERNAL_ISTIOD=true on istiod) and multiCluster.clusterName named in {ControlPlaneClustersAnnotation.Name}, " +
                         "or its istiod will never take charge of this cluster.");
            return warnings;
        }

        foreach (var istiod in primary.Deployments.Where(d => d.ExternalIstiod != true))
        {
            warnings.Add(istiod.ExternalIstiod is null
                ? $"{why}; EXTERNAL_ISTIOD of istiod {istiod.Namespace}/{istiod.Name} in context '{primary.Context}' comes from a ConfigMap or Secret MeshCluster does not read: " +
                  "make sure it is true, or istiod never takes charge of this cluster."
                : $"{why}, but istiod {istiod.Namespace}/{istiod.Name} in context '{primary.Context}' does not run with EXTERNAL_ISTIOD=true" +
                  $"{(istiod.IsSet(IstiodDeployment.ExternalIstiodVariable) ? $" (it is '{istiod.Environment(IstiodDeployment.ExternalIstiodVariable)}')" : string.Empty)}, " +
                  "so it never takes charge of this cluster (no injector caBundle, no istio-ca-root-cert there). Set values.global.externalIstiod: true on the primary's install " +
                  "(the chart writes EXTERNAL_ISTIOD=true from Istio 1.23: manifests/charts/istio-control/istio-discovery/templates/deployment.yaml), " +
                  "or values.pilot.env.EXTERNAL_ISTIOD: true before 1.23.");
        }

        var ids = primary.ClusterIds;
        if (ids.Count == 0) return warnings; // CLUSTER_ID from a ConfigMap: nothing to compare with
        var fix = $"kubectl annotate namespace {remote.Namespace} {ControlPlaneClustersAnnotation.Name}={ids[0]} --overwrite --context {remote.Context}";
        var reread = "istiod reads it once, when it adds the cluster: after fixing it, restart the primary's istiod (or publish the remote secret with a new token) so that it reads it again.";
        if (remote.ControlPlaneClusters is null)
        {
            warnings.Add($"{why}, but its namespace {remote.Namespace} carries no {ControlPlaneClustersAnnotation.Name} annotation, so the primary's istiod (cluster '{ids[0]}') " +
                         $"never takes charge of it: {fix}. {reread}");
        }
        else if (!ids.Any(id => ControlPlaneClusters.Names(remote.ControlPlaneClusters, id)))
        {
            var spaced = ids.Any(id => ControlPlaneClusters.NamesIgnoringSpaces(remote.ControlPlaneClusters, id))
                ? " (istiod splits the list at commas and does not trim spaces)"
                : string.Empty;
            warnings.Add($"Namespace {remote.Namespace} of context '{remote.Context}' names '{remote.ControlPlaneClusters}' in {ControlPlaneClustersAnnotation.Name}, " +
                         $"not the primary's cluster '{string.Join("', '", ids)}'{spaced}: the primary's istiod never takes charge of it. {fix}. {reread}");
        }

        return warnings;
    }
}

/// <summary>topology.istio.io/controlPlaneClusters as istiod reads it: a comma-separated list of cluster names, or <c>*</c> for any.</summary>
public static class ControlPlaneClusters
{
    /// <summary>True when the annotation names <paramref name="clusterId"/> (checkShouldLead: strings.Split on ',', each compared as it is).</summary>
    public static bool Names(string annotation, string clusterId) =>
        annotation.Split(',').Any(c => c == "*" || string.Equals(c, clusterId, StringComparison.Ordinal));

    /// <summary>True when it would name the cluster if spaces around the commas were trimmed (a likely typing slip).</summary>
    public static bool NamesIgnoringSpaces(string annotation, string clusterId) =>
        annotation.Split(',').Select(c => c.Trim()).Any(c => c == "*" || string.Equals(c, clusterId, StringComparison.Ordinal));
}
