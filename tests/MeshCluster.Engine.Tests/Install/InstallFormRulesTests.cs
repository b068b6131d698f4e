using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Install;

namespace MeshCluster.Engine.Tests.Install;

/// <summary>Which form and address each istioctl version's charts install as meant (InstallFormRules), at each boundary.</summary>
public sealed class InstallFormRulesTests
{
    private static IstioctlVersion V(string text) => IstioctlVersion.TryParse(text)!;

    private static IstioOperatorSummary Guide(string address) => new("cluster2", "istio-system", null, RemotePilotAddress: address);

    private static IstioOperatorSummary Remote(string? address) => new("cluster2", "istio-system", "remote", "cluster1", RemotePilotAddress: address);

    private static MeshClusterException Refused(string version, IstioOperatorSummary spec) =>
        Assert.Throws<MeshClusterException>(() => InstallFormRules.Check(V(version), spec, "/specs/install.yaml"));

    [Theory]
    [InlineData("1.6.8")]
    [InlineData("1.7.8")]
    [InlineData("1.14.6")]
    [InlineData("1.15.0")]
    [InlineData("1.23.6")]
    public void The_guide_form_with_an_IPv4_address_runs_up_to_1_23(string version) =>
        Assert.Empty(InstallFormRules.Check(V(version), Guide("192.0.2.10"), "t"));

    [Theory]
    [InlineData("1.24.0")]
    [InlineData("1.24.0-beta.0")]
    [InlineData("1.26.3")]
    [InlineData("1.30.3")]
    [InlineData("2.0.0")]
    public void The_guide_form_from_1_24_is_refused_saying_what_to_do(string version)
    {
        var ex = Refused(version, Guide("192.0.2.10"));
        Assert.Equal(ErrorIds.InstallSpecFormUnsupported, ex.ErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, ex.Category);
        Assert.Equal("/specs/install.yaml", ex.Target);
        Assert.Contains("independent primary", ex.Message);
        Assert.Contains("Nothing was run.", ex.Message);
        Assert.Contains("-Profile Remote -PrimaryClusterName <primary cluster>", ex.Message);
        Assert.Contains("-Profile Remote -PrimaryClusterName", ex.RecommendedAction);
    }

    [Theory]
    [InlineData("1.6.8")]
    [InlineData("1.7.8")]
    [InlineData("1.14.6")]
    public void A_host_name_in_the_guide_form_before_1_15_is_refused(string version)
    {
        var ex = Refused(version, Guide("istiod.example.com"));
        Assert.Equal(ErrorIds.RemotePilotAddressUnsupported, ex.ErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, ex.Category);
        Assert.Equal("istiod.example.com", ex.Target);
        Assert.Contains("Endpoints istiod-remote as an IP", ex.Message);
        Assert.Contains("Give the IP address the name resolves to, or use istioctl 1.15", ex.Message);
    }

    [Theory]
    [InlineData("1.15.0")]
    [InlineData("1.23.6")]
    public void A_host_name_in_the_guide_form_runs_from_1_15(string version) =>
        Assert.Empty(InstallFormRules.Check(V(version), Guide("istiod.example.com"), "t"));

    [Theory]
    [InlineData("1.7.8", true)]
    [InlineData("1.14.6", true)]
    [InlineData("1.15.0", false)]
    [InlineData("1.23.6", false)]
    public void An_IPv6_address_in_the_guide_form_runs_only_where_the_charts_write_it_as_an_IP(string version, bool runs)
    {
        if (runs)
        {
            Assert.Empty(InstallFormRules.Check(V(version), Guide("2001:db8::10"), "t"));
            return;
        }

        var ex = Refused(version, Guide("2001:db8::10"));
        Assert.Equal(ErrorIds.RemotePilotAddressUnsupported, ex.ErrorId);
        Assert.Contains("ExternalName", ex.Message);
    }

    [Theory]
    [InlineData("1.7.8", "the default profile without Prometheus")]
    [InlineData("1.8.0", "the default profile (spec: {})")]
    [InlineData("1.14.6", "the default profile (spec: {})")]
    [InlineData("1.15.2", "has no remote profile")]
    public void The_remote_profile_before_1_16_is_refused(string version, string meaning)
    {
        var ex = Refused(version, Remote("192.0.2.10"));
        Assert.Equal(ErrorIds.InstallSpecFormUnsupported, ex.ErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, ex.Category);
        Assert.Equal("/specs/install.yaml", ex.Target);
        Assert.Contains(meaning, ex.Message);
        Assert.Contains("istioctl 1.16 or later", ex.Message);
    }

    [Theory]
    [InlineData("1.16.0")]
    [InlineData("1.23.6")]
    [InlineData("1.24.0")]
    [InlineData("1.29.6")]
    [InlineData("1.30.0")]
    public void The_remote_profile_with_IPv4_runs_from_1_16(string version) =>
        Assert.Empty(InstallFormRules.Check(V(version), Remote("192.0.2.10"), "t"));

    [Theory]
    [InlineData("1.16.0")]
    [InlineData("1.24.0")]
    [InlineData("1.26.3")]
    [InlineData("1.29.6")]
    public void An_IPv6_address_in_the_remote_profile_before_1_30_is_refused(string version)
    {
        var ex = Refused(version, Remote("2001:db8::10"));
        Assert.Equal(ErrorIds.RemotePilotAddressUnsupported, ex.ErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, ex.Category);
        Assert.Equal("2001:db8::10", ex.Target);
        Assert.Contains("IPv4 only until 1.30", ex.Message);
        Assert.Contains("Use istioctl 1.30 or later", ex.Message);
    }

    [Theory]
    [InlineData("2001:db8::10")]
    [InlineData("fd00::1")]
    public void An_IPv6_address_in_the_remote_profile_runs_from_1_30(string address) =>
        Assert.Empty(InstallFormRules.Check(V("1.30.0"), Remote(address), "t"));

    [Fact]
    public void An_IPv6_address_the_1_30_charts_still_take_for_a_name_is_refused()
    {
        var ex = Refused("1.30.3", Remote("::ffff:192.0.2.10"));
        Assert.Equal(ErrorIds.RemotePilotAddressUnsupported, ex.ErrorId);
        Assert.Contains("plain form", ex.Message);
    }

    [Fact]
    public void A_host_name_in_the_remote_profile_runs_with_the_ExternalName_warning()
    {
        var warning = Assert.Single(InstallFormRules.Check(V("1.26.0"), Remote("istiod.example.com"), "t"));
        Assert.Contains("istio#45014", warning);
        Assert.Contains("ExternalName", warning);
    }

    [Fact]
    public void A_spec_that_names_no_remote_is_not_judged() =>
        Assert.Empty(InstallFormRules.Check(V("1.26.0"), new IstioOperatorSummary("cluster1", "istio-system", null), "t"));

    [Theory]
    [InlineData("apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  profile: remote\n", true)]
    [InlineData("apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    istiodRemote:\n      enabled: true\n", true)]
    [InlineData("apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  components:\n    istiodRemote:\n      enabled: true\n", true)]
    [InlineData("apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  profile: default\n", false)]
    [InlineData("apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    istiodRemote:\n      enabled: false\n", false)]
    public void The_reader_tells_the_remote_profile_by_the_profile_or_the_charts_switch(string yaml, bool remote) =>
        Assert.Equal(remote, IstioOperatorReader.Read(yaml, "t").IsRemoteProfile);

    [Fact]
    public void The_reader_finds_the_address()
    {
        var spec = InstallSpecBuilder.Build(new InstallSpecParameters("cluster2", "network1", "mesh1", "2001:db8::10"));
        var summary = IstioOperatorReader.Read(spec.Yaml, "t");
        Assert.Equal(("2001:db8::10", false), (summary.RemotePilotAddress, summary.IsRemoteProfile));
    }
}
