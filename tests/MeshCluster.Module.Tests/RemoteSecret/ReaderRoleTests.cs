using System.Management.Automation;
using k8s;
using k8s.Models;
using static MeshCluster.Module.Tests.RemoteSecret.RemoteSecretGround;

namespace MeshCluster.Module.Tests.RemoteSecret;

/// <summary>
/// The reader role as Istio's chart makes it, per form and version (Publish-IstioRemoteSecret -CreateServiceAccount), and
/// Test-IstioRemoteCluster checking the rights each form needs and, on a remote-profile cluster, whether the primary has taken charge.
/// </summary>
public sealed class ReaderRoleTests(ClustersFixture fixture) : IAsyncDisposable
{
    private readonly RemoteSecretGround _ground = new(fixture);
    private readonly IstioRemotePlayer _istio = new(fixture.Clusters.Cluster2);

    public ValueTask DisposeAsync() => _istio.DisposeAsync();

    /// <summary>
    /// The rules of manifests/charts/istio-control/istio-discovery/templates/reader-clusterrole.yaml at Istio 1.30.3, rendered with the
    /// defaults (MCS_API_GROUP unset); the last three with istiodRemote.enabled (the remote profile). Copied from the chart, not from the module.
    /// </summary>
    private const string ChartRules = """
        rules:
          - apiGroups:
              - "config.istio.io"
              - "security.istio.io"
              - "networking.istio.io"
              - "authentication.istio.io"
              - "rbac.istio.io"
              - "telemetry.istio.io"
              - "extensions.istio.io"
            resources: ["*"]
            verbs: ["get", "list", "watch"]
          - apiGroups: [""]
            resources: ["endpoints", "pods", "services", "nodes", "replicationcontrollers", "namespaces", "secrets", "configmaps"]
            verbs: ["get", "list", "watch"]
          - apiGroups: ["networking.istio.io"]
            verbs: [ "get", "watch", "list" ]
            resources: [ "workloadentries" ]
          - apiGroups: ["networking.x-k8s.io", "gateway.networking.k8s.io"]
            resources: ["gateways"]
            verbs: ["get", "watch", "list"]
          - apiGroups: ["apiextensions.k8s.io"]
            resources: ["customresourcedefinitions"]
            verbs: ["get", "list", "watch"]
          - apiGroups: ["discovery.k8s.io"]
            resources: ["endpointslices"]
            verbs: ["get", "list", "watch"]
          - apiGroups: ["multicluster.x-k8s.io"]
            resources: ["serviceexports"]
            verbs: ["get", "list", "watch", "create", "delete"]
          - apiGroups: ["multicluster.x-k8s.io"]
            resources: ["serviceimports"]
            verbs: ["get", "list", "watch"]
          - apiGroups: ["apps"]
            resources: ["replicasets"]
            verbs: ["get", "list", "watch"]
          - apiGroups: ["authentication.k8s.io"]
            resources: ["tokenreviews"]
            verbs: ["create"]
          - apiGroups: ["authorization.k8s.io"]
            resources: ["subjectaccessreviews"]
            verbs: ["create"]
          - apiGroups: [""]
            resources: ["configmaps"]
            verbs: ["create", "get", "list", "watch", "update"]
          - apiGroups: ["admissionregistration.k8s.io"]
            resources: ["mutatingwebhookconfigurations"]
            verbs: ["get", "list", "watch", "update", "patch"]
          - apiGroups: ["admissionregistration.k8s.io"]
            resources: ["validatingwebhookconfigurations"]
            verbs: ["get", "list", "watch", "update"]
        """;

    private static IReadOnlyList<V1PolicyRule> Chart(bool remoteProfile)
    {
        var rules = KubernetesYaml.Deserialize<V1ClusterRole>("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: chart\n" + ChartRules).Rules;
        return remoteProfile ? rules.ToList() : rules.Take(11).ToList();
    }

    /// <summary>Rule by rule: the same groups, resources and verbs in the chart's order, and nothing else (no names, no URLs, no more rules).</summary>
    private static void AssertSameRules(IReadOnlyList<V1PolicyRule> expected, IList<V1PolicyRule> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].ApiGroups, actual[i].ApiGroups);
            Assert.Equal(expected[i].Resources, actual[i].Resources);
            Assert.Equal(expected[i].Verbs, actual[i].Verbs);
            Assert.True(actual[i].ResourceNames is null or { Count: 0 }, $"rule {i} names resources");
            Assert.True(actual[i].NonResourceURLs is null or { Count: 0 }, $"rule {i} names URLs");
        }
    }

    private async Task<string> NamespaceAsync(string prefix)
    {
        var ns = await _ground.NamespaceAsync(prefix);
        foreach (var name in new[] { $"istio-reader-clusterrole-{ns}", $"istio-reader-{ns}" })
        {
            _istio.Forget(() => _ground.Remote.Admin.RbacAuthorizationV1.DeleteClusterRoleAsync(name));
            _istio.Forget(() => _ground.Remote.Admin.RbacAuthorizationV1.DeleteClusterRoleBindingAsync(name));
        }

        return ns;
    }

    private static Dictionary<string, (string Status, string Detail)> Checks(PSObject health, params string[] order)
    {
        var rows = ((object[])health.Prop("Checks")!).Select(PSObject.AsPSObject).ToList();
        Assert.Equal(order, rows.Select(r => (string)r.Prop("Name")!));
        return rows.ToDictionary(r => (string)r.Prop("Name")!, r => (r.Prop("Status")!.ToString()!, (string)r.Prop("Detail")!));
    }

    private static readonly string[] RemoteRows = { "Format", "Server", "Tls", "Authentication", "Authorization", "PrimaryInCharge", "TokenExpiry" };
    private static readonly string[] IstiodRows = { "Format", "Server", "Tls", "Authentication", "Authorization", "TokenExpiry" };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_role_made_by_CreateServiceAccount_grants_the_charts_rules_and_no_more(bool remoteProfile)
    {
        var ns = await NamespaceAsync(remoteProfile ? "rr-remote" : "rr-none");
        if (remoteProfile) await _istio.RemoteProfileAsync(ns);
        using var session = fixture.NewSession();

        var result = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name cluster2 -PrimaryContext $C1 -Namespace $args[0] -CreateServiceAccount -Verbose -WarningAction SilentlyContinue", ns);

        result.AssertSucceeded();
        var role = await _ground.Remote.Admin.RbacAuthorizationV1.ReadClusterRoleAsync($"istio-reader-clusterrole-{ns}", cancellationToken: Ct);
        AssertSameRules(Chart(remoteProfile), role.Rules);
        Assert.Equal("meshcluster", role.Metadata.Labels["app.kubernetes.io/managed-by"]);
        var binding = await _ground.Remote.Admin.RbacAuthorizationV1.ReadClusterRoleBindingAsync($"istio-reader-clusterrole-{ns}", cancellationToken: Ct);
        Assert.Equal((Reader, ns), (Assert.Single(binding.Subjects).Name, binding.Subjects[0].NamespaceProperty));
        Assert.Null(await TryAsync(() => _ground.Remote.Admin.RbacAuthorizationV1.ReadClusterRoleAsync($"istio-reader-{ns}", cancellationToken: Ct)));
        Assert.Contains(result.Verbose, v => v.StartsWith($"Creating ClusterRole istio-reader-clusterrole-{ns}", StringComparison.Ordinal) &&
                                             v.Contains(remoteProfile ? "with the remote profile's rules" : "Istio 1.30.3's chart", StringComparison.Ordinal));
        Assert.Contains(result.Verbose, v => v.Contains(remoteProfile ? "the remote profile: Service" : "no Istio found", StringComparison.Ordinal));
    }

    [Fact]
    public async Task On_a_1_7_remote_its_own_role_is_used_unchanged_and_Test_finds_it_healthy()
    {
        var ns = await NamespaceAsync("rr-17");
        await _istio.GuideForm17Async(ns);
        var before = await _ground.Remote.Admin.RbacAuthorizationV1.ReadClusterRoleAsync($"istio-reader-{ns}", cancellationToken: Ct);
        using var session = fixture.NewSession();

        var published = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name cluster2 -PrimaryContext $C1 -Namespace $args[0] -CreateServiceAccount -Verbose -WarningAction SilentlyContinue", ns);

        published.AssertSucceeded();
        // Nothing of the 1.11+ chart is made, and istioctl 1.7's role is left exactly as it was.
        Assert.Null(await TryAsync(() => _ground.Remote.Admin.RbacAuthorizationV1.ReadClusterRoleAsync($"istio-reader-clusterrole-{ns}", cancellationToken: Ct)));
        var after = await _ground.Remote.Admin.RbacAuthorizationV1.ReadClusterRoleAsync($"istio-reader-{ns}", cancellationToken: Ct);
        Assert.Equal(before.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
        Assert.Contains(published.Verbose, v => v.Contains("Istio 1.7.8 (label operator.istio.io/version", StringComparison.Ordinal));
        Assert.Contains(published.Verbose, v => v == $"ClusterRole istio-reader-{ns} exists in context 'cluster2' and grants what istiod needs; it is left as it is.");

        var tested = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0]", ns);

        tested.AssertSucceeded();
        var health = Assert.Single(tested.Output);
        var checks = Checks(health, IstiodRows);
        Assert.True((bool)health.Prop("Healthy")!, (string)health.Prop("Summary")!);
        Assert.Equal("Istiod", health.Prop("Form")!.ToString());
        Assert.Equal("Passed", checks["Authorization"].Status);
        Assert.Contains("All 15 rights istiod needs of a remote with its own istiod (Istio 1.7.8)", checks["Authorization"].Detail);
        Assert.DoesNotContain("secrets", checks["Authorization"].Detail);
    }

    [Fact]
    public async Task On_a_1_7_remote_without_its_role_the_role_of_its_chart_is_made()
    {
        var ns = await NamespaceAsync("rr-17new");
        await _istio.GuideForm17Async(ns, withReaderRole: false);
        using var session = fixture.NewSession();

        await _ground.PublishAsync(session, ns, "cluster2");

        var role = await _ground.Remote.Admin.RbacAuthorizationV1.ReadClusterRoleAsync($"istio-reader-{ns}", cancellationToken: Ct);
        AssertSameRules(KubernetesYaml.Deserialize<V1ClusterRole>(IstioRemotePlayer.Reader17Yaml.Replace("NAME", "x")).Rules.ToList(), role.Rules);
        var binding = await _ground.Remote.Admin.RbacAuthorizationV1.ReadClusterRoleBindingAsync($"istio-reader-{ns}", cancellationToken: Ct);
        Assert.Equal(Reader, Assert.Single(binding.Subjects).Name);
        Assert.Null(await TryAsync(() => _ground.Remote.Admin.RbacAuthorizationV1.ReadClusterRoleAsync($"istio-reader-clusterrole-{ns}", cancellationToken: Ct)));
    }

    [Fact]
    public async Task A_remote_profile_cluster_is_healthy_once_the_primary_has_taken_charge_which_is_a_check_of_its_own()
    {
        var ns = await NamespaceAsync("rr-charge");
        await _istio.RemoteProfileAsync(ns);
        using var session = fixture.NewSession();
        await _ground.PublishAsync(session, ns, "cluster2");

        // Published, but no primary istiod has patched the injector or written the root certificate yet.
        var first = Assert.Single(session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0]", ns).Output);
        var checks = Checks(first, RemoteRows);
        Assert.Equal("Remote", first.Prop("Form")!.ToString());
        Assert.False((bool)first.Prop("Healthy")!);
        Assert.Equal("Passed", checks["Authorization"].Status);
        Assert.Contains("All 35 rights istiod needs of a remote in the remote profile", checks["Authorization"].Detail);
        Assert.Contains("mutatingwebhookconfigurations.admissionregistration.k8s.io", checks["Authorization"].Detail);
        var (status, detail) = checks["PrimaryInCharge"];
        Assert.Equal("Failed", status);
        Assert.Contains("has not taken charge of this remote (yet)", detail);
        Assert.Contains($"the caBundle of 2 of the 2 webhooks of MutatingWebhookConfiguration {IstioRemotePlayer.WebhookName(ns)} is empty", detail);
        Assert.Contains($"there is no ConfigMap {ns}/istio-ca-root-cert", detail);
        Assert.Contains("EXTERNAL_ISTIOD=true", detail);
        Assert.Contains("(now 'cluster1')", detail);
        Assert.StartsWith("PrimaryInCharge failed", (string)first.Prop("Summary")!);

        // The primary's istiod at work: first the caBundle, then the ConfigMap.
        await _istio.PatchCaBundleAsync(ns);
        var second = Checks(Assert.Single(session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0]", ns).Output), RemoteRows);
        Assert.Equal("Failed", second["PrimaryInCharge"].Status);
        Assert.DoesNotContain("webhooks of MutatingWebhookConfiguration", second["PrimaryInCharge"].Detail);
        Assert.Contains("istio-ca-root-cert", second["PrimaryInCharge"].Detail);

        await _istio.WriteRootCertAsync(ns);
        var result = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0]", ns);
        result.AssertSucceeded();
        var healthy = Assert.Single(result.Output);
        Assert.True((bool)healthy.Prop("Healthy")!, (string)healthy.Prop("Summary")!);
        Assert.Equal("Passed", Checks(healthy, RemoteRows)["PrimaryInCharge"].Status);
        Assert.True((bool)Assert.Single(session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0] -Quiet", ns).Output).BaseObject);
    }

    [Fact]
    public async Task A_remote_profile_cluster_whose_existing_role_lacks_the_extras_is_warned_left_alone_and_named_missing()
    {
        var ns = await NamespaceAsync("rr-lacks");
        await _istio.RemoteProfileAsync(ns);
        // A role made before the remote profile was installed (by an earlier run, or by hand): the chart's base rules only.
        var name = $"istio-reader-clusterrole-{ns}";
        await _ground.Remote.Admin.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole { Metadata = new V1ObjectMeta { Name = name }, Rules = Chart(false).ToList() }, cancellationToken: Ct);
        var before = await _ground.Remote.Admin.RbacAuthorizationV1.ReadClusterRoleAsync(name, cancellationToken: Ct);
        using var session = fixture.NewSession();

        var published = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name cluster2 -PrimaryContext $C1 -Namespace $args[0] -CreateServiceAccount", ns);

        published.AssertSucceeded();
        var warning = Assert.Single(published.Warnings, w => w.StartsWith($"ClusterRole {name}", StringComparison.Ordinal));
        Assert.Contains("lacks 11 right(s)", warning); // configmaps get, list, watch are in the base rules since 1.29
        Assert.Contains("patch mutatingwebhookconfigurations.admissionregistration.k8s.io", warning);
        Assert.Equal(before.Metadata.ResourceVersion, (await _ground.Remote.Admin.RbacAuthorizationV1.ReadClusterRoleAsync(name, cancellationToken: Ct)).Metadata.ResourceVersion);

        var health = Assert.Single(session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0]", ns).Output);
        var checks = Checks(health, RemoteRows);
        var (status, detail) = checks["Authorization"];
        Assert.Equal("Failed", status);
        Assert.Contains("Missing 11 of 35 rights", detail);
        Assert.Contains("Only the remote profile's rights are missing", detail);
        foreach (var right in new[] { "create, update configmaps", "validatingwebhookconfigurations.admissionregistration.k8s.io", "mutatingwebhookconfigurations.admissionregistration.k8s.io" })
        {
            Assert.Contains(right, detail);
        }

        Assert.Equal("Skipped", checks["PrimaryInCharge"].Status);
        Assert.StartsWith("Authorization failed", (string)health.Prop("Summary")!);
    }
}
