using k8s.Models;
using MeshCluster.Engine.Install;
using MeshCluster.Engine.Istiod;
using MeshCluster.Engine.RemoteSecret;

namespace MeshCluster.Engine.Tests.RemoteSecret;

/// <summary>The reader role per Istio version (ReaderRoleChart) and the rights Test-IstioRemoteCluster asks for each.</summary>
public class ReaderAccessTests
{
    private static readonly string[] Essential = { "endpoints", "endpointslices.discovery.k8s.io", "namespaces", "nodes", "pods", "secrets", "services" };

    [Fact]
    public void A_remote_of_unknown_form_is_asked_for_get_list_watch_on_what_istiod_reads_each_granted_by_the_current_role()
    {
        var required = ReaderServiceAccount.RequiredAccess;
        Assert.Equal(21, required.Count);
        Assert.Equal(Essential, required.Select(r => r.QualifiedResource).Distinct().Order());
        Assert.All(required.GroupBy(r => r.QualifiedResource), g => Assert.Equal(new[] { "get", "list", "watch" }, g.Select(r => r.Verb).Order()));
        Assert.All(required, access => Assert.True(ReaderRole.Grants(ReaderRoleChart.CurrentBase, access), access.ToString()));
    }

    [Fact]
    public void A_remote_profile_cluster_is_also_asked_for_the_webhook_and_ConfigMap_rights_of_the_extras()
    {
        var role = ReaderRoleChart.For("istio-system", IstioctlVersion.TryParse("1.26.0"), remoteProfile: true);
        Assert.Equal("istio-reader-clusterrole-istio-system", role.Name);
        Assert.Equal(35, role.RequiredAccess.Count);
        var extras = role.RequiredAccess.Skip(21).Select(a => $"{a.Verb} {a.QualifiedResource}").ToArray();
        Assert.Equal(new[]
        {
            "create configmaps", "get configmaps", "list configmaps", "watch configmaps", "update configmaps",
            "get mutatingwebhookconfigurations.admissionregistration.k8s.io", "list mutatingwebhookconfigurations.admissionregistration.k8s.io",
            "watch mutatingwebhookconfigurations.admissionregistration.k8s.io", "update mutatingwebhookconfigurations.admissionregistration.k8s.io",
            "patch mutatingwebhookconfigurations.admissionregistration.k8s.io",
            "get validatingwebhookconfigurations.admissionregistration.k8s.io", "list validatingwebhookconfigurations.admissionregistration.k8s.io",
            "watch validatingwebhookconfigurations.admissionregistration.k8s.io", "update validatingwebhookconfigurations.admissionregistration.k8s.io",
        }, extras);
        Assert.Equal(ReaderRoleChart.CurrentBase.Concat(ReaderRoleChart.CurrentRemote), role.Rules);
    }

    [Fact]
    public void A_1_7_remote_is_asked_only_for_what_its_chart_grants()
    {
        var role = ReaderRoleChart.For("istio-system", IstioctlVersion.TryParse("1.7.8"), remoteProfile: false);
        Assert.Equal("istio-reader-istio-system", role.Name);
        Assert.Equal(ReaderRoleChart.Istio17, role.Rules);
        Assert.Equal(15, role.RequiredAccess.Count);
        Assert.Equal(new[] { "endpoints", "namespaces", "nodes", "pods", "services" }, role.RequiredAccess.Select(r => r.QualifiedResource).Distinct().Order());
        // What 1.7's role lacks, against later charts.
        foreach (var (group, resource) in new[] { ("", "secrets"), ("discovery.k8s.io", "endpointslices"), ("apiextensions.k8s.io", "customresourcedefinitions") })
        {
            Assert.False(ReaderRole.Grants(role.Rules, new ReaderAccess(group, resource, "get")));
        }

        Assert.False(ReaderRole.Grants(role.Rules, new ReaderAccess("authentication.k8s.io", "tokenreviews", "create")));
        Assert.False(ReaderRole.Grants(role.Rules, new ReaderAccess("authorization.k8s.io", "subjectaccessreviews", "create")));
    }

    [Theory]
    [InlineData("1.6.8", "istio-reader-ns1", 3)]
    [InlineData("1.7.8", "istio-reader-ns1", 3)]
    [InlineData("1.8.6", "istio-reader-ns1", 6)]
    [InlineData("1.9.0", "istio-reader-ns1", 8)]
    [InlineData("1.10.6", "istio-reader-ns1", 8)]
    [InlineData("1.11.0", "istio-reader-clusterrole-ns1", 11)]
    [InlineData("1.30.3", "istio-reader-clusterrole-ns1", 11)]
    public void Each_version_gets_the_name_and_rules_of_its_chart(string version, string name, int rules)
    {
        var role = ReaderRoleChart.For("ns1", IstioctlVersion.TryParse(version), remoteProfile: false);
        Assert.Equal((name, rules), (role.Name, role.Rules.Count));
        Assert.False(role.RemoteProfile);
    }

    [Fact]
    public void Without_a_version_the_current_role_unless_only_a_1_7_to_1_10_role_is_there()
    {
        Assert.Equal("istio-reader-clusterrole-ns1", ReaderRoleChart.For("ns1", null, remoteProfile: false).Name);
        Assert.Equal("istio-reader-ns1", ReaderRoleChart.For("ns1", null, remoteProfile: false, preferLegacy: true).Name);
        // The remote profile exists from 1.16 only: always the current role with its extras.
        Assert.Equal("istio-reader-clusterrole-ns1", ReaderRoleChart.For("ns1", null, remoteProfile: true, preferLegacy: true).Name);
    }

    [Fact]
    public void Grants_honours_wildcards_and_ignores_rules_narrowed_to_names()
    {
        var access = new ReaderAccess("", "secrets", "list");
        Assert.True(ReaderRole.Grants(new[] { new V1PolicyRule { ApiGroups = new[] { "*" }, Resources = new[] { "*" }, Verbs = new[] { "*" } } }, access));
        Assert.False(ReaderRole.Grants(new[] { new V1PolicyRule { ApiGroups = new[] { "" }, Resources = new[] { "secrets" }, Verbs = new[] { "list" }, ResourceNames = new[] { "one" } } }, access));
        Assert.False(ReaderRole.Grants(new[] { new V1PolicyRule { ApiGroups = new[] { "apps" }, Resources = new[] { "secrets" }, Verbs = new[] { "list" } } }, access));
        Assert.False(ReaderRole.Grants(null, access));
    }

    [Theory]
    [InlineData("docker.io/istio/pilot:1.7.8", "1.7.8")]
    [InlineData("registry.example.com:5000/istio/pilot:1.26.0-distroless", "1.26.0-distroless")]
    [InlineData("istio/pilot:1.22.1@sha256:0123", "1.22.1")]
    [InlineData("registry.example.com:5000/istio/pilot", null)]
    [InlineData("istio/pilot@sha256:0123", null)]
    [InlineData("", null)]
    public void The_version_of_an_istiod_image_is_its_tag(string image, string? tag) =>
        Assert.Equal(tag, IstioNamespaceReader.ImageTag(image));

    [Theory]
    [InlineData("1.7.8", 1, 7, 8)]
    [InlineData("v1.26.0", 1, 26, 0)]
    [InlineData("1.24.0-beta.0", 1, 24, 0)]
    [InlineData("1.22.1-distroless", 1, 22, 1)]
    public void Istio_versions_on_labels_and_tags_are_read(string text, int major, int minor, int patch)
    {
        var version = IstioctlVersion.TryParse(text)!;
        Assert.Equal((major, minor, patch), (version.Major, version.Minor, version.Patch));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("latest")]
    [InlineData("master-abc")]
    [InlineData("99999999999.1")]
    public void Anything_else_is_no_version(string? text) => Assert.Null(IstioctlVersion.TryParse(text));
}
