using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MeshCluster.TestGround;

/// <summary>
/// Istio's real CustomResourceDefinitions (Istio/crd-all.gen.yaml: Istio 1.26.8's
/// manifests/charts/base/files/crd-all.gen.yaml, unchanged), for tests that need Istio custom resources.
/// The istioctl stand-in carries the same file and applies it as istioctl 1.24+ does.
/// </summary>
public static partial class IstioCrds
{
    /// <summary>The file as Istio ships it (with the comment that says where it came from).</summary>
    public static string Yaml { get; } = ReadEmbedded();

    /// <summary>One YAML document per CRD, split as the base chart's templates/crds.yaml splits the file.</summary>
    public static IReadOnlyList<(string Name, string Yaml)> Definitions { get; } = Split(Yaml);

    /// <summary>Each definition as JSON (what a server-side apply sends), its YAML scalars typed as YAML 1.2's core schema types them.</summary>
    public static IReadOnlyList<(string Name, string Json)> JsonDefinitions { get; } = Definitions.Select(d => (d.Name, ToJson(d.Yaml))).ToList();

    /// <summary>
    /// Applies every definition and waits until each is Established, so custom resources of it can be
    /// created at once. Created, or replaced when it exists: istioctl 1.24+ applies server-side, but a 1.20
    /// server refuses a server-side apply of these ("x-kubernetes-validations: field not declared in schema",
    /// a field of 1.25+), while a create or replace stores them with the fields it does not know dropped.
    /// </summary>
    public static async Task ApplyAsync(IKubernetes client, CancellationToken ct = default)
    {
        foreach (var (name, json) in JsonDefinitions)
        {
            var crd = KubernetesJson.Deserialize<V1CustomResourceDefinition>(json);
            try
            {
                await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.Conflict)
            {
                // The istioctl stand-in may replace the same CRDs at the same moment: read and replace until one replace wins.
                for (var attempt = 1; ; attempt++)
                {
                    var existing = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(name, cancellationToken: ct).ConfigureAwait(false);
                    crd.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
                    try
                    {
                        await client.ApiextensionsV1.ReplaceCustomResourceDefinitionAsync(crd, name, cancellationToken: ct).ConfigureAwait(false);
                        break;
                    }
                    catch (HttpOperationException again) when (again.Response?.StatusCode == HttpStatusCode.Conflict && attempt < 5)
                    {
                        await Task.Delay(50 * attempt, ct).ConfigureAwait(false);
                    }
                }
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        foreach (var (name, _) in Definitions)
        {
            while (true)
            {
                var crd = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(name, cancellationToken: timeout.Token).ConfigureAwait(false);
                if (crd.Status?.Conditions?.Any(c => c.Type == "Established" && c.Status == "True") == true) break;
                await Task.Delay(50, timeout.Token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>True when the definition exists (any version of it).</summary>
    public static async Task<bool> ExistsAsync(IKubernetes client, string name, CancellationToken ct = default)
    {
        try
        {
            await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(name, cancellationToken: ct).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^  name: (\S+)$", RegexOptions.Multiline)]
    private static partial Regex MetadataName();

    private static List<(string, string)> Split(string yaml) =>
        yaml.Split("\n---\n")
            .Where(d => d.Contains("kind: CustomResourceDefinition", StringComparison.Ordinal))
            .Select(d => (MetadataName().Match(d).Groups[1].Value, d))
            .ToList();

    /// <summary>One YAML document as JSON: plain scalars typed (null, booleans, numbers), quoted ones strings.</summary>
    public static string ToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return Convert(stream.Documents[0].RootNode)?.ToJsonString() ?? "null";
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, Convert(c.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(Convert).ToArray()),
        YamlScalarNode { Style: ScalarStyle.Plain } scalar => Plain(scalar.Value ?? string.Empty),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new InvalidDataException($"unexpected YAML node {node.NodeType}"),
    };

    private static JsonNode? Plain(string text)
    {
        if (text is "" or "~" or "null" or "Null" or "NULL") return null;
        if (text is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (text is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (Regex.IsMatch(text, "^[-+]?[0-9]+$") && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            return JsonValue.Create(integer);
        if (Regex.IsMatch(text, @"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$"))
            return JsonValue.Create(double.Parse(text, CultureInfo.InvariantCulture));
        return JsonValue.Create(text);
    }

    private static string ReadEmbedded()
    {
        using var stream = typeof(IstioCrds).Assembly.GetManifestResourceStream("crd-all.gen.yaml")
            ?? throw new InvalidOperationException("crd-all.gen.yaml is not embedded in " + typeof(IstioCrds).Assembly.GetName().Name);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
