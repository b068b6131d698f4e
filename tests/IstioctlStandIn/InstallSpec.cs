using YamlDotNet.RepresentationModel;

namespace IstioctlStandIn;

/// <summary>The values of an IstioOperator file that decide what the charts render in a remote.</summary>
internal sealed record InstallSpec(
    string Namespace,
    string? Profile,
    string? RemotePilotAddress,
    string? ClusterName,
    string? Network,
    string InjectionPath,
    string? InjectionUrl)
{
    /// <summary><c>spec.profile: remote</c>: the remote profile (istiodRemote.enabled, no istiod in the cluster).</summary>
    public bool RemoteProfile => Profile == "remote";

    public static InstallSpec Read(string file)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(file)));
        var root = stream.Documents[0].RootNode;
        string? Get(params string[] path)
        {
            YamlNode? node = root;
            foreach (var key in path)
            {
                node = node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(key), out var c) ? c : null;
            }

            return node is YamlScalarNode { Value: { Length: > 0 } s } ? s : null;
        }

        return new InstallSpec(
            Get("spec", "values", "global", "istioNamespace") ?? "istio-system",
            Get("spec", "profile"),
            Get("spec", "values", "global", "remotePilotAddress"),
            Get("spec", "values", "global", "multiCluster", "clusterName"),
            Get("spec", "values", "global", "network"),
            // istio-discovery/values.yaml: istiodRemote.injectionPath defaults to "/inject".
            Get("spec", "values", "istiodRemote", "injectionPath") ?? "/inject",
            Get("spec", "values", "istiodRemote", "injectionURL"));
    }
}
