using System.Management.Automation;
using k8s;
using k8s.Models;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.Naming;

namespace MeshCluster.Engine.Install;

/// <summary>
/// Istio 1.24+ primary-remote: <c>kubectl --context=$CTX_REMOTE create namespace istio-system; kubectl annotate namespace istio-system
/// topology.istio.io/controlPlaneClusters=$PRIMARY</c>, done before istioctl installs the remote profile.
/// </summary>
public static class ControlPlaneClustersAnnotation
{
    public const string Name = IstioOperatorYaml.ControlPlaneClustersAnnotation;

    /// <summary>The item that names every cluster's istiod.</summary>
    public const string Everyone = "*";

    /// <summary>
    /// The clusters a value names, as istiod reads it (pilot/pkg/serviceregistry/kube/controller/multicluster.go checkShouldLead,
    /// 1.15+): split at ',' and nothing trimmed; an istiod leads when an item is <c>*</c> or its own cluster ID. Each item must
    /// be <c>*</c> or a cluster name (a DNS-1123 label, as everywhere in the module); anything else (an empty item, a space)
    /// would match no istiod, so it is refused with ClusterNameInvalid, the whole value as the target.
    /// </summary>
    public static IReadOnlyList<string> Parse(string? value)
    {
        var items = (value ?? string.Empty).Split(',');
        foreach (var item in items)
        {
            if (item == Everyone || ClusterNameRule.IsDns1123Label(item)) continue;
            throw new MeshClusterException(ErrorIds.ClusterNameInvalid, ErrorCategory.InvalidArgument,
                $"'{value}' cannot name the primary (topology.istio.io/controlPlaneClusters): " +
                (items.Length == 1 ? "it is" : $"its item '{item}' is") + " neither * nor a cluster name (a DNS-1123 label: at most 63 lower-case letters, digits and '-'). " +
                "istiod splits the value at ',' without trimming spaces and takes charge of the remote when an item is * or its own cluster name.",
                target: value);
        }

        return items;
    }

    /// <summary>Creates the namespace with the annotation, or sets it on the existing one; sends nothing when it is there already.</summary>
    public static async Task EnsureAsync(KubeConnection connection, string ns, string primaryClusterName, IOperationReporter reporter, CancellationToken ct)
    {
        Parse(primaryClusterName);
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
