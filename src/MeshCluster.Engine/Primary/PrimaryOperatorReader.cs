using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Input;
using MeshCluster.Engine.Install;
using YamlDotNet.RepresentationModel;

namespace MeshCluster.Engine.Primary;

/// <summary>What Install-IstioPrimary needs to know about an IstioOperator beyond <see cref="IstioOperatorSummary"/>.</summary>
/// <param name="ExternalIstiod">values.global.externalIstiod: true.</param>
/// <param name="PilotEnvExternalIstiod">values.pilot.env.EXTERNAL_ISTIOD: true (what 1.10-1.22's istiod template reads instead).</param>
/// <param name="MeshExpansion">values.global.meshExpansion.enabled: true (Istio 1.7's guide).</param>
/// <param name="Gateways">The enabled entries of components.ingressGateways, by name.</param>
public sealed record PrimaryOperatorSummary(IstioOperatorSummary Common, bool ExternalIstiod, bool PilotEnvExternalIstiod, bool MeshExpansion,
    IReadOnlyList<string> Gateways)
{
    /// <summary>profile: empty: no control plane (the east-west gateway alone, as gen-eastwest-gateway.sh installs it).</summary>
    public bool GatewayOnly => string.Equals(Common.Profile, "empty", StringComparison.Ordinal);

    /// <summary>The form the spec has: MeshExpansion when it enables meshExpansion, else ExternalIstiod.</summary>
    public PrimaryInstallForm Form => MeshExpansion ? PrimaryInstallForm.MeshExpansion : PrimaryInstallForm.ExternalIstiod;
}

/// <summary>Reads a primary's IstioOperator (after <see cref="IstioOperatorReader"/> has judged it an IstioOperator at all).</summary>
public static class PrimaryOperatorReader
{
    public static PrimaryOperatorSummary ReadFile(string path) => Read(InputLimits.ReadText(path, reason => Invalid(path, reason)), path, IstioOperatorReader.ReadFile(path));

    public static PrimaryOperatorSummary Read(string yaml, string source) => Read(yaml, source, IstioOperatorReader.Read(yaml, source));

    private static PrimaryOperatorSummary Read(string yaml, string source, IstioOperatorSummary common)
    {
        // IstioOperatorReader has checked size, nesting and syntax: this second parse cannot fail on them.
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var spec = Child(root, "spec");
        var values = Child(spec, "values");
        var global = Child(values, "global");
        var gateways = new List<string>();
        if (Child(spec, "components") is { } components && components.Children.TryGetValue(new YamlScalarNode("ingressGateways"), out var list) &&
            list is YamlSequenceNode entries)
        {
            foreach (var entry in entries.OfType<YamlMappingNode>())
            {
                if (Scalar(entry, "name") is { Length: > 0 } name && !IsFalse(Scalar(entry, "enabled"))) gateways.Add(name);
            }
        }

        return new PrimaryOperatorSummary(common,
            IsTrue(Scalar(global, "externalIstiod")),
            IsTrue(Scalar(Child(Child(values, "pilot"), "env"), "EXTERNAL_ISTIOD")),
            IsTrue(Scalar(Child(global, "meshExpansion"), "enabled")),
            gateways);
    }

    private static bool IsTrue(string? value) => string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
    private static bool IsFalse(string? value) => string.Equals(value, "false", StringComparison.OrdinalIgnoreCase);

    private static YamlMappingNode? Child(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child as YamlMappingNode : null;

    private static string? Scalar(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? (child as YamlScalarNode)?.Value : null;

    private static MeshClusterException Invalid(string source, string why) =>
        new(ErrorIds.InstallSpecInvalid, System.Management.Automation.ErrorCategory.InvalidData, $"The install spec '{source}' cannot be used: {why}.", target: source);
}
