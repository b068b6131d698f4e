using MeshCluster.Engine.Naming;
using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Input;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MeshCluster.Engine.Install;

/// <summary>What Install-IstioRemote needs to know about an IstioOperator file.</summary>
/// <param name="ControlPlaneClusters">metadata.annotations topology.istio.io/controlPlaneClusters: the primary to name on the remote's namespace.</param>
/// <param name="Network">values.global.network (the remote profile's injection path names it).</param>
/// <param name="RemotePilotAddress">values.global.remotePilotAddress: where the remote reaches the primary's istiod.</param>
/// <param name="IstiodRemoteEnabled">
/// The charts' own switch of the remote profile, set by hand: values.istiodRemote.enabled (1.24+) or components.istiodRemote.enabled (1.16-1.23).
/// </param>
public sealed record IstioOperatorSummary(string? ClusterName, string Namespace, string? Profile, string? ControlPlaneClusters = null,
    string? Network = null, string? RemotePilotAddress = null, bool IstiodRemoteEnabled = false)
{
    /// <summary>
    /// The remote profile (no istiod in the remote; the primary's istiod runs it): <c>profile: remote</c>, or the chart switch the
    /// profile sets. Otherwise, with a remotePilotAddress, the form of Istio's 1.7 guide (a local istiod beside istiod-remote).
    /// </summary>
    public bool IsRemoteProfile => string.Equals(Profile, "remote", StringComparison.Ordinal) || IstiodRemoteEnabled;

    /// <summary>Remote for the remote profile (istio-discovery renders no istiod Deployment), else Istiod.</summary>
    public ControlPlaneForm Form => IsRemoteProfile ? ControlPlaneForm.Remote : ControlPlaneForm.Istiod;
}

/// <summary>Reads an IstioOperator file far enough to name the cluster and the namespace istioctl installs into.</summary>
public static class IstioOperatorReader
{

    public static IstioOperatorSummary ReadFile(string path)
    {
        if (Directory.Exists(path))
        {
            throw new MeshClusterException(ErrorIds.InstallSpecFileNotFound, ErrorCategory.InvalidArgument,
                $"'{path}' is a folder; give the IstioOperator file's path.", target: path);
        }

        if (!File.Exists(path))
        {
            throw new MeshClusterException(ErrorIds.InstallSpecFileNotFound, ErrorCategory.ObjectNotFound,
                $"The IstioOperator file '{path}' does not exist.", target: path);
        }

        return Read(InputLimits.ReadText(path, reason => Invalid(path, reason)), path);
    }

    public static IstioOperatorSummary Read(string yaml, string source)
    {
        // Nesting first: the representation model below recurses per level.
        InputLimits.CheckYaml(yaml, reason => Invalid(source, reason));
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            root = stream.Documents.FirstOrDefault()?.RootNode as YamlMappingNode
                ?? throw Invalid(source, "it holds no YAML mapping");
        }
        catch (YamlException ex)
        {
            throw Invalid(source, $"it is not valid YAML ({ex.Start}: {ex.Message.TrimEnd('.')})");
        }

        var kind = Scalar(root, "kind");
        var apiVersion = Scalar(root, "apiVersion");
        if (kind != IstioOperatorYaml.Kind || apiVersion is null || !apiVersion.StartsWith("install.istio.io/", StringComparison.Ordinal))
        {
            throw Invalid(source, $"it is not an IstioOperator (kind '{kind}', apiVersion '{apiVersion}')");
        }

        var spec = Child(root, "spec");
        var global = Child(Child(spec, "values"), "global");
        var ns = Scalar(global, "istioNamespace");
        return new IstioOperatorSummary(
            Scalar(Child(global, "multiCluster"), "clusterName"),
            string.IsNullOrEmpty(ns) ? IstioDefaults.Namespace : ns,
            Scalar(spec, "profile"),
            Scalar(Child(Child(root, "metadata"), "annotations"), IstioOperatorYaml.ControlPlaneClustersAnnotation),
            Scalar(global, "network"),
            Scalar(global, "remotePilotAddress") is { Length: > 0 } address ? address : null,
            IsTrue(Scalar(Child(Child(spec, "values"), "istiodRemote"), "enabled")) || IsTrue(Scalar(Child(Child(spec, "components"), "istiodRemote"), "enabled")));
    }

    private static bool IsTrue(string? value) => string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);

    private static YamlMappingNode? Child(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child as YamlMappingNode : null;

    private static string? Scalar(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? (child as YamlScalarNode)?.Value : null;

    private static MeshClusterException Invalid(string source, string why) =>
        new(ErrorIds.InstallSpecInvalid, ErrorCategory.InvalidData, $"The install spec '{source}' cannot be used: {why}.", target: source);
}
