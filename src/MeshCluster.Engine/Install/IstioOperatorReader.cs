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
/// <param name="RemotePilotAddress">values.global.remotePilotAddress: the primary's discovery address.</param>
public sealed record IstioOperatorSummary(string? ClusterName, string Namespace, string? Profile, string? ControlPlaneClusters = null,
    string? Network = null, string? RemotePilotAddress = null)
{
    /// <summary>
    /// Remote for <c>profile: remote</c> (istiodRemote.enabled: istio-discovery renders no istiod Deployment), else Istiod.
    /// </summary>
    public ControlPlaneForm Form => Profile == "remote" ? ControlPlaneForm.Remote : ControlPlaneForm.Istiod;
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
            Scalar(global, "remotePilotAddress"));
    }

    private static YamlMappingNode? Child(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child as YamlMappingNode : null;

    private static string? Scalar(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? (child as YamlScalarNode)?.Value : null;

    private static MeshClusterException Invalid(string source, string why) =>
        new(ErrorIds.InstallSpecInvalid, ErrorCategory.InvalidData, $"The install spec '{source}' cannot be used: {why}.", target: source);
}
