using System.Text.Json.Serialization;

namespace MeshCluster.Engine.Http;

/// <summary>
/// The few fields of Kubernetes objects that the hot reads (<see cref="KubeRead"/>) use, named as the API names them
/// (k8s.io/api/core/v1/types.go); every other field of the answer is skipped unread. A field added here is read from then on.
/// </summary>
internal interface IObjectShape
{
    ObjectMetaShape? Metadata { get; }
}

internal sealed record ObjectMetaShape(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("namespace")] string? Namespace);

/// <summary>A Service: its type, and the addresses its load balancer reported (status.loadBalancer.ingress).</summary>
internal sealed record ServiceShape(
    [property: JsonPropertyName("metadata")] ObjectMetaShape? Metadata,
    [property: JsonPropertyName("spec")] ServiceSpecShape? Spec,
    [property: JsonPropertyName("status")] ServiceStatusShape? Status) : IObjectShape;

internal sealed record ServiceSpecShape([property: JsonPropertyName("type")] string? Type);

internal sealed record ServiceStatusShape([property: JsonPropertyName("loadBalancer")] LoadBalancerStatusShape? LoadBalancer);

internal sealed record LoadBalancerStatusShape([property: JsonPropertyName("ingress")] IReadOnlyList<LoadBalancerIngressShape>? Ingress);

internal sealed record LoadBalancerIngressShape(
    [property: JsonPropertyName("ip")] string? Ip,
    [property: JsonPropertyName("hostname")] string? Hostname);

/// <summary>
/// System.Text.Json's metadata for the shapes, made at build time: reading one needs no reflection and compiles only these few
/// types' code, not KubernetesClient's context of every Kubernetes type. Metadata only (no writer): the shapes are only read.
/// </summary>
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(ServiceShape))]
internal sealed partial class ShapeJson : JsonSerializerContext;
