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
    [property: JsonPropertyName("namespace")] string? Namespace,
    [property: JsonPropertyName("labels")] IReadOnlyDictionary<string, string>? Labels = null);

/// <summary>A list of one kind (k8s.io/apimachinery meta/v1 List): its items. An API server always sends <c>"items": []</c>.</summary>
internal sealed record ListShape<T>([property: JsonPropertyName("items")] IReadOnlyList<T>? Items) : IListShape
{
    public bool HasItems => Items is not null;
}

internal interface IListShape
{
    bool HasItems { get; }
}

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

/// <summary>A Deployment (k8s.io/api/apps/v1/types.go): its replicas and its pods' template.</summary>
internal sealed record DeploymentShape(
    [property: JsonPropertyName("metadata")] ObjectMetaShape? Metadata,
    [property: JsonPropertyName("spec")] DeploymentSpecShape? Spec) : IObjectShape;

internal sealed record DeploymentSpecShape(
    [property: JsonPropertyName("replicas")] int? Replicas,
    [property: JsonPropertyName("template")] PodTemplateShape? Template);

internal sealed record PodTemplateShape([property: JsonPropertyName("spec")] PodSpecShape? Spec);

/// <summary>A Pod: its containers and its phase.</summary>
internal sealed record PodShape(
    [property: JsonPropertyName("metadata")] ObjectMetaShape? Metadata,
    [property: JsonPropertyName("spec")] PodSpecShape? Spec,
    [property: JsonPropertyName("status")] PodStatusShape? Status) : IObjectShape;

internal sealed record PodStatusShape([property: JsonPropertyName("phase")] string? Phase);

internal sealed record PodSpecShape([property: JsonPropertyName("containers")] IReadOnlyList<ContainerShape?>? Containers);

/// <summary>A container: what istiod's settings are read from (its image, arguments and environment).</summary>
internal sealed record ContainerShape(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("image")] string? Image,
    [property: JsonPropertyName("args")] IReadOnlyList<string>? Args,
    [property: JsonPropertyName("env")] IReadOnlyList<EnvVarShape?>? Env);

/// <summary>
/// An environment variable; of a valueFrom only whether there is one (its value is not in the object). Read as object, not
/// JsonElement?: a nullable struct would compile System.Text.Json's property code once more for it (about 40 methods).
/// </summary>
internal sealed record EnvVarShape(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("value")] string? Value,
    [property: JsonPropertyName("valueFrom")] object? ValueFrom);

/// <summary>
/// System.Text.Json's metadata for the shapes, made at build time: reading one needs no reflection and compiles only these few
/// types' code, not KubernetesClient's context of every Kubernetes type. Metadata only (no writer): the shapes are only read.
/// </summary>
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(ServiceShape))]
[JsonSerializable(typeof(DeploymentShape))]
[JsonSerializable(typeof(ListShape<DeploymentShape>))]
[JsonSerializable(typeof(ListShape<PodShape>))]
internal sealed partial class ShapeJson : JsonSerializerContext;
