using System.Text;
using k8s.Models;
using MeshCluster.Engine.Yaml;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>The Secret istiod's secret controller reads: one per remote cluster, selected by label.</summary>
public static class RemoteSecretManifest
{
    /// <summary>The Secret to apply: exactly the fields this module owns (server-side apply manages only these).</summary>
    public static V1Secret Desired(string clusterName, string @namespace, string kubeConfig) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Type = "Opaque",
        Metadata = new V1ObjectMeta
        {
            Name = RemoteSecretNames.SecretName(clusterName),
            NamespaceProperty = @namespace,
            Labels = new Dictionary<string, string> { [RemoteSecretNames.MultiClusterLabel] = "true" },
            Annotations = new Dictionary<string, string> { [RemoteSecretNames.ClusterAnnotation] = clusterName },
        },
        Data = new Dictionary<string, byte[]> { [clusterName] = Encoding.UTF8.GetBytes(kubeConfig) },
    };

    /// <summary>
    /// True when <paramref name="existing"/> already holds everything <paramref name="desired"/> sets, so
    /// applying would change nothing. Fields others added (more labels, say) do not count.
    /// </summary>
    public static bool IsSatisfiedBy(V1Secret desired, V1Secret? existing)
    {
        if (existing is null) return false;
        if (!string.Equals(existing.Type ?? "Opaque", desired.Type ?? "Opaque", StringComparison.Ordinal)) return false;
        if (!Contains(existing.Metadata?.Labels, desired.Metadata.Labels)) return false;
        if (!Contains(existing.Metadata?.Annotations, desired.Metadata.Annotations)) return false;
        foreach (var (key, value) in desired.Data)
        {
            if (existing.Data is null || !existing.Data.TryGetValue(key, out var have) || !have.AsSpan().SequenceEqual(value)) return false;
        }

        return true;
    }

    /// <summary>The Secret as YAML for GitOps, with the kubeconfig as stringData (as istioctl prints it).</summary>
    public static string ToYaml(V1Secret desired)
    {
        var metadata = new Dictionary<string, object>
        {
            ["name"] = desired.Metadata.Name,
            ["namespace"] = desired.Metadata.NamespaceProperty,
            ["labels"] = new Dictionary<string, string>(desired.Metadata.Labels),
            ["annotations"] = new Dictionary<string, string>(desired.Metadata.Annotations),
        };
        var document = new Dictionary<string, object>
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = metadata,
            ["type"] = desired.Type ?? "Opaque",
            ["stringData"] = desired.Data.ToDictionary(d => d.Key, d => Encoding.UTF8.GetString(d.Value)),
        };
        return KubectlYaml.Serialize(document);
    }

    private static bool Contains(IDictionary<string, string>? have, IDictionary<string, string>? want) =>
        want is null || want.All(w => have is not null && have.TryGetValue(w.Key, out var v) && string.Equals(v, w.Value, StringComparison.Ordinal));
}
