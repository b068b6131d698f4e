using MeshCluster.Engine.Install;

namespace MeshCluster.Engine.Primary;

/// <summary>
/// The east-west gateway as Istio's samples/multicluster/gen-eastwest-gateway.sh --network &lt;n&gt; emits it (istio/istio 1.8 to 1.26.8,
/// unchanged in what is written here): an ingress gateway component istio-eastwestgateway, labelled istio=eastwestgateway,
/// app=istio-eastwestgateway and topology.istio.io/network=&lt;n&gt;, env ISTIO_META_REQUESTED_NETWORK_VIEW=&lt;n&gt;, Service ports
/// status-port 15021, tls 15443, tls-istiod 15012 and tls-webhook 15017 (port = targetPort), and the gateway injection template.
/// </summary>
public static class EastWestGateway
{
    public const string Name = "istio-eastwestgateway";

    /// <summary>The script's IstioOperator name when the gateway is installed on its own.</summary>
    public const string OperatorName = "eastwest";

    /// <summary>The label expose-istiod.yaml's Gateway selects.</summary>
    public const string SelectorKey = "istio";
    public const string SelectorValue = "eastwestgateway";

    public const string NetworkLabel = "topology.istio.io/network";

    /// <summary>The ports the script gives the gateway's Service, in its order.</summary>
    public static readonly IReadOnlyList<(string Name, int Port)> Ports = new[]
    {
        ("status-port", 15021), ("tls", 15443), ("tls-istiod", 15012), ("tls-webhook", 15017),
    };

    /// <summary>The components.ingressGateways entry for <paramref name="network"/>.</summary>
    public static ValueMap Component(string network)
    {
        var label = ValueMap.From(new (string, object?)[]
        {
            (SelectorKey, SelectorValue), ("app", Name), (NetworkLabel, network),
        });
        var env = new List<object?>
        {
            // "traffic through this gateway should be routed inside the network" (the script's comment).
            ValueMap.From(new (string, object?)[] { ("name", "ISTIO_META_REQUESTED_NETWORK_VIEW"), ("value", network) }),
        };
        var ports = Ports.Select(p => (object?)ValueMap.From(new (string, object?)[] { ("name", p.Name), ("port", p.Port), ("targetPort", p.Port) })).ToList();
        var k8s = ValueMap.From(new (string, object?)[] { ("env", env), ("service", ValueMap.From(new (string, object?)[] { ("ports", ports) })) });
        return ValueMap.From(new (string, object?)[] { ("name", Name), ("label", label), ("enabled", true), ("k8s", k8s) });
    }

    /// <summary>values.gateways.istio-ingressgateway.injectionTemplate: gateway (the chart then renders injected-deployment.yaml).</summary>
    public static void AddInjectionTemplate(ValueMap values) =>
        values.Map("gateways").Map("istio-ingressgateway")["injectionTemplate"] = "gateway";
}
