using k8s;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.Input;

namespace MeshCluster.Engine.Istiod;

/// <summary>What an istiod's mesh config says of one proxy setting, or why it cannot tell.</summary>
/// <param name="Value">The setting's value as written; null when unset.</param>
/// <param name="Unreadable">Set when the ConfigMap could not be read or parsed: the value is unknown, not absent.</param>
public sealed record MeshConfigSetting(string ConfigMap, string? Value, string? Unreadable);

/// <summary>
/// An istiod's mesh config: ConfigMap <c>istio</c> (or <c>istio-&lt;revision&gt;</c>), key <c>mesh</c>, as Istio's chart renders it
/// (manifests/charts/istio-control/istio-discovery/templates/configmap.yaml, <c>meshConfig</c> merged over the defaults).
/// </summary>
public static class MeshConfigReader
{
    /// <summary>meshConfig.defaultConfig.proxyMetadata.&lt;variable&gt; of the istiod's mesh config.</summary>
    public static async Task<MeshConfigSetting> ProxyMetadataAsync(KubeConnection connection, IstiodDeployment istiod, string variable, CancellationToken ct)
    {
        // The chart names the ConfigMap after the revision: istio for the default one.
        var name = istiod.Name == "istiod" ? "istio" : "istio-" + istiod.Name["istiod-".Length..];
        try
        {
            var map = await KubeApi.TryGetAsync(connection, $"reading ConfigMap {istiod.Namespace}/{name}",
                c => c.Client.CoreV1.ReadNamespacedConfigMapAsync(name, istiod.Namespace, cancellationToken: c.Token), ct).ConfigureAwait(false);
            if (map?.Data is null || !map.Data.TryGetValue("mesh", out var mesh)) return new MeshConfigSetting(name, null, null);
            var root = YamlTree.Parse(mesh, why => new InvalidDataException(why));
            object? node = root;
            foreach (var key in new[] { "defaultConfig", "proxyMetadata", variable })
            {
                if (node is not YamlMap m || !m.TryGet(key, out node, out _)) return new MeshConfigSetting(name, null, null);
            }

            return new MeshConfigSetting(name, node is YamlScalar { IsNull: false } s ? s.Value : null, null);
        }
        catch (MeshClusterException ex) when (ex.ErrorId is ErrorIds.KubeApiForbidden or ErrorIds.KubeApiUnauthorized)
        {
            return new MeshConfigSetting(name, null, ex.Message);
        }
        catch (InvalidDataException ex)
        {
            return new MeshConfigSetting(name, null, $"its mesh is no YAML istiod could read ({ex.Message})");
        }
    }

    /// <summary>A boolean as the agent reads it (pkg/env: strconv.ParseBool); null for anything else.</summary>
    public static bool? ParseBool(string? value) => value switch
    {
        "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
        "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
        _ => null,
    };
}
