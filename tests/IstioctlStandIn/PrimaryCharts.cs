using k8s;
using k8s.Models;

namespace IstioctlStandIn;

/// <summary>
/// What istioctl's charts render for a primary prepared for remotes, beside <see cref="Charts"/> (github.com/istio/istio, manifests/charts/...):
///   istiod's env   istio-control/istio-discovery/templates/deployment.yaml: CLUSTER_ID from values.global.multiCluster.clusterName
///                  (default Kubernetes), every values.pilot.env entry, and EXTERNAL_ISTIOD from values.global.externalIstiod: always
///                  rendered in 1.8-1.9 ("false" by default, 1.8.0), not at all in 1.10-1.22, and from 1.23 when externalIstiod is
///                  true and values.pilot.env does not set it (1.23.0, 1.26.8). 1.7.8 has no EXTERNAL_ISTIOD.
///   gateways       gateways/istio-ingress/templates at 1.26.8 (the same objects at 1.7.8 and 1.24.6), per components.ingressGateways
///                  entry: serviceaccount.yaml (&lt;name&gt;-service-account), deployment.yaml, or injected-deployment.yaml when
///                  values.gateways.istio-ingressgateway.injectionTemplate is set (the pod then carries sidecar.istio.io/inject "true" and
///                  inject.istio.io/templates), and service.yaml (type LoadBalancer, selector = the entry's label, its k8s.service.ports,
///                  else the chart's default ports of values.yaml). k8s.env goes on the istio-proxy container.
/// Left out as elsewhere: the gateway's Role/RoleBinding, PodDisruptionBudget, HPA, and meshexpansion.yaml's networking objects
/// (1.7-1.8; the stand-in carries no CRDs before 1.24).
/// </summary>
internal static class PrimaryCharts
{
    public static V1Deployment WithIstiodEnv(V1Deployment istiod, IstioVersion v, InstallSpec s)
    {
        var env = new List<V1EnvVar> { new() { Name = "REVISION", Value = "default" }, new() { Name = "PILOT_CERT_PROVIDER", Value = "istiod" } };
        if (s.PilotEnvExternalIstiod is { } fromPilotEnv) env.Add(new V1EnvVar { Name = "EXTERNAL_ISTIOD", Value = fromPilotEnv });
        env.Add(new V1EnvVar { Name = "CLUSTER_ID", Value = s.ClusterName ?? "Kubernetes" });
        if (v.AtLeast(8) && !v.AtLeast(10))
        {
            env.Add(new V1EnvVar { Name = "EXTERNAL_ISTIOD", Value = s.ExternalIstiod ? "true" : "false" });
        }
        else if (v.AtLeast(23) && s.ExternalIstiod && s.PilotEnvExternalIstiod is null)
        {
            env.Add(new V1EnvVar { Name = "EXTERNAL_ISTIOD", Value = "true" });
        }

        istiod.Spec.Template.Spec.Containers[0].Env = env;
        return istiod;
    }

    /// <summary>The IngressGateways component: per enabled entry its account, Deployment and Service.</summary>
    public static Component IngressGateways(IstioVersion v, string versionText, InstallSpec s)
    {
        var objects = new List<IKubernetesObject<V1ObjectMeta>>();
        foreach (var gateway in s.IngressGateways)
        {
            // values.yaml's labels of istio-ingressgateway when the entry gives none.
            var labels = gateway.Labels.Count > 0
                ? new Dictionary<string, string>(gateway.Labels)
                : new Dictionary<string, string> { ["app"] = "istio-ingressgateway", ["istio"] = "ingressgateway" };
            objects.Add(Charts.ServiceAccount($"{gateway.Name}-service-account", s.Namespace, labels.GetValueOrDefault("app", gateway.Name)));
            objects.Add(Deployment(gateway, labels, versionText, s));
            objects.Add(Service(gateway, labels, s.Namespace));
        }

        return new Component("IngressGateways", objects);
    }

    private static V1Deployment Deployment(GatewaySpec gateway, Dictionary<string, string> labels, string versionText, InstallSpec s)
    {
        var injected = s.InjectionTemplate.Length > 0;
        // injected-deployment.yaml: image "auto", filled in by the injector; deployment.yaml: the proxy image itself.
        var deployment = Charts.Deployment(gateway.Name, s.Namespace, labels.GetValueOrDefault("app", gateway.Name), injected ? "auto" : $"docker.io/istio/proxyv2:{versionText}",
            $"{gateway.Name}-service-account");
        deployment.Metadata.Labels = new Dictionary<string, string>(labels)
        {
            ["istio.io/rev"] = "default",
            ["operator.istio.io/component"] = "IngressGateways",
            ["app.kubernetes.io/name"] = "istio-ingressgateway",
        };
        deployment.Spec.Selector.MatchLabels = new Dictionary<string, string>(labels);
        deployment.Spec.Template.Metadata.Labels = new Dictionary<string, string>(labels)
        {
            ["operator.istio.io/component"] = "IngressGateways",
            ["sidecar.istio.io/inject"] = injected ? "true" : "false",
            ["service.istio.io/canonical-name"] = gateway.Name,
        };
        deployment.Spec.Template.Metadata.Annotations = new Dictionary<string, string> { ["sidecar.istio.io/inject"] = injected ? "true" : "false" };
        if (injected) deployment.Spec.Template.Metadata.Annotations["inject.istio.io/templates"] = s.InjectionTemplate;
        var container = deployment.Spec.Template.Spec.Containers[0];
        container.Name = "istio-proxy";
        container.Env = gateway.Env.Select(e => new V1EnvVar { Name = e.Name, Value = e.Value }).ToList();
        return deployment;
    }

    private static V1Service Service(GatewaySpec gateway, Dictionary<string, string> labels, string ns)
    {
        // gateways/istio-ingress/values.yaml's default ports, when the entry names none.
        var ports = gateway.Ports ?? new List<(string, int, int)> { ("status-port", 15021, 15021), ("http2", 80, 8080), ("https", 443, 8443), ("tls", 15443, 15443) };
        return new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta
            {
                Name = gateway.Name,
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string>(labels) { ["istio.io/rev"] = "default", ["operator.istio.io/component"] = "IngressGateways" },
            },
            Spec = new V1ServiceSpec
            {
                Type = "LoadBalancer",
                Selector = new Dictionary<string, string>(labels),
                // Protocol TCP: Kubernetes defaults it; written so a replace compares equal.
                Ports = ports.Select(p => new V1ServicePort { Name = p.Name, Port = p.Port, TargetPort = p.TargetPort, Protocol = "TCP" }).ToList(),
            },
        };
    }
}
