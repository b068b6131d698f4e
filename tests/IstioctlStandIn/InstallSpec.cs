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

    /// <summary><c>spec.profile: empty</c>: nothing but the components the spec enables (gen-eastwest-gateway.sh's gateway).</summary>
    public bool EmptyProfile => Profile == "empty";

    /// <summary>values.global.externalIstiod.</summary>
    public bool ExternalIstiod { get; init; }

    /// <summary>values.pilot.env.EXTERNAL_ISTIOD, as a string ("true"), when set.</summary>
    public string? PilotEnvExternalIstiod { get; init; }

    /// <summary>values.gateways.istio-ingressgateway.injectionTemplate ("" by default: the plain deployment.yaml).</summary>
    public string InjectionTemplate { get; init; } = "";

    /// <summary>The enabled entries of components.ingressGateways.</summary>
    public IReadOnlyList<GatewaySpec> IngressGateways { get; init; } = Array.Empty<GatewaySpec>();

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

        var gateways = new List<GatewaySpec>();
        if (Node(root, "spec", "components", "ingressGateways") is YamlSequenceNode entries)
        {
            foreach (var entry in entries.OfType<YamlMappingNode>())
            {
                var name = Text(entry, "name");
                if (name is null || Text(entry, "enabled") == "false") continue;
                var labels = Node(entry, "label") is YamlMappingNode l
                    ? l.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => (kv.Value as YamlScalarNode)?.Value ?? "")
                    : new Dictionary<string, string>();
                var env = (Node(entry, "k8s", "env") as YamlSequenceNode)?.OfType<YamlMappingNode>()
                    .Select(e => (Text(e, "name") ?? "", Text(e, "value") ?? "")).ToList() ?? new List<(string, string)>();
                var ports = (Node(entry, "k8s", "service", "ports") as YamlSequenceNode)?.OfType<YamlMappingNode>()
                    .Select(e => (Text(e, "name") ?? "", int.Parse(Text(e, "port") ?? "0"), int.Parse(Text(e, "targetPort") ?? Text(e, "port") ?? "0"))).ToList();
                gateways.Add(new GatewaySpec(name, labels, env, ports));
            }
        }

        return new InstallSpec(
            Get("spec", "values", "global", "istioNamespace") ?? "istio-system",
            Get("spec", "profile"),
            Get("spec", "values", "global", "remotePilotAddress"),
            Get("spec", "values", "global", "multiCluster", "clusterName"),
            Get("spec", "values", "global", "network"),
            // istio-discovery/values.yaml: istiodRemote.injectionPath defaults to "/inject".
            Get("spec", "values", "istiodRemote", "injectionPath") ?? "/inject",
            Get("spec", "values", "istiodRemote", "injectionURL"))
        {
            ExternalIstiod = Get("spec", "values", "global", "externalIstiod") == "true",
            PilotEnvExternalIstiod = Get("spec", "values", "pilot", "env", "EXTERNAL_ISTIOD"),
            InjectionTemplate = Get("spec", "values", "gateways", "istio-ingressgateway", "injectionTemplate") ?? "",
            IngressGateways = gateways,
        };
    }

    private static YamlNode? Node(YamlNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            node = node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(key), out var c) ? c : null;
        }

        return node;
    }

    private static string? Text(YamlNode node, params string[] path) => Node(node, path) is YamlScalarNode { Value: { Length: > 0 } s } ? s : null;
}

/// <summary>
/// One components.ingressGateways entry: its name, label, k8s.env and k8s.service.ports (null: the chart's default ports,
/// gateways/istio-ingress/values.yaml).
/// </summary>
internal sealed record GatewaySpec(string Name, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<(string Name, string Value)> Env,
    IReadOnlyList<(string Name, int Port, int TargetPort)>? Ports);
