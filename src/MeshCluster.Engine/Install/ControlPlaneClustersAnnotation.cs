using k8s;
using k8s.Models;
using MeshCluster.Engine.Http;

namespace MeshCluster.Engine.Install;

/// <summary>
/// Istio 1.24+ primary-remote: <c>kubectl --context=$CTX_REMOTE create namespace istio-system; kubectl annotate namespace istio-system
/// topology.istio.io/controlPlaneClusters=$PRIMARY</c>, done before istioctl installs the remote profile.
/// </summary>
public static class ControlPlaneClustersAnnotation
{
    public const string Name = IstioOperatorYaml.ControlPlaneClustersAnnotation;

    /// <summary>Creates the namespace with the annotation, or sets it on the existing one; sends nothing when it is there already.</summary>
    public static async Task EnsureAsync(KubeConnection connection, string ns, string primaryClusterName, IOperationReporter reporter, CancellationToken ct)
    {
        var existing = await KubeApi.TryGetAsync(connection, $"reading Namespace {ns}",
            c => c.Client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: c.Token), ct).ConfigureAwait(false);
        if (existing is null)
        {
            reporter.Verbose($"Creating Namespace '{ns}' in context '{connection.ContextName}' with {Name}={primaryClusterName}.");
            var made = await KubeApi.CreateOrExistingAsync(connection, $"creating Namespace {ns}",
                c => c.Client.CoreV1.CreateNamespaceAsync(new V1Namespace
                {
                    Metadata = new V1ObjectMeta { Name = ns, Annotations = new Dictionary<string, string> { [Name] = primaryClusterName } },
                }, cancellationToken: c.Token), ct).ConfigureAwait(false);
            if (made is not null) return;
            // Made meanwhile by someone else: annotate it like any existing one.
            existing = await KubeApi.CallAsync(connection, $"reading Namespace {ns}", c => c.Client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: c.Token), ct).ConfigureAwait(false);
        }

        var current = existing.Metadata.Annotations is { } a && a.TryGetValue(Name, out var value) ? value : null;
        if (current == primaryClusterName)
        {
            reporter.Verbose($"Namespace '{ns}' in context '{connection.ContextName}' already carries {Name}={primaryClusterName}.");
            return;
        }

        if (current is not null)
        {
            reporter.Warning($"Namespace '{ns}' in context '{connection.ContextName}' named '{current}' as its control plane cluster; it now names '{primaryClusterName}'.");
        }

        reporter.Verbose($"Annotating Namespace '{ns}' in context '{connection.ContextName}' with {Name}={primaryClusterName}.");
        var patch = new V1Patch(new { metadata = new { annotations = new Dictionary<string, string> { [Name] = primaryClusterName } } }, V1Patch.PatchType.MergePatch);
        await KubeApi.CallAsync(connection, $"annotating Namespace {ns}", c => c.Client.CoreV1.PatchNamespaceAsync(patch, ns, cancellationToken: c.Token), ct).ConfigureAwait(false);
    }
}
