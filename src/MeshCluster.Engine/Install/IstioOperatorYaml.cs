using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace MeshCluster.Engine.Install;

/// <summary>
/// Writes the remote's IstioOperator custom resource. Scalars are emitted one by one, so the quoting
/// is ours: every string that a YAML 1.1 or 1.2 reader could take for a number, a boolean or null
/// (a network named 123, yes, null, 0x1F, 1e3, ~) is double-quoted and stays a string in istioctl.
/// </summary>
public static partial class IstioOperatorYaml
{
    public const string ApiVersion = "install.istio.io/v1alpha1";
    public const string Kind = "IstioOperator";

    /// <summary>Istio 1.24+ primary-remote: set on the remote's istio-system, it names the primary whose istiod controls the remote.</summary>
    public const string ControlPlaneClustersAnnotation = "topology.istio.io/controlPlaneClusters";

    // Plain only when nothing but a string can come of it: a letter (or '/') first, then a
    // small safe alphabet. Everything else is quoted rather than reasoned about.
    [GeneratedRegex("^[A-Za-z/][A-Za-z0-9._/-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SafePlain();

    // YAML 1.1 booleans and nulls that pass the pattern above.
    private static readonly HashSet<string> ReservedWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "y", "n", "yes", "no", "true", "false", "on", "off", "null",
    };

    /// <summary>The spec.values of <paramref name="p"/>: the chosen form, then -Values merged in.</summary>
    public static ValueMap BuildValues(InstallSpecParameters p)
    {
        var values = new ValueMap();
        if (p.Profile == InstallProfile.Remote)
        {
            values.Map("istiodRemote")["injectionPath"] = InjectionPath(p.ClusterName, p.Network);
            var g = values.Map("global");
            g["remotePilotAddress"] = p.RemotePilotAddress;
            g["meshID"] = p.MeshId;
            g.Map("multiCluster")["clusterName"] = p.ClusterName;
            g["network"] = p.Network;
        }
        else
        {
            // The guide's order: meshID, multiCluster.clusterName, network, remotePilotAddress.
            var g = values.Map("global");
            g["meshID"] = p.MeshId;
            g.Map("multiCluster")["clusterName"] = p.ClusterName;
            g["network"] = p.Network;
            g["remotePilotAddress"] = p.RemotePilotAddress;
        }

        if (p.Values is not null) ValuesMerger.Merge(values, p.Values);
        return values;
    }

    public static string InjectionPath(string cluster, string network) => $"/inject/cluster/{cluster}/net/{network}";

    /// <summary>
    /// The IstioOperator text for <paramref name="values"/> (from <see cref="BuildValues"/>). A primary cluster name goes into
    /// metadata.annotations, where Install-IstioRemote finds it (istioctl ignores it there).
    /// </summary>
    public static string Write(InstallProfile profile, ValueMap values, string? primaryClusterName = null)
    {
        var spec = new ValueMap();
        if (profile == InstallProfile.Remote) spec["profile"] = "remote";
        spec["values"] = values;
        var fields = new List<(string, object?)> { ("apiVersion", ApiVersion), ("kind", Kind) };
        if (primaryClusterName is not null)
        {
            var annotations = ValueMap.From(new (string, object?)[] { (ControlPlaneClustersAnnotation, primaryClusterName) });
            fields.Add(("metadata", ValueMap.From(new (string, object?)[] { ("annotations", annotations) })));
        }

        fields.Add(("spec", spec));
        return WriteDocument(ValueMap.From(fields.ToArray()));
    }

    /// <summary>One YAML document of <paramref name="root"/>, with this class's quoting (shared with the primary's spec).</summary>
    public static string WriteDocument(ValueMap root)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var emitter = new Emitter(writer);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, true));
        EmitNode(emitter, root);
        emitter.Emit(new DocumentEnd(true));
        emitter.Emit(new StreamEnd());
        return writer.ToString();
    }

    /// <summary>True where a plain (unquoted) scalar reads back as this same string under YAML 1.1 and 1.2 rules.</summary>
    public static bool CanBePlain(string s) => SafePlain().IsMatch(s) && !ReservedWords.Contains(s);

    private static void EmitNode(IEmitter emitter, object? value)
    {
        switch (value)
        {
            case IReadOnlyDictionary<string, object?> map:
                emitter.Emit(new MappingStart(null, null, true, MappingStyle.Block));
                foreach (var (k, v) in map)
                {
                    EmitString(emitter, k);
                    EmitNode(emitter, v);
                }

                emitter.Emit(new MappingEnd());
                break;
            case string s:
                EmitString(emitter, s);
                break;
            case null:
                Plain(emitter, "null");
                break;
            case bool b:
                Plain(emitter, b ? "true" : "false");
                break;
            case double d:
                Plain(emitter, Float(d));
                break;
            case float f:
                Plain(emitter, Float(f));
                break;
            case sbyte or byte or short or ushort or int or uint or long or ulong or decimal:
                Plain(emitter, Convert.ToString(value, CultureInfo.InvariantCulture)!);
                break;
            case System.Collections.IEnumerable list:
                emitter.Emit(new SequenceStart(null, null, true, SequenceStyle.Block));
                foreach (var item in list) EmitNode(emitter, item);
                emitter.Emit(new SequenceEnd());
                break;
            default:
                EmitString(emitter, Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
                break;
        }
    }

    private static string Float(double d) =>
        double.IsNaN(d) ? ".nan" : double.IsPositiveInfinity(d) ? ".inf" : double.IsNegativeInfinity(d) ? "-.inf" : d.ToString("R", CultureInfo.InvariantCulture);

    private static void EmitString(IEmitter emitter, string s)
    {
        if (CanBePlain(s)) Plain(emitter, s);
        else emitter.Emit(new Scalar(null, null, s, ScalarStyle.DoubleQuoted, false, true));
    }

    private static void Plain(IEmitter emitter, string s) => emitter.Emit(new Scalar(null, null, s, ScalarStyle.Plain, true, false));
}
