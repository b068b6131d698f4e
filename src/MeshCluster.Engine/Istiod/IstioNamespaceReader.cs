using System.Net;
using k8s;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.Install;

namespace MeshCluster.Engine.Istiod;

/// <summary>What a remote's Istio namespace shows of its form and version (see <see cref="IstioNamespaceReader"/>).</summary>
/// <param name="Form">Remote (the remote profile), Istiod (istiod runs in the cluster), or null (nothing of Istio found yet, or not readable).</param>
/// <param name="FormEvidence">Why, in words.</param>
/// <param name="Version">The Istio version that installed it, where a label or an image tag says so.</param>
/// <param name="VersionEvidence">Where the version was read.</param>
/// <param name="ControlPlaneClusters">The namespace's topology.istio.io/controlPlaneClusters, if set.</param>
public sealed record IstioNamespaceFacts(ControlPlaneForm? Form, string FormEvidence, IstioctlVersion? Version, string? VersionEvidence, string? ControlPlaneClusters)
{
    /// <summary>The form and where the version came from, in one clause.</summary>
    public string Describe() => FormEvidence + (Version is null ? "; no Istio version shown" : $"; Istio {Version.Text} ({VersionEvidence})");
}

/// <summary>
/// Tells a remote cluster's form and Istio version from its Istio namespace, reading only what every reader role of Istio 1.7 and
/// later lets istio-reader-service-account read (get namespaces, services and pods), so Test-IstioRemoteCluster can use the remote
/// secret's own token, and Publish-IstioRemoteSecret the caller's credentials, alike:
/// <list type="bullet">
/// <item>Form: Service istiod without a selector is the remote profile's: it points at the primary's istiod (istio-discovery
/// templates/remote-istiod-service.yaml 1.24+, istiod-remote templates/services.yaml 1.16-1.23). A Service istiod that selects pods
/// (istio-discovery templates/service.yaml) means istiod runs in the cluster: a primary, or a remote in the 1.7 guide's form.
/// No Service istiod: not known (nothing installed yet; a topology.istio.io/controlPlaneClusters annotation says what was meant, not
/// what runs, so it decides nothing).</item>
/// <item>Version: the label operator.istio.io/version that istioctl puts on everything it installs (operator/pkg/helmreconciler
/// reconciler.go 1.7-1.23, operator/pkg/install/install.go 1.24+), else app.kubernetes.io/version (the charts' istio.labels, 1.24+ Helm
/// installs), else the tag of an istiod pod's image.</item>
/// </list>
/// Only the default revision is looked at (Service istiod, not istiod-&lt;revision&gt;).
/// </summary>
public static class IstioNamespaceReader
{
    public const string IstiodService = "istiod";
    public const string OperatorVersionLabel = "operator.istio.io/version";
    public const string ChartVersionLabel = "app.kubernetes.io/version";

    /// <summary>Reads the facts; a 403 on any of the reads counts as "not shown", other failures are thrown (MeshClusterException).</summary>
    public static async Task<IstioNamespaceFacts> ReadAsync(KubeConnection connection, string ns, CancellationToken ct)
    {
        var namespaceObject = await AllowedAsync(() => KubeApi.TryGetAsync(connection, $"reading Namespace {ns}",
            c => c.Client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: c.Token), ct)).ConfigureAwait(false);
        var controlPlaneClusters = namespaceObject?.Metadata?.Annotations is { } a && a.TryGetValue(ControlPlaneClustersAnnotation.Name, out var named) ? named : null;
        var service = await AllowedAsync(() => KubeApi.TryGetAsync(connection, $"reading Service {ns}/{IstiodService}",
            c => c.Client.CoreV1.ReadNamespacedServiceAsync(IstiodService, ns, cancellationToken: c.Token), ct)).ConfigureAwait(false);

        ControlPlaneForm? form;
        string evidence;
        if (service is not null && (service.Spec?.Selector is null || service.Spec.Selector.Count == 0))
        {
            form = ControlPlaneForm.Remote;
            evidence = $"the remote profile: Service {ns}/{IstiodService} selects no pods" +
                       (service.Spec?.Type == "ExternalName" ? $" (ExternalName {service.Spec.ExternalName})" : string.Empty) + ", it points at the primary's istiod";
        }
        else if (service is not null)
        {
            form = ControlPlaneForm.Istiod;
            evidence = $"istiod runs in the cluster: Service {ns}/{IstiodService} selects its pods";
        }
        else
        {
            form = null;
            evidence = namespaceObject is null ? $"no Istio found: no Namespace {ns} (or it may not be read)" : $"no Istio found: no Service {ns}/{IstiodService} (or it may not be read)";
        }

        IstioctlVersion? version = null;
        string? versionEvidence = null;
        foreach (var label in new[] { OperatorVersionLabel, ChartVersionLabel })
        {
            if (service?.Metadata?.Labels is { } labels && labels.TryGetValue(label, out var text) && IstioctlVersion.TryParse(text) is { } parsed)
            {
                (version, versionEvidence) = (parsed, $"label {label} of Service {ns}/{IstiodService}");
                break;
            }
        }

        if (version is null && form == ControlPlaneForm.Istiod)
        {
            var pods = await AllowedAsync<IReadOnlyList<PodShape>>(async () => await IstiodDeploymentReader.ListPodsAsync(connection, ns, limit: 5, ct).ConfigureAwait(false))
                .ConfigureAwait(false);
            foreach (var pod in pods ?? Array.Empty<PodShape>())
            {
                var containers = pod.Spec?.Containers?.OfType<ContainerShape>().ToList();
                var image = containers?.Find(c => c.Name == "discovery")?.Image ?? (containers is { Count: > 0 } ? containers[0].Image : null);
                if (ImageTag(image) is { } tag && IstioctlVersion.TryParse(tag) is { } parsed)
                {
                    (version, versionEvidence) = (parsed, $"image {image} of Pod {ns}/{pod.Metadata!.Name}");
                    break;
                }
            }
        }

        return new IstioNamespaceFacts(form, evidence, version, versionEvidence, controlPlaneClusters);
    }

    /// <summary>"docker.io/istio/pilot:1.7.8" gives "1.7.8"; a digest or no tag gives null.</summary>
    public static string? ImageTag(string? image)
    {
        if (string.IsNullOrEmpty(image)) return null;
        var at = image.IndexOf('@');
        if (at >= 0) image = image[..at];
        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') && colon < image.Length - 1 ? image[(colon + 1)..] : null;
    }

    private static async Task<T?> AllowedAsync<T>(Func<Task<T?>> read) where T : class
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (MeshClusterException ex) when (ex.StatusCode == HttpStatusCode.Forbidden)
        {
            return null;
        }
    }
}
