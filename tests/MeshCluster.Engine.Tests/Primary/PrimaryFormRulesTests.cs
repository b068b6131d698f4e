using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Install;
using MeshCluster.Engine.Primary;

namespace MeshCluster.Engine.Tests.Primary;

/// <summary>Which primary form each istioctl version's charts install as meant (PrimaryFormRules), at each boundary.</summary>
public sealed class PrimaryFormRulesTests
{
    private static IstioctlVersion V(string text) => IstioctlVersion.TryParse(text)!;

    private static PrimaryOperatorSummary Spec(PrimaryInstallSpecParameters p) =>
        PrimaryOperatorReader.Read(PrimaryInstallSpecBuilder.Build(p).Yaml, "t");

    private static PrimaryOperatorSummary External(bool gateway = true, bool pilotEnv = false) => Spec(new("cluster1", "network1", "mesh1",
        PrimaryInstallForm.ExternalIstiod, EastWestGateway: gateway,
        Values: pilotEnv ? new Dictionary<string, object?> { ["pilot"] = new Dictionary<string, object?> { ["env"] = new Dictionary<string, object?> { ["EXTERNAL_ISTIOD"] = "true" } } } : null));

    private static PrimaryOperatorSummary MeshExpansion() => Spec(new("cluster1", "network1", "mesh1", PrimaryInstallForm.MeshExpansion));

    private static string RefusedId(string version, PrimaryOperatorSummary spec) =>
        Assert.Throws<MeshClusterException>(() => PrimaryFormRules.Check(V(version), spec, "t")).ErrorId;

    [Theory]
    [InlineData("1.8.0")]
    [InlineData("1.9.9")]
    [InlineData("1.23.0")]
    [InlineData("1.26.8")]
    [InlineData("1.30.0")]
    public void ExternalIstiod_installs_where_global_externalIstiod_sets_EXTERNAL_ISTIOD(string version) =>
        Assert.Empty(PrimaryFormRules.Check(V(version), External(), "t"));

    [Theory]
    [InlineData("1.10.0")]
    [InlineData("1.15.7")]
    [InlineData("1.22.9")]
    public void ExternalIstiod_from_1_10_to_1_22_needs_the_pilot_env(string version)
    {
        Assert.Equal(ErrorIds.InstallSpecFormUnsupported, RefusedId(version, External()));
        Assert.Empty(PrimaryFormRules.Check(V(version), External(pilotEnv: true), "t"));
    }

    [Theory]
    [InlineData("1.6.8")]
    [InlineData("1.7.8")]
    public void ExternalIstiod_before_1_8_is_refused(string version) =>
        Assert.Equal(ErrorIds.InstallSpecFormUnsupported, RefusedId(version, External()));

    [Theory]
    [InlineData("1.7.0", true)]
    [InlineData("1.8.6", true)]
    [InlineData("1.9.0", false)]
    [InlineData("1.26.8", false)]
    public void MeshExpansion_installs_up_to_1_8(string version, bool installs)
    {
        if (installs) Assert.Empty(PrimaryFormRules.Check(V(version), MeshExpansion(), "t"));
        else Assert.Equal(ErrorIds.InstallSpecFormUnsupported, RefusedId(version, MeshExpansion()));
    }

    [Fact]
    public void A_primary_without_the_east_west_gateway_is_warned_about_and_the_gateway_alone_is_not()
    {
        Assert.Contains("-EastWestGatewayOnly", Assert.Single(PrimaryFormRules.Check(V("1.26.8"), External(gateway: false), "t")));
        var gatewayOnly = Spec(new(null, "network1", null, ControlPlane: false));
        Assert.True(gatewayOnly.GatewayOnly);
        Assert.Equal(new[] { "istio-eastwestgateway" }, gatewayOnly.Gateways);
        Assert.Empty(PrimaryFormRules.Check(V("1.26.8"), gatewayOnly, "t"));
    }

    [Fact]
    public void A_remote_s_spec_is_not_a_primary_s()
    {
        var remote = PrimaryOperatorReader.Read(IstioOperatorYaml.Write(InstallProfile.Remote, IstioOperatorYaml.BuildValues(
            new InstallSpecParameters("cluster2", "network1", "mesh1", "192.0.2.10", InstallProfile.Remote))), "t");
        Assert.Equal(ErrorIds.InstallSpecNotPrimary, RefusedId("1.26.8", remote));
    }
}
