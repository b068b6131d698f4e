using k8s.Models;
using MeshCluster.Engine.RemoteSecret;

namespace MeshCluster.Engine.ControlPlane;

/// <summary>What a remote-profile cluster is judged against: its namespace, and what the install step knew.</summary>
/// <param name="ClusterName">The remote's name in the mesh: the injection path's cluster (any, when unknown).</param>
/// <param name="Network">The remote's network: the injection path's net (any, when unknown).</param>
/// <param name="DiscoveryAddress">remotePilotAddress: where Service istiod must point (any address, when unknown).</param>
public sealed record RemoteExpectation(string Namespace, string? ClusterName, string? Network, string? DiscoveryAddress);

/// <summary>The objects of one moment, each null (or empty) while absent.</summary>
public sealed record RemoteObjects(
    V1Namespace? Namespace,
    IReadOnlyCollection<V1CustomResourceDefinition> Crds,
    V1ServiceAccount? ReaderAccount,
    V1ClusterRole? ReaderRole,
    V1ClusterRoleBinding? ReaderBinding,
    V1MutatingWebhookConfiguration? Injector,
    V1Service? Istiod,
    V1Endpoints? Endpoints,
    IReadOnlyCollection<V1EndpointSlice> Slices);

/// <summary>The judgement of one moment: every check, and the ExternalName Service istiod points at (istio#45014), if it does.</summary>
public sealed record RemoteJudgement(bool Ready, IReadOnlyList<IstioControlPlaneCheck> Checks, string? ExternalName)
{
    /// <summary>"6/8 objects ready": the progress text.</summary>
    public string Summary => $"{Checks.Count(c => c.Ready)}/{Checks.Count} objects ready";

    /// <summary>0 to 100.</summary>
    public int Percent => Checks.Count == 0 ? 0 : 100 * Checks.Count(c => c.Ready) / Checks.Count;

    /// <summary>"MutatingWebhookConfiguration istio-sidecar-injector: missing", one per check not ready.</summary>
    public IEnumerable<string> Problems => Checks.Where(c => !c.Ready).Select(c => $"{c.Kind} {c.Name}: {c.Detail}");
}

/// <summary>
/// The names Istio's charts give what they render in a remote-profile cluster (istio/istio, manifests/charts at 1.26.8; no revision).
/// </summary>
public static class RemoteControlPlaneNames
{
    /// <summary>istio-discovery/templates/remote-istiod-service.yaml (and -endpoints.yaml, -endpointslices.yaml).</summary>
    public const string IstiodService = "istiod";

    /// <summary>The label every EndpointSlice of a Service carries (remote-istiod-endpointslices.yaml sets it; the mirroring controller too).</summary>
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    /// <summary>istio-discovery/templates/reader-clusterrole.yaml and its binding (the name since 1.11).</summary>
    public static string ReaderRole(string ns) => $"istio-reader-clusterrole-{ns}";

    /// <summary>istio-discovery/templates/mutatingwebhook.yaml: the namespace is appended outside istio-system.</summary>
    public static string InjectorWebhook(string ns) => ns == "istio-system" ? "istio-sidecar-injector" : $"istio-sidecar-injector-{ns}";

    /// <summary>
    /// The CRDs every release since 1.8 installs, by their v1 APIs (base/files/crd-all.gen.yaml): the least a remote must serve
    /// for the primary's istiod to read its config. Others of *.istio.io (telemetry, wasm plugins) must be Established when present.
    /// </summary>
    public static readonly IReadOnlyList<string> CoreCrds = new[]
    {
        "destinationrules.networking.istio.io", "gateways.networking.istio.io", "serviceentries.networking.istio.io", "sidecars.networking.istio.io",
        "virtualservices.networking.istio.io", "workloadentries.networking.istio.io", "authorizationpolicies.security.istio.io",
        "peerauthentications.security.istio.io",
    };
}

/// <summary>
/// Decides whether an Istio 1.24+ <c>profile: remote</c> cluster is ready. It runs no pods, so "ready" is what istioctl itself waits
/// for after installing it (operator/pkg/install/wait.go: the namespace Active, the CRDs Established) plus what the primary's istiod
/// and the remote's pods need from it (the objects istio-discovery renders with istiodRemote.enabled):
/// the reader ServiceAccount, its ClusterRole with the remote extras (write istio-ca-root-cert ConfigMaps, patch the webhooks'
/// caBundle) and their binding; the injector webhook calling Service istiod of the namespace on 443 at
/// <c>/inject/cluster/&lt;cluster&gt;/net/&lt;network&gt;</c>; Service istiod without selector, ports 15012 and 443 -> 15017;
/// and Endpoints or an EndpointSlice of it at the discovery address with ports 15012 and 15017 (an ExternalName Service needs none).
/// Pure: tested on hand-made objects, called on every watch event.
/// </summary>
public static class RemoteControlPlaneEvaluator
{
    public static RemoteJudgement Evaluate(RemoteExpectation expected, RemoteObjects found)
    {
        var (service, externalName) = Service(expected, found.Istiod);
        var checks = new List<IstioControlPlaneCheck>
        {
            Namespace(expected.Namespace, found.Namespace),
            Crds(found.Crds),
            Account(found.ReaderAccount),
            Role(expected.Namespace, found.ReaderRole),
            Binding(expected.Namespace, found.ReaderBinding),
            Webhook(expected, found.Injector),
            service,
            Endpoints(expected, found.Istiod, found.Endpoints, found.Slices),
        };
        // A webhook that calls the primary by URL (values.istiodRemote.injectionURL) does not go through the ExternalName.
        var viaService = found.Injector?.Webhooks is not { Count: > 0 } hooks || hooks.Any(w => w.ClientConfig?.Url is null);
        return new RemoteJudgement(checks.All(c => c.Ready), checks, viaService ? externalName : null);
    }

    private static IstioControlPlaneCheck Namespace(string name, V1Namespace? ns) => ns switch
    {
        null => new("Namespace", name, false, "missing"),
        { Status.Phase: "Terminating" } => new("Namespace", name, false, "Terminating"),
        _ => new("Namespace", name, true, "Active"),
    };

    /// <summary>As istioctl's crdsReady: the Established condition True.</summary>
    private static IstioControlPlaneCheck Crds(IReadOnlyCollection<V1CustomResourceDefinition> crds)
    {
        const string name = "*.istio.io";
        var istio = crds.Where(c => c.Spec?.Group?.EndsWith(".istio.io", StringComparison.Ordinal) == true).ToList();
        var missing = RemoteControlPlaneNames.CoreCrds.Where(n => istio.All(c => c.Metadata?.Name != n)).ToList();
        var pending = istio.Where(c => c.Status?.Conditions?.Any(k => k.Type == "Established" && k.Status == "True") != true)
            .Select(c => c.Metadata?.Name).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            return new("CustomResourceDefinition", name, false,
                istio.Count == 0 ? "no Istio CRDs (istioctl installs them with the base chart)" : "missing " + string.Join(", ", missing));
        }

        return pending.Count > 0
            ? new("CustomResourceDefinition", name, false, "not Established: " + string.Join(", ", pending))
            : new("CustomResourceDefinition", name, true, $"{istio.Count} Established");
    }

    private static IstioControlPlaneCheck Account(V1ServiceAccount? account) =>
        new("ServiceAccount", RemoteSecretNames.DefaultServiceAccount, account is not null, account is null ? "missing (the remote secret's identity)" : "present");

    /// <summary>What the primary's istiod does in a remote-profile cluster through the reader account, beyond reading.</summary>
    private static readonly (string Group, string Resource, string Verb)[] RemoteExtras =
    {
        ("", "configmaps", "create"), ("", "configmaps", "update"),
        ("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "get"), ("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "list"),
        ("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "watch"), ("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "patch"),
    };

    private static readonly (string Group, string Resource, string Verb)[] Reads =
    {
        ("", "pods", "list"), ("", "services", "list"), ("", "endpoints", "list"), ("", "namespaces", "list"), ("networking.istio.io", "gateways", "list"),
    };

    private static IstioControlPlaneCheck Role(string ns, V1ClusterRole? role)
    {
        var name = RemoteControlPlaneNames.ReaderRole(ns);
        if (role is null) return new("ClusterRole", name, false, "missing");
        var lacking = Reads.Concat(RemoteExtras).Where(a => !Grants(role.Rules, a.Group, a.Resource, a.Verb))
            .Select(a => $"{a.Verb} {a.Resource}{(a.Group.Length == 0 ? "" : "." + a.Group)}").ToList();
        return lacking.Count == 0
            ? new("ClusterRole", name, true, "grants the reads and the remote profile's extras (configmaps, mutatingwebhookconfigurations)")
            : new("ClusterRole", name, false, "does not grant " + string.Join(", ", lacking) +
                  " (the remote profile's reader role lets the primary's istiod write istio-ca-root-cert and patch the injector's caBundle)");
    }

    /// <summary>Whether a rule allows the verb on the resource (no resourceNames: the checks are about whole kinds).</summary>
    public static bool Grants(IEnumerable<V1PolicyRule>? rules, string group, string resource, string verb) =>
        rules?.Any(r => (r.ResourceNames is null || r.ResourceNames.Count == 0) &&
                        Has(r.ApiGroups, group) && Has(r.Resources, resource) && Has(r.Verbs, verb)) == true;

    private static bool Has(IEnumerable<string>? values, string value) => values?.Any(v => v == "*" || v == value) == true;

    private static IstioControlPlaneCheck Binding(string ns, V1ClusterRoleBinding? binding)
    {
        var name = RemoteControlPlaneNames.ReaderRole(ns);
        if (binding is null) return new("ClusterRoleBinding", name, false, "missing");
        var roleOk = binding.RoleRef?.Kind == "ClusterRole" && binding.RoleRef.Name == name;
        var subjectOk = binding.Subjects?.Any(s => s.Kind == "ServiceAccount" && s.Name == RemoteSecretNames.DefaultServiceAccount && s.NamespaceProperty == ns) == true;
        if (roleOk && subjectOk) return new("ClusterRoleBinding", name, true, $"binds it to ServiceAccount {ns}/{RemoteSecretNames.DefaultServiceAccount}");
        var why = new List<string>();
        if (!roleOk) why.Add($"refers to {binding.RoleRef?.Kind} {binding.RoleRef?.Name}, not ClusterRole {name}");
        if (!subjectOk) why.Add($"does not name ServiceAccount {ns}/{RemoteSecretNames.DefaultServiceAccount}");
        return new("ClusterRoleBinding", name, false, string.Join("; ", why));
    }

    private static IstioControlPlaneCheck Webhook(RemoteExpectation expected, V1MutatingWebhookConfiguration? configuration)
    {
        var name = RemoteControlPlaneNames.InjectorWebhook(expected.Namespace);
        if (configuration is null) return new("MutatingWebhookConfiguration", name, false, "missing (no sidecar can be injected in this cluster)");
        var webhooks = configuration.Webhooks ?? new List<V1MutatingWebhook>();
        if (webhooks.Count == 0) return new("MutatingWebhookConfiguration", name, false, "has no webhooks");

        var problems = webhooks.Select(w => WebhookProblem(expected, w)).Where(p => p is not null).Distinct().ToList();
        if (problems.Count > 0) return new("MutatingWebhookConfiguration", name, false, string.Join("; ", problems));
        var first = webhooks[0].ClientConfig;
        var target = first?.Url ?? $"istiod.{expected.Namespace}:443{first?.Service?.Path}";
        var caBundle = webhooks.All(w => w.ClientConfig?.CaBundle is { Length: > 0 })
            ? "caBundle set"
            : "no caBundle yet (the primary's istiod sets it once it reads the remote secret)";
        return new("MutatingWebhookConfiguration", name, true, $"{webhooks.Count} webhook{(webhooks.Count == 1 ? "" : "s")} call {target}; {caBundle}");
    }

    private static string? WebhookProblem(RemoteExpectation expected, V1MutatingWebhook webhook)
    {
        var config = webhook.ClientConfig;
        string? path;
        if (config?.Service is { } service)
        {
            if (service.Name != RemoteControlPlaneNames.IstiodService || service.NamespaceProperty != expected.Namespace || (service.Port ?? 443) != 443)
            {
                return $"{webhook.Name} calls {service.Name}.{service.NamespaceProperty}:{service.Port ?? 443}, not istiod.{expected.Namespace}:443";
            }

            path = service.Path;
        }
        else if (config?.Url is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            path = uri.AbsolutePath; // values.istiodRemote.injectionURL: the webhook calls the primary directly
        }
        else
        {
            return $"{webhook.Name} calls no service or URL";
        }

        var parameters = InjectionParameters(path);
        parameters.TryGetValue("cluster", out var cluster);
        parameters.TryGetValue("net", out var network);
        if (string.IsNullOrEmpty(cluster))
        {
            return $"{webhook.Name} calls path '{path}', which names no cluster: istiod would inject this cluster's pods as its own " +
                   "(the remote profile's path is /inject/cluster/<cluster>/net/<network>, values.istiodRemote.injectionPath)";
        }

        if (expected.ClusterName is { } c && cluster != c) return $"{webhook.Name} calls path '{path}' for cluster '{cluster}', not '{c}'";
        if (expected.Network is { } n && network != n) return $"{webhook.Name} calls path '{path}' for network '{network}', not '{n}'";
        return null;
    }

    /// <summary>The key/value pairs after /inject, as istiod reads them (pkg/kube/inject/webhook.go parseInjectEnvs).</summary>
    public static IReadOnlyDictionary<string, string> InjectionParameters(string? path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var parts = (path ?? string.Empty).TrimEnd('/').Split('/', 3);
        if (parts.Length < 3 || parts[1] != "inject") return result;
        var pairs = parts[2].Split('/');
        for (var i = 0; i + 1 < pairs.Length; i += 2) result[pairs[i]] = pairs[i + 1].Replace("--slash--", "/", StringComparison.Ordinal);
        return result;
    }

    private static (IstioControlPlaneCheck, string?) Service(RemoteExpectation expected, V1Service? service)
    {
        const string name = RemoteControlPlaneNames.IstiodService;
        if (service is null) return (new("Service", name, false, "missing (the remote's proxies reach istiod and the API server the injector through it)"), null);
        var spec = service.Spec;
        if (spec?.Type == "ExternalName")
        {
            var host = spec.ExternalName ?? string.Empty;
            if (expected.DiscoveryAddress is { } address && !string.Equals(host, address, StringComparison.OrdinalIgnoreCase))
            {
                return (new("Service", name, false, $"ExternalName {host}, not the discovery address {address}"), host);
            }

            return (new("Service", name, true, $"ExternalName {host} (the injector webhook cannot be called through it: istio#45014)"), host);
        }

        if (spec?.Selector is { Count: > 0 } selector)
        {
            return (new("Service", name, false, $"selects pods ({string.Join(",", selector.Select(p => p.Key + "=" + p.Value))}): a local istiod's own Service, " +
                                                "not the remote profile's (Istio 1.24+ without profile: remote installs a full istiod)"), null);
        }

        var ports = spec?.Ports ?? new List<V1ServicePort>();
        var lacking = new List<string>();
        if (ports.All(p => p.Port != 15012)) lacking.Add("port 15012 (tcp-istiod)");
        if (!ports.Any(p => p.Port == 443 && p.TargetPort?.Value == "15017")) lacking.Add("port 443 -> 15017 (tcp-webhook)");
        return lacking.Count == 0
            ? (new("Service", name, true, "no selector; ports 15012, 443 -> 15017"), null)
            : (new("Service", name, false, "lacks " + string.Join(" and ", lacking)), null);
    }

    private static IstioControlPlaneCheck Endpoints(RemoteExpectation expected, V1Service? service, V1Endpoints? endpoints, IReadOnlyCollection<V1EndpointSlice> slices)
    {
        const string name = RemoteControlPlaneNames.IstiodService;
        if (service?.Spec?.Type == "ExternalName") return new("Endpoints", name, true, "none needed: Service istiod is an ExternalName");

        // address -> ports and where they were read, from Endpoints istiod and every EndpointSlice of Service istiod.
        var seen = new Dictionary<string, (HashSet<int> Ports, SortedSet<string> Sources)>(StringComparer.OrdinalIgnoreCase);
        void Add(string? address, IEnumerable<int> ports, string source)
        {
            if (string.IsNullOrEmpty(address)) return;
            if (!seen.TryGetValue(address, out var entry)) seen[address] = entry = (new HashSet<int>(), new SortedSet<string>(StringComparer.Ordinal));
            entry.Ports.UnionWith(ports);
            entry.Sources.Add(source);
        }

        foreach (var subset in endpoints?.Subsets ?? new List<V1EndpointSubset>())
        {
            foreach (var address in subset.Addresses ?? new List<V1EndpointAddress>())
            {
                Add(address.Ip, (subset.Ports ?? new List<Corev1EndpointPort>()).Select(p => p.Port), $"Endpoints {name}");
            }
        }

        foreach (var slice in slices)
        {
            foreach (var endpoint in slice.Endpoints ?? new List<V1Endpoint>())
            {
                if (endpoint.Conditions?.Ready == false) continue;
                foreach (var address in endpoint.Addresses ?? new List<string>())
                {
                    Add(address, (slice.Ports ?? new List<Discoveryv1EndpointPort>()).Where(p => p.Port is not null).Select(p => p.Port!.Value),
                        $"EndpointSlice {slice.Metadata?.Name}");
                }
            }
        }

        if (seen.Count == 0)
        {
            return new("Endpoints", name, false, endpoints is null && slices.Count == 0
                ? "missing: neither Endpoints istiod nor an EndpointSlice of Service istiod (they point it at the primary's discovery address)"
                : "no address");
        }

        var candidates = expected.DiscoveryAddress is { } wanted
            ? seen.Where(s => string.Equals(s.Key, wanted, StringComparison.OrdinalIgnoreCase)).ToList()
            : seen.ToList();
        if (candidates.Count == 0)
        {
            return new("Endpoints", name, false, $"point at {string.Join(", ", seen.Keys.Order(StringComparer.Ordinal))}, not the discovery address {expected.DiscoveryAddress}");
        }

        var complete = candidates.FirstOrDefault(c => c.Value.Ports.Contains(15012) && c.Value.Ports.Contains(15017));
        if (complete.Key is not null)
        {
            return new("Endpoints", name, true, $"{complete.Key} ports 15012, 15017 ({string.Join("; ", complete.Value.Sources)})");
        }

        var (address0, entry0) = candidates[0];
        var lacks = new[] { 15012, 15017 }.Where(p => !entry0.Ports.Contains(p));
        return new("Endpoints", name, false, $"{address0} lacks port {string.Join(" and ", lacks)} ({string.Join("; ", entry0.Sources)})");
    }
}
