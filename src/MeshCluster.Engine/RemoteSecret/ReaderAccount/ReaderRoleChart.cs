using k8s.Models;
using MeshCluster.Engine.Install;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>
/// The reader ClusterRole of one Istio release line, as its chart renders it. <see cref="Rules"/> is what -CreateServiceAccount
/// creates (base rules, then the remote profile's extras); <see cref="RequiredAccess"/> is what Test-IstioRemoteCluster asks for.
/// </summary>
/// <param name="Name">istio-reader-clusterrole-&lt;ns&gt; from 1.11 (istio-discovery/templates/reader-clusterrole.yaml); istio-reader-&lt;ns&gt; in 1.7-1.10 (base/templates/clusterrole.yaml).</param>
/// <param name="BaseRules">What istiod reads from any remote.</param>
/// <param name="RemoteRules">The remote profile's extras (empty otherwise): what the primary's istiod writes to run a remote without istiod.</param>
/// <param name="Chart">Which chart, in words: "Istio 1.30's chart (istio-discovery reader-clusterrole.yaml) with the remote profile's rules".</param>
public sealed record ReaderRole(string Name, IReadOnlyList<V1PolicyRule> BaseRules, IReadOnlyList<V1PolicyRule> RemoteRules, string Chart)
{
    /// <summary>The resources without which istiod's view of a remote breaks: services and their endpoints, the pods, nodes and namespaces behind them, secrets for gateways.</summary>
    private static readonly HashSet<string> Essential = new(StringComparer.Ordinal)
    {
        "pods", "services", "endpoints", "endpointslices", "nodes", "namespaces", "secrets",
    };

    /// <summary>The role's rules in the chart's order.</summary>
    public IReadOnlyList<V1PolicyRule> Rules => BaseRules.Concat(RemoteRules).ToArray();

    /// <summary>True for a remote-profile role (with the extras).</summary>
    public bool RemoteProfile => RemoteRules.Count > 0;

    /// <summary>
    /// What Test-IstioRemoteCluster asks about (a SelfSubjectAccessReview each): every verb the base rules grant on the essential
    /// resources, and every right of the remote profile's extras. Derived from the rules, so the check and the role cannot drift apart:
    /// a 1.7 role (no secrets, no endpointslices) is asked for what it grants, not for what later charts added.
    /// </summary>
    public IReadOnlyList<ReaderAccess> RequiredAccess =>
        Expand(BaseRules).Where(a => Essential.Contains(a.Resource)).Concat(Expand(RemoteRules)).Distinct().ToArray();

    /// <summary>Each (group, resource, verb) the rules grant, in their order.</summary>
    public static IEnumerable<ReaderAccess> Expand(IEnumerable<V1PolicyRule> rules) =>
        rules.SelectMany(rule => rule.ApiGroups.SelectMany(group => rule.Resources.SelectMany(resource => rule.Verbs.Select(verb => new ReaderAccess(group, resource, verb)))));

    /// <summary>Whether <paramref name="rules"/> (an existing role's) grant <paramref name="access"/>, wildcards included; resourceNames narrow a rule, so such a rule does not count.</summary>
    public static bool Grants(IEnumerable<V1PolicyRule>? rules, ReaderAccess access) =>
        rules?.Any(r => (r.ResourceNames is null || r.ResourceNames.Count == 0) &&
                        Matches(r.ApiGroups, access.Group) && Matches(r.Resources, access.Resource) && Matches(r.Verbs, access.Verb)) == true;

    private static bool Matches(IList<string>? values, string wanted) => values is not null && (values.Contains(wanted) || values.Contains("*"));

    /// <summary>The name.</summary>
    public override string ToString() => Name;
}

/// <summary>
/// The reader ClusterRole per Istio version (the role the primary's istiod reads a remote with, through istio-reader-service-account),
/// transcribed from Istio's charts in istio/istio:
/// <list type="bullet">
/// <item>1.7: manifests/charts/base/templates/clusterrole.yaml, ClusterRole istio-reader-{{ istioNamespace }} (1.7.8).</item>
/// <item>1.8 and 1.9-1.10: the same file and name, more rules (1.8.0, 1.10.0).</item>
/// <item>1.11 on: manifests/charts/istio-control/istio-discovery/templates/reader-clusterrole.yaml, ClusterRole
/// istio-reader-clusterrole-{{ Release.Namespace }}, at tag <see cref="CurrentTag"/>; each later rule only added to the earlier ones, so the
/// current rules serve every 1.11+ remote. The extras come with the remote profile ({{- if .Values.istiodRemote.enabled }} from 1.24;
/// global.externalIstiod, which that profile set, in 1.11-1.23 and the istiod-remote chart of 1.16-1.23).</item>
/// </list>
/// Never broader than the chart: the module creates exactly these rules, and never changes an existing role.
/// </summary>
public static class ReaderRoleChart
{
    /// <summary>The tag the 1.11+ rules are transcribed from.</summary>
    public const string CurrentTag = "1.30.3";

    private static readonly string[] Read = { "get", "list", "watch" };

    /// <summary>1.11+ (reader-clusterrole.yaml at <see cref="CurrentTag"/>, MCS_API_GROUP unset: multicluster.x-k8s.io).</summary>
    public static IReadOnlyList<V1PolicyRule> CurrentBase { get; } = new[]
    {
        Rule(new[] { "config.istio.io", "security.istio.io", "networking.istio.io", "authentication.istio.io", "rbac.istio.io", "telemetry.istio.io", "extensions.istio.io" },
            new[] { "*" }, Read),
        Rule(new[] { "" }, new[] { "endpoints", "pods", "services", "nodes", "replicationcontrollers", "namespaces", "secrets", "configmaps" }, Read),
        Rule(new[] { "networking.istio.io" }, new[] { "workloadentries" }, new[] { "get", "watch", "list" }),
        Rule(new[] { "networking.x-k8s.io", "gateway.networking.k8s.io" }, new[] { "gateways" }, new[] { "get", "watch", "list" }),
        Rule(new[] { "apiextensions.k8s.io" }, new[] { "customresourcedefinitions" }, Read),
        Rule(new[] { "discovery.k8s.io" }, new[] { "endpointslices" }, Read),
        Rule(new[] { "multicluster.x-k8s.io" }, new[] { "serviceexports" }, new[] { "get", "list", "watch", "create", "delete" }),
        Rule(new[] { "multicluster.x-k8s.io" }, new[] { "serviceimports" }, Read),
        Rule(new[] { "apps" }, new[] { "replicasets" }, Read),
        Rule(new[] { "authentication.k8s.io" }, new[] { "tokenreviews" }, new[] { "create" }),
        Rule(new[] { "authorization.k8s.io" }, new[] { "subjectaccessreviews" }, new[] { "create" }),
    };

    /// <summary>
    /// The remote profile's extras (same chart and tag): the primary's istiod writes ConfigMap istio-ca-root-cert into the remote's
    /// namespaces and patches the injector's and validator's caBundle.
    /// </summary>
    public static IReadOnlyList<V1PolicyRule> CurrentRemote { get; } = new[]
    {
        Rule(new[] { "" }, new[] { "configmaps" }, new[] { "create", "get", "list", "watch", "update" }),
        Rule(new[] { "admissionregistration.k8s.io" }, new[] { "mutatingwebhookconfigurations" }, new[] { "get", "list", "watch", "update", "patch" }),
        Rule(new[] { "admissionregistration.k8s.io" }, new[] { "validatingwebhookconfigurations" }, new[] { "get", "list", "watch", "update" }),
    };

    /// <summary>1.7 (base/templates/clusterrole.yaml at 1.7.8; its centralIstiod extras belong to no form this module installs).</summary>
    public static IReadOnlyList<V1PolicyRule> Istio17 { get; } = new[]
    {
        Rule(new[] { "config.istio.io", "security.istio.io", "networking.istio.io", "authentication.istio.io", "rbac.istio.io" }, new[] { "*" }, Read),
        Rule(new[] { "" }, new[] { "endpoints", "pods", "services", "nodes", "replicationcontrollers", "namespaces" }, Read),
        Rule(new[] { "apps" }, new[] { "replicasets" }, Read),
    };

    /// <summary>1.8 (base/templates/clusterrole.yaml at 1.8.0).</summary>
    public static IReadOnlyList<V1PolicyRule> Istio18 { get; } = new[]
    {
        Rule(new[] { "config.istio.io", "security.istio.io", "networking.istio.io", "authentication.istio.io" }, new[] { "*" }, Read),
        Rule(new[] { "" }, new[] { "endpoints", "pods", "services", "nodes", "replicationcontrollers", "namespaces", "secrets" }, Read),
        Rule(new[] { "discovery.k8s.io" }, new[] { "endpointslices" }, Read),
        Rule(new[] { "apps" }, new[] { "replicasets" }, Read),
        Rule(new[] { "authentication.k8s.io" }, new[] { "tokenreviews" }, new[] { "create" }),
        Rule(new[] { "authorization.k8s.io" }, new[] { "subjectaccessreviews" }, new[] { "create" }),
    };

    /// <summary>1.9 and 1.10 (base/templates/clusterrole.yaml at 1.10.0).</summary>
    public static IReadOnlyList<V1PolicyRule> Istio19To110 { get; } = new[]
    {
        Rule(new[] { "config.istio.io", "security.istio.io", "networking.istio.io", "authentication.istio.io", "rbac.istio.io" }, new[] { "*" }, Read),
        Rule(new[] { "" }, new[] { "endpoints", "pods", "services", "nodes", "replicationcontrollers", "namespaces", "secrets" }, Read),
        Rule(new[] { "networking.istio.io" }, new[] { "workloadentries" }, new[] { "get", "watch", "list" }),
        Rule(new[] { "apiextensions.k8s.io" }, new[] { "customresourcedefinitions" }, Read),
        Rule(new[] { "discovery.k8s.io" }, new[] { "endpointslices" }, Read),
        Rule(new[] { "apps" }, new[] { "replicasets" }, Read),
        Rule(new[] { "authentication.k8s.io" }, new[] { "tokenreviews" }, new[] { "create" }),
        Rule(new[] { "authorization.k8s.io" }, new[] { "subjectaccessreviews" }, new[] { "create" }),
    };

    /// <summary>istio-reader-clusterrole-&lt;ns&gt; (1.11+).</summary>
    public static string CurrentName(string @namespace) => RemoteSecretNames.ReaderClusterRoleName(@namespace);

    /// <summary>istio-reader-&lt;ns&gt; (1.7-1.10).</summary>
    public static string LegacyName(string @namespace) => "istio-reader-" + @namespace;

    /// <summary>The 1.11+ role; with the extras for a remote-profile cluster (which exists from 1.16 only).</summary>
    public static ReaderRole Current(string @namespace, bool remoteProfile) =>
        new(CurrentName(@namespace), CurrentBase, remoteProfile ? CurrentRemote : Array.Empty<V1PolicyRule>(),
            $"Istio {CurrentTag}'s chart (istio-discovery reader-clusterrole.yaml)" + (remoteProfile ? " with the remote profile's rules" : string.Empty));

    /// <summary>
    /// The role of the Istio version the remote runs: 1.7-1.10 by <paramref name="version"/> (1.7's rules for anything older), else the
    /// 1.11+ role, with the extras for a remote-profile cluster. An unknown version is taken for 1.11+, unless <paramref name="preferLegacy"/>
    /// (a 1.7-1.10 role is there and no 1.11+ one).
    /// </summary>
    public static ReaderRole For(string @namespace, IstioctlVersion? version, bool remoteProfile, bool preferLegacy = false)
    {
        if (remoteProfile || (version?.AtLeast(1, 11) ?? !preferLegacy)) return Current(@namespace, remoteProfile);
        var (rules, tag) = version is null || !version.AtLeast(1, 8) ? (Istio17, "1.7.8")
            : !version.AtLeast(1, 9) ? (Istio18, "1.8.0")
            : (Istio19To110, "1.10.0");
        return new ReaderRole(LegacyName(@namespace), rules, Array.Empty<V1PolicyRule>(), $"Istio {tag}'s chart (base clusterrole.yaml)");
    }

    private static V1PolicyRule Rule(string[] groups, string[] resources, string[] verbs) =>
        new() { ApiGroups = groups, Resources = resources, Verbs = verbs };
}
