using System.Management.Automation;
using k8s;
using k8s.Models;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.Http;

/// <summary>
/// What every reply must hold before the module reads it (issue 20): a 200 with a JSON object of another shape (a proxy, a
/// wrong URL) deserializes into an object whose fields are all null. An object must have its metadata, a list its
/// items (an API server always sends <c>"items": []</c>); anything else is KubeApiInvalidResponse, never a NullReferenceException.
/// </summary>
internal static class ReplyShape
{
    public static T Require<T>(KubeConnection connection, string what, T reply)
    {
        var problem = reply switch
        {
            null => "no object",
            IMetadata<V1ListMeta> list when ItemsOf(list) is null => "a list without items",
            IMetadata<V1ObjectMeta> { Metadata: null } => "an object without metadata",
            // One object was asked for; a list's kind (PodList, List) is no object's.
            IKubernetesObject<V1ObjectMeta> { Kind: { } kind } when kind.EndsWith("List", StringComparison.Ordinal) => $"a {kind} instead of one object",
            IObjectShape { Metadata: null } => "an object without metadata",
            IListShape { HasItems: false } => "a list without items",
            _ => null,
        };
        if (problem is null) return reply;
        throw new MeshClusterException(ErrorIds.KubeApiInvalidResponse, ErrorCategory.InvalidResult,
            $"The API server {connection.Server} of context '{connection.ContextName}' answered with {problem} while {what}: not what a Kubernetes API server sends.",
            target: connection.ContextName,
            recommendedAction: "Check that the kubeconfig's server is the API server itself, not a proxy or load balancer that answers in its place.");
    }

    // IItems<T> is generic in the item type: Items read by reflection (lists only; a list type without Items passes).
    private static object? ItemsOf(object list) =>
        list.GetType().GetProperty("Items") is { } items ? items.GetValue(list) : new object();
}
