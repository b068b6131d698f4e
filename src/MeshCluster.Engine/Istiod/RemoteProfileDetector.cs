using k8s;
using k8s.Models;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.Install;

namespace MeshCluster.Engine.Istiod;

/// <summary>What a remote cluster shows of the form it was installed in.</summary>
/// <param name="HasLocalIstiod">An istiod Deployment runs in the remote's namespace (a primary, or the 1.7 guide's form).</param>
/// <param name="InjectionPath">The path of an injector webhook that calls istiod at <c>/inject/cluster/...</c>; null for none.</param>
/// <param name="ControlPlaneClusters">The namespace's topology.istio.io/controlPlaneClusters annotation; null when absent.</param>
public sealed record RemoteProfileEvidence(string Context, string Namespace, bool HasLocalIstiod, string? InjectionPath, string? ControlPlaneClusters)
{
    /// <summary>
    /// The rule: a remote runs Istio's remote profile when no istiod runs in it and its sidecar injector calls istiod at
    /// <c>/inject/cluster/&lt;cluster&gt;/net/&lt;network&gt;</c> (what istiodRemote.injectionPath renders in
    /// manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml; a primary's injector calls <c>/inject</c>).
    /// </summary>
    public bool IsRemoteProfile => !HasLocalIstiod && InjectionPath is not null;

    /// <summary>True when the remote counts on the primary's istiod to run it: the remote profile, or the annotation set (the user asked for it).</summary>
    public bool ExpectsExternalIstiod => IsRemoteProfile || ControlPlaneClusters is not null;
}

/// <summary>Tells whether a remote cluster runs the 1.24+ remote profile (the rule is <see cref="RemoteProfileEvidence.IsRemoteProfile"/>).</summary>
public static class RemoteProfileDetector
{
    public const string InjectionPathPrefix = "/inject/cluster/";

    /// <summary>Null when the remote could not be read (RBAC): its form is then unknown, and the caller says so.</summary>
    public static async Task<RemoteProfileEvidence?> DetectAsync(KubeConnection remote, string ns, IOperationReporter reporter, CancellationToken ct)
    {
        try
        {
            var namespaceTask = KubeApi.TryGetAsync(remote, $"reading Namespace {ns}", c => c.Client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: c.Token), ct);
            var webhooksTask = KubeApi.CallAsync(remote, "listing MutatingWebhookConfigurations",
                c => c.Client.AdmissionregistrationV1.ListMutatingWebhookConfigurationAsync(cancellationToken: c.Token), ct);
            var istiodTask = IstiodDeploymentReader.ListAsync(remote, ns, ct);
            await Task.WhenAll(namespaceTask, webhooksTask, istiodTask).ConfigureAwait(false);

            var annotation = namespaceTask.Result?.Metadata?.Annotations is { } a && a.TryGetValue(ControlPlaneClustersAnnotation.Name, out var value) ? value : null;
            var evidence = new RemoteProfileEvidence(remote.ContextName, ns,
                istiodTask.Result.Select(IstiodDeploymentReader.FromDeployment).Any(d => d is not null),
                InjectionPathOf(webhooksTask.Result.Items, ns), annotation);
            reporter.Verbose($"Context '{remote.ContextName}': " + (evidence.IsRemoteProfile
                ? $"the remote profile (no istiod in namespace {ns}; the injector calls {evidence.InjectionPath})"
                : evidence.HasLocalIstiod ? $"an istiod runs in namespace {ns}" : $"no istiod and no injector of the remote profile in namespace {ns}") +
                (annotation is null ? "." : $"; {ControlPlaneClustersAnnotation.Name}={annotation}."));
            return evidence;
        }
        catch (MeshClusterException ex) when (ex.ErrorId is ErrorIds.KubeApiForbidden or ErrorIds.KubeApiUnauthorized)
        {
            reporter.Verbose($"Cannot tell how context '{remote.ContextName}' was installed: {ex.Message}");
            return null;
        }
    }

    /// <summary>
    /// The path of the first injector webhook that calls istiod of this namespace (its Service istiod[-rev], or a URL) at
    /// /inject/cluster/...; null for none.
    /// </summary>
    public static string? InjectionPathOf(IEnumerable<V1MutatingWebhookConfiguration> configurations, string ns)
    {
        foreach (var webhook in configurations.SelectMany(c => c.Webhooks ?? new List<V1MutatingWebhook>()))
        {
            var client = webhook.ClientConfig;
            string? path = null;
            if (client?.Service is { } service)
            {
                if (service.NamespaceProperty == ns && service.Name is { } name && (name == "istiod" || name.StartsWith("istiod-", StringComparison.Ordinal))) path = service.Path;
            }
            else if (Uri.TryCreate(client?.Url, UriKind.Absolute, out var url))
            {
                path = url.AbsolutePath; // istiodRemote.injectionURL: an istiod outside the cluster
            }

            if (path?.StartsWith(InjectionPathPrefix, StringComparison.Ordinal) == true) return path;
        }

        return null;
    }
}
