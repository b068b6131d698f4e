using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using MeshCluster.TestGround;

namespace IstioctlStandIn;

/// <summary>istioctl's client version, as the stand-in is told to be.</summary>
internal readonly record struct IstioVersion(int Major, int Minor, int Patch)
{
    public static IstioVersion Parse(string text)
    {
        var parts = text.TrimStart('v').Split('.', '-');
        int Part(int i) => parts.Length > i && int.TryParse(parts[i], out var n) ? n : 0;
        return new IstioVersion(int.Parse(parts[0]), Part(1), Part(2));
    }

    /// <summary>1.&lt;minor&gt; or later.</summary>
    public bool AtLeast(int minor) => Major > 1 || (Major == 1 && Minor >= minor);
}

/// <summary>One istioctl component (Base, Pilot, AddonComponents) and the objects its charts render, in apply order.</summary>
internal sealed record Component(string Name, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects);

/// <summary>
/// What istioctl's charts render in a remote cluster for the values Install-IstioRemote passes, per Istio
/// version, read from the charts at the tags named (github.com/istio/istio, manifests/charts/...):
///   1.6/1.7-1.14  the guide's form: a local istiod plus Service and Endpoints istiod-remote with
///                 remotePilotAddress as an Endpoints `ip:` (base/templates/services.yaml, endpoints.yaml at 1.7.8):
///                 a hostname fails the install at that Endpoints, as the API server refuses it.
///   1.15-1.23     the same, istiod-remote now a ClusterIP Service with the webhook port, an ExternalName for
///                 a hostname (base/templates/services.yaml, endpoints.yaml at 1.15.7). The reader role: istio-reader-&lt;ns&gt;
///                 of the base chart until 1.10 (1.7.8), istio-discovery's istio-reader-clusterrole-&lt;ns&gt; from 1.11 (1.15.7),
///                 with the base chart's legacy istio-reader-&lt;ns&gt; beside it until 1.18.
///   1.24+         without `profile: remote`: a full istiod and no istiod-remote (the independent-primary trap;
///                 istio-discovery templates at 1.24.6 and 1.26.8). With `profile: remote`: no istiod, the
///                 CRDs, the reader account and role with the remote extras, the injector webhook, and a
///                 `Service istiod` without selector backed by Endpoints (1.24-1.27, remote-istiod-endpoints.yaml)
///                 or an EndpointSlice (1.28+, remote-istiod-endpointslices.yaml) at remotePilotAddress, or an
///                 ExternalName for a hostname (remote-istiod-service.yaml).
/// Versions between the tags read are played with the nearest band's templates. Left out, as nothing in the
/// module reads them: istiod's own RBAC, ConfigMaps (istio, values, the injector's), the validating webhooks,
/// PodDisruptionBudget, HPA, telemetry filters, and the CRDs before 1.24 (the stand-in carries 1.26.8's only).
/// </summary>
internal static class Charts
{
    /// <summary>The regexMatch of the 1.7-1.29 templates: only this counts as an IP address.</summary>
    private static readonly Regex IPv4 = new(@"^([0-9]*\.){3}[0-9]*$");

    /// <summary>Added to remote-istiod-service.yaml and remote-istiod-endpointslices.yaml in 1.30 (istio#58828).</summary>
    private static readonly Regex IPv6 = new(@"^([0-9a-fA-F]*:)+[0-9a-fA-F]*$");

    /// <param name="versionText">The version as istioctl prints it (its images' tag).</param>
    public static IReadOnlyList<Component> Render(IstioVersion v, string versionText, InstallSpec s)
    {
        // profile: empty renders only what the spec enables (gen-eastwest-gateway.sh's gateway spec).
        var components = s.EmptyProfile ? new List<Component>() : new List<Component>(s.RemoteProfile ? RemoteProfile(v, s) : LocalIstiod(v, versionText, s));
        if (s.IngressGateways.Count > 0) components.Add(PrimaryCharts.IngressGateways(v, versionText, s));
        return components;
    }

    /// <summary>The guide's form (no profile): istiod runs in the cluster.</summary>
    private static IReadOnlyList<Component> LocalIstiod(IstioVersion v, string versionText, InstallSpec s)
    {
        var ns = s.Namespace;
        var @base = new List<IKubernetesObject<V1ObjectMeta>>();
        var pilot = new List<IKubernetesObject<V1ObjectMeta>>();
        if (v.AtLeast(24)) @base.AddRange(Crds());
        @base.Add(ReaderServiceAccount(ns));
        if (!v.AtLeast(11))
        {
            // 1.7.8 base/templates/serviceaccount.yaml, clusterrole.yaml, clusterrolebinding.yaml.
            @base.Add(ServiceAccount("istiod-service-account", ns, "istiod"));
            @base.AddRange(ReaderRole($"istio-reader-{ns}", ns, ReaderRules17()));
        }
        else if (!v.AtLeast(19))
        {
            // 1.11-1.18: the base chart still renders its legacy account and reader role "for backcompat" (1.15.7
            // base/templates/serviceaccount.yaml, clusterrole.yaml, clusterrolebinding.yaml), beside istio-discovery's.
            @base.Add(ServiceAccount("istiod-service-account", ns, "istiod"));
            @base.AddRange(ReaderRole($"istio-reader-{ns}", ns, ReaderRulesLegacy115()));
        }

        if (!v.AtLeast(24) && s.RemotePilotAddress is { } address)
        {
            @base.AddRange(v.AtLeast(15) ? IstiodRemote115(ns, address) : IstiodRemote17(ns, address));
        }

        if (v.AtLeast(11))
        {
            // istio-discovery/templates/serviceaccount.yaml, reader-clusterrole.yaml, reader-clusterrolebinding.yaml.
            pilot.Add(ServiceAccount("istiod", ns, "istiod"));
            pilot.AddRange(ReaderRole($"istio-reader-clusterrole-{ns}", ns, v.AtLeast(24) ? ReaderRules124(v, remote: false) : ReaderRules115()));
        }

        // istio-discovery/templates/deployment.yaml and service.yaml: both rendered only without istiodRemote.enabled.
        // (From 1.25 remote-istiod-service.yaml renders a selector-less Service istiod whenever remotePilotAddress is set,
        // but service.yaml, later in the template order istioctl applies (operator/pkg/helm/helm.go sorts by file name),
        // replaces it with istiod's own: what remains is the Service below.)
        pilot.Add(PrimaryCharts.WithIstiodEnv(IstiodDeployment(v, versionText, ns), v, s));
        pilot.Add(IstiodService(ns));
        pilot.Add(InjectorWebhook(v, s));

        var components = new List<Component> { new("Base", @base), new("Pilot", pilot) };
        if (!v.AtLeast(7))
        {
            // 1.6's default profile also ran prometheus in the remote (Istio's guide lists its pod).
            components.Add(new Component("AddonComponents", new IKubernetesObject<V1ObjectMeta>[] { Deployment("prometheus", ns, "prometheus", "docker.io/prom/prometheus:v2.15.1", null) }));
        }

        return components;
    }

    /// <summary>
    /// 1.24+ <c>profile: remote</c> (base/files/profile-remote.yaml: istiodRemote.enabled): the base chart's CRDs and reader
    /// account; of istio-discovery only what istiodRemote.enabled renders (templates at 1.26.8).
    /// </summary>
    private static IReadOnlyList<Component> RemoteProfile(IstioVersion v, InstallSpec s)
    {
        var ns = s.Namespace;
        var @base = new List<IKubernetesObject<V1ObjectMeta>>(Crds()) { ReaderServiceAccount(ns) };
        var pilot = new List<IKubernetesObject<V1ObjectMeta>>();
        pilot.AddRange(ReaderRole($"istio-reader-clusterrole-{ns}", ns, ReaderRules124(v, remote: true)));
        pilot.Add(InjectorWebhook(v, s));
        if (s.RemotePilotAddress is { } address)
        {
            var isIp = IPv4.IsMatch(address) || (v.AtLeast(30) && IPv6.IsMatch(address));
            pilot.Add(RemoteIstiodService(ns, isIp ? null : address));
            if (isIp) pilot.Add(v.AtLeast(28) ? RemoteIstiodEndpointSlice(ns, address) : RemoteIstiodEndpoints(ns, address));
        }

        return new[] { new Component("Base", @base), new Component("Pilot", pilot) };
    }

    /// <summary>base/templates/crds.yaml: every CRD of files/crd-all.gen.yaml (1.26.8's, for every 1.24+ version played).</summary>
    private static IEnumerable<IKubernetesObject<V1ObjectMeta>> Crds() =>
        IstioCrds.JsonDefinitions.Select(d => KubernetesJson.Deserialize<V1CustomResourceDefinition>(d.Json));

    /// <summary>base/templates/reader-serviceaccount.yaml (serviceaccount.yaml before 1.11).</summary>
    private static V1ServiceAccount ReaderServiceAccount(string ns) => ServiceAccount("istio-reader-service-account", ns, "istio-reader");

    internal static V1ServiceAccount ServiceAccount(string name, string ns, string app) => new()
    {
        ApiVersion = "v1",
        Kind = "ServiceAccount",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["app"] = app } },
    };

    private static IEnumerable<IKubernetesObject<V1ObjectMeta>> ReaderRole(string name, string ns, List<V1PolicyRule> rules)
    {
        var labels = new Dictionary<string, string> { ["app"] = "istio-reader" };
        yield return new V1ClusterRole
        {
            ApiVersion = "rbac.authorization.k8s.io/v1",
            Kind = "ClusterRole",
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Rules = rules,
        };
        yield return new V1ClusterRoleBinding
        {
            ApiVersion = "rbac.authorization.k8s.io/v1",
            Kind = "ClusterRoleBinding",
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = name },
            Subjects = new List<Rbacv1Subject> { new() { Kind = "ServiceAccount", Name = "istio-reader-service-account", NamespaceProperty = ns } },
        };
    }

    private static V1PolicyRule Rule(string[] groups, string[] resources, params string[] verbs) =>
        new() { ApiGroups = groups, Resources = resources, Verbs = verbs };

    private static readonly string[] Read = { "get", "list", "watch" };

    /// <summary>1.7.8 base/templates/clusterrole.yaml, ClusterRole istio-reader-&lt;ns&gt; (global.centralIstiod unset).</summary>
    private static List<V1PolicyRule> ReaderRules17() => new()
    {
        Rule(new[] { "config.istio.io", "security.istio.io", "networking.istio.io", "authentication.istio.io", "rbac.istio.io" }, new[] { "*" }, Read),
        Rule(new[] { "" }, new[] { "endpoints", "pods", "services", "nodes", "replicationcontrollers", "namespaces" }, Read),
        Rule(new[] { "apps" }, new[] { "replicasets" }, Read),
    };

    /// <summary>1.15.7 base/templates/clusterrole.yaml, the legacy ClusterRole istio-reader-&lt;ns&gt; (global.externalIstiod unset).</summary>
    private static List<V1PolicyRule> ReaderRulesLegacy115() => new()
    {
        Rule(new[] { "config.istio.io", "security.istio.io", "networking.istio.io", "authentication.istio.io", "rbac.istio.io" }, new[] { "*" }, Read),
        Rule(new[] { "" }, new[] { "endpoints", "pods", "services", "nodes", "replicationcontrollers", "namespaces", "secrets" }, Read),
        Rule(new[] { "networking.istio.io" }, new[] { "workloadentries" }, "get", "watch", "list"),
        Rule(new[] { "apiextensions.k8s.io" }, new[] { "customresourcedefinitions" }, Read),
        Rule(new[] { "discovery.k8s.io" }, new[] { "endpointslices" }, Read),
        Rule(new[] { "apps" }, new[] { "replicasets" }, Read),
        Rule(new[] { "authentication.k8s.io" }, new[] { "tokenreviews" }, "create"),
        Rule(new[] { "authorization.k8s.io" }, new[] { "subjectaccessreviews" }, "create"),
        Rule(new[] { "multicluster.x-k8s.io" }, new[] { "serviceexports" }, "get", "watch", "list"),
        Rule(new[] { "multicluster.x-k8s.io" }, new[] { "serviceimports" }, "get", "watch", "list"),
    };

    /// <summary>1.15.7 istio-control/istio-discovery/templates/reader-clusterrole.yaml (global.externalIstiod unset).</summary>
    private static List<V1PolicyRule> ReaderRules115() => new()
    {
        Rule(new[] { "config.istio.io", "security.istio.io", "networking.istio.io", "authentication.istio.io", "rbac.istio.io" }, new[] { "*" }, Read),
        Rule(new[] { "" }, new[] { "endpoints", "pods", "services", "nodes", "replicationcontrollers", "namespaces", "secrets" }, Read),
        Rule(new[] { "networking.istio.io" }, new[] { "workloadentries" }, Read),
        Rule(new[] { "apiextensions.k8s.io" }, new[] { "customresourcedefinitions" }, Read),
        Rule(new[] { "discovery.k8s.io" }, new[] { "endpointslices" }, Read),
        Rule(new[] { "multicluster.x-k8s.io" }, new[] { "serviceexports" }, "get", "list", "watch", "create", "delete"),
        Rule(new[] { "multicluster.x-k8s.io" }, new[] { "serviceimports" }, Read),
        Rule(new[] { "apps" }, new[] { "replicasets" }, Read),
        Rule(new[] { "authentication.k8s.io" }, new[] { "tokenreviews" }, "create"),
        Rule(new[] { "authorization.k8s.io" }, new[] { "subjectaccessreviews" }, "create"),
    };

    /// <summary>
    /// istio-discovery/templates/reader-clusterrole.yaml at 1.24.6 (the same at 1.25 and 1.27; 1.26.x also reads configmaps in
    /// the core rule, as at 1.26.8). <paramref name="remote"/>: the istiodRemote.enabled extras that let the primary's
    /// istiod run the remote (write istio-ca-root-cert ConfigMaps, patch the webhooks' caBundle).
    /// </summary>
    private static List<V1PolicyRule> ReaderRules124(IstioVersion v, bool remote)
    {
        var core = new List<string> { "endpoints", "pods", "services", "nodes", "replicationcontrollers", "namespaces", "secrets" };
        if (v is { Major: 1, Minor: 26 }) core.Add("configmaps");
        var rules = new List<V1PolicyRule>
        {
            Rule(new[] { "config.istio.io", "security.istio.io", "networking.istio.io", "authentication.istio.io", "rbac.istio.io", "telemetry.istio.io", "extensions.istio.io" },
                new[] { "*" }, Read),
            Rule(new[] { "" }, core.ToArray(), Read),
            Rule(new[] { "networking.istio.io" }, new[] { "workloadentries" }, "get", "watch", "list"),
            Rule(new[] { "networking.x-k8s.io", "gateway.networking.k8s.io" }, new[] { "gateways" }, "get", "watch", "list"),
            Rule(new[] { "apiextensions.k8s.io" }, new[] { "customresourcedefinitions" }, Read),
            Rule(new[] { "discovery.k8s.io" }, new[] { "endpointslices" }, Read),
            Rule(new[] { "multicluster.x-k8s.io" }, new[] { "serviceexports" }, "get", "list", "watch", "create", "delete"),
            Rule(new[] { "multicluster.x-k8s.io" }, new[] { "serviceimports" }, Read),
            Rule(new[] { "apps" }, new[] { "replicasets" }, Read),
            Rule(new[] { "authentication.k8s.io" }, new[] { "tokenreviews" }, "create"),
            Rule(new[] { "authorization.k8s.io" }, new[] { "subjectaccessreviews" }, "create"),
        };
        if (remote)
        {
            rules.Add(Rule(new[] { "" }, new[] { "configmaps" }, "create", "get", "list", "watch", "update"));
            rules.Add(Rule(new[] { "admissionregistration.k8s.io" }, new[] { "mutatingwebhookconfigurations" }, "get", "list", "watch", "update", "patch"));
            rules.Add(Rule(new[] { "admissionregistration.k8s.io" }, new[] { "validatingwebhookconfigurations" }, "get", "list", "watch", "update"));
        }

        return rules;
    }

    /// <summary>
    /// 1.7.8 base/templates/services.yaml and endpoints.yaml with pilot enabled: a headless istiod-remote and its Endpoints with
    /// the address as <c>ip:</c>, whatever it is (the API server refuses a hostname there, so the install fails).
    /// </summary>
    private static IEnumerable<IKubernetesObject<V1ObjectMeta>> IstiodRemote17(string ns, string address)
    {
        yield return new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta { Name = "istiod-remote", NamespaceProperty = ns },
            Spec = new V1ServiceSpec { ClusterIP = "None", Ports = new List<V1ServicePort> { new() { Port = 15012, Name = "tcp-istiod" } } },
        };
        yield return new V1Endpoints
        {
            ApiVersion = "v1",
            Kind = "Endpoints",
            Metadata = new V1ObjectMeta { Name = "istiod-remote", NamespaceProperty = ns },
            Subsets = new List<V1EndpointSubset>
            {
                new() { Addresses = new List<V1EndpointAddress> { new() { Ip = address } }, Ports = new List<Corev1EndpointPort> { new() { Port = 15012, Name = "tcp-istiod" } } },
            },
        };
    }

    /// <summary>1.15.7 base/templates/services.yaml and endpoints.yaml with pilot enabled: istiod-remote with the webhook port; ExternalName for a hostname.</summary>
    private static IEnumerable<IKubernetesObject<V1ObjectMeta>> IstiodRemote115(string ns, string address)
    {
        var isIp = IPv4.IsMatch(address);
        yield return new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta { Name = "istiod-remote", NamespaceProperty = ns },
            Spec = new V1ServiceSpec
            {
                Ports = RemotePorts(),
                Type = isIp ? null : "ExternalName",
                ExternalName = isIp ? null : address,
            },
        };
        if (isIp) yield return EndpointsAt("istiod-remote", ns, address);
    }

    /// <summary>istio-discovery/templates/remote-istiod-service.yaml (1.24-1.27; 1.28+ the same Service): no selector; ExternalName for a hostname.</summary>
    private static V1Service RemoteIstiodService(string ns, string? externalName) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = "istiod", NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "istiod" } },
        Spec = new V1ServiceSpec
        {
            Ports = RemotePorts(),
            Type = externalName is null ? null : "ExternalName",
            ExternalName = externalName,
        },
    };

    private static List<V1ServicePort> RemotePorts() => new()
    {
        new() { Port = 15012, Name = "tcp-istiod", Protocol = "TCP" },
        new() { Port = 443, TargetPort = 15017, Name = "tcp-webhook", Protocol = "TCP" },
    };

    /// <summary>istio-discovery/templates/remote-istiod-endpoints.yaml (1.24-1.27).</summary>
    private static V1Endpoints RemoteIstiodEndpoints(string ns, string address)
    {
        var endpoints = EndpointsAt("istiod", ns, address);
        endpoints.Metadata.Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "istiod" };
        return endpoints;
    }

    private static V1Endpoints EndpointsAt(string name, string ns, string address) => new()
    {
        ApiVersion = "v1",
        Kind = "Endpoints",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Subsets = new List<V1EndpointSubset>
        {
            new()
            {
                Addresses = new List<V1EndpointAddress> { new() { Ip = address } },
                Ports = new List<Corev1EndpointPort>
                {
                    new() { Port = 15012, Name = "tcp-istiod", Protocol = "TCP" },
                    new() { Port = 15017, Name = "tcp-webhook", Protocol = "TCP" },
                },
            },
        },
    };

    /// <summary>
    /// istio-discovery/templates/remote-istiod-endpointslices.yaml (1.28+). The chart writes discovery.k8s.io/v1, which
    /// Kubernetes serves from 1.21; this 1.20 test ground serves the same object as v1beta1, so the stand-in writes that.
    /// </summary>
    private static V1EndpointSlice RemoteIstiodEndpointSlice(string ns, string address) => new()
    {
        ApiVersion = "discovery.k8s.io/v1beta1",
        Kind = "EndpointSlice",
        Metadata = new V1ObjectMeta
        {
            Name = "istiod",
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string>
            {
                ["kubernetes.io/service-name"] = "istiod",
                ["endpointslice.kubernetes.io/managed-by"] = "Helm",
                ["app.kubernetes.io/name"] = "istiod",
            },
        },
        AddressType = IPv4.IsMatch(address) ? "IPv4" : "IPv6",
        Endpoints = new List<V1Endpoint> { new() { Addresses = new List<string> { address } } },
        Ports = new List<Discoveryv1EndpointPort>
        {
            new() { Port = 15012, Name = "tcp-istiod", Protocol = "TCP" },
            new() { Port = 15017, Name = "tcp-webhook", Protocol = "TCP" },
        },
    };

    /// <summary>istio-discovery/templates/deployment.yaml: one replica, selector istio=pilot, its service account per version.</summary>
    private static V1Deployment IstiodDeployment(IstioVersion v, string versionText, string ns)
    {
        var deployment = Deployment("istiod", ns, "istiod", $"docker.io/istio/pilot:{versionText}", v.AtLeast(11) ? "istiod" : "istiod-service-account");
        deployment.Metadata.Labels["istio"] = "pilot";
        deployment.Spec.Selector.MatchLabels = new Dictionary<string, string> { ["istio"] = "pilot" };
        deployment.Spec.Template.Metadata.Labels["istio"] = "pilot";
        // From 1.10 the pod carries the label too (1.7.8: the annotation only); the injector webhooks never select istiod itself.
        if (v.AtLeast(10)) deployment.Spec.Template.Metadata.Labels["sidecar.istio.io/inject"] = "false";
        deployment.Spec.Template.Metadata.Annotations = new Dictionary<string, string> { ["sidecar.istio.io/inject"] = "false" };
        return deployment;
    }

    internal static V1Deployment Deployment(string name, string ns, string app, string image, string? serviceAccount)
    {
        var labels = new Dictionary<string, string> { ["app"] = app, ["istio.io/rev"] = "default" };
        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string>(labels) },
            Spec = new V1DeploymentSpec
            {
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = app } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(labels) },
                    Spec = new V1PodSpec
                    {
                        ServiceAccountName = serviceAccount,
                        Containers = new List<V1Container> { new() { Name = name == "istiod" ? "discovery" : name, Image = image } },
                    },
                },
            },
        };
    }

    /// <summary>istio-discovery/templates/service.yaml: istiod's own Service, selecting its pods.</summary>
    private static V1Service IstiodService(string ns) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta
        {
            Name = "istiod",
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string> { ["app"] = "istiod", ["istio"] = "pilot", ["istio.io/rev"] = "default" },
        },
        Spec = new V1ServiceSpec
        {
            Ports = new List<V1ServicePort>
            {
                new() { Port = 15010, Name = "grpc-xds", Protocol = "TCP" },
                new() { Port = 15012, Name = "https-dns", Protocol = "TCP" },
                new() { Port = 443, Name = "https-webhook", TargetPort = 15017, Protocol = "TCP" },
                new() { Port = 15014, Name = "http-monitoring", Protocol = "TCP" },
            },
            Selector = new Dictionary<string, string> { ["app"] = "istiod", ["istio"] = "pilot" },
        },
    };

    /// <summary>
    /// istio-discovery/templates/mutatingwebhook.yaml: named istio-sidecar-injector in istio-system, else with the namespace
    /// appended; calls Service istiod of the namespace on 443 at values.istiodRemote.injectionPath (or injectionURL), with no
    /// caBundle (istiod patches it in). 1.7-1.8: one webhook (1.7.8); 1.9+: the four of the revision-aware template (1.26.8).
    /// </summary>
    private static V1MutatingWebhookConfiguration InjectorWebhook(IstioVersion v, InstallSpec s)
    {
        var ns = s.Namespace;
        // 1.7.8's template calls "/inject" whatever the values say; from 1.9 istiodRemote.injectionPath/injectionURL are honoured.
        var clientConfig = s.InjectionUrl is { } url && v.AtLeast(9)
            ? new Admissionregistrationv1WebhookClientConfig { Url = url }
            : new Admissionregistrationv1WebhookClientConfig
            {
                Service = new Admissionregistrationv1ServiceReference { Name = "istiod", NamespaceProperty = ns, Path = v.AtLeast(9) ? s.InjectionPath : "/inject", Port = 443 },
            };
        V1MutatingWebhook Core(string prefix, V1LabelSelector namespaceSelector, V1LabelSelector? objectSelector) => new()
        {
            Name = prefix + "sidecar-injector.istio.io",
            ClientConfig = clientConfig,
            SideEffects = "None",
            Rules = new List<V1RuleWithOperations> { new() { Operations = new[] { "CREATE" }, ApiGroups = new[] { "" }, ApiVersions = new[] { "v1" }, Resources = new[] { "pods" } } },
            FailurePolicy = "Fail",
            ReinvocationPolicy = v.AtLeast(24) ? "Never" : null,
            AdmissionReviewVersions = v.AtLeast(24) ? new[] { "v1" } : new[] { "v1beta1", "v1" },
            NamespaceSelector = namespaceSelector,
            ObjectSelector = objectSelector,
        };
        static V1LabelSelector Match(params (string Key, string Operator, string[]? Values)[] requirements) => new()
        {
            MatchExpressions = requirements.Select(r => new V1LabelSelectorRequirement { Key = r.Key, OperatorProperty = r.Operator, Values = r.Values }).ToList(),
        };

        var webhooks = v.AtLeast(9)
            ? new List<V1MutatingWebhook>
            {
                Core("rev.namespace.", Match(("istio.io/rev", "In", new[] { "default" }), ("istio-injection", "DoesNotExist", null)),
                    Match(("sidecar.istio.io/inject", "NotIn", new[] { "false" }))),
                Core("rev.object.", Match(("istio.io/rev", "DoesNotExist", null), ("istio-injection", "DoesNotExist", null)),
                    Match(("sidecar.istio.io/inject", "NotIn", new[] { "false" }), ("istio.io/rev", "In", new[] { "default" }))),
                Core("namespace.", Match(("istio-injection", "In", new[] { "enabled" })), Match(("sidecar.istio.io/inject", "NotIn", new[] { "false" }))),
                Core("object.", Match(("istio-injection", "DoesNotExist", null), ("istio.io/rev", "DoesNotExist", null)),
                    Match(("sidecar.istio.io/inject", "In", new[] { "true" }), ("istio.io/rev", "DoesNotExist", null))),
            }
            : new List<V1MutatingWebhook>
            {
                Core("", new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["istio-injection"] = "enabled" } }, null),
            };

        return new V1MutatingWebhookConfiguration
        {
            ApiVersion = "admissionregistration.k8s.io/v1",
            Kind = "MutatingWebhookConfiguration",
            Metadata = new V1ObjectMeta
            {
                Name = ns == "istio-system" ? "istio-sidecar-injector" : $"istio-sidecar-injector-{ns}",
                Labels = new Dictionary<string, string> { ["istio.io/rev"] = "default", ["app"] = "sidecar-injector" },
            },
            Webhooks = webhooks,
        };
    }
}
