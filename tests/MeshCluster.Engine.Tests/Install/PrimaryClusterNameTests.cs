using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Install;

namespace MeshCluster.Engine.Tests.Install;

/// <summary>Istio 1.24+ primary-remote: the spec carries topology.istio.io/controlPlaneClusters, and only where it belongs.</summary>
public sealed class PrimaryClusterNameTests
{
    [Fact]
    public void Remote_spec_carries_the_primary_as_the_annotation_and_the_reader_finds_it()
    {
        var spec = InstallSpecBuilder.Build(new InstallSpecParameters("cluster2", "network1", "mesh1", "192.0.2.10", InstallProfile.Remote, PrimaryClusterName: "cluster1"));

        Assert.Equal("cluster1", spec.PrimaryClusterName);
        Assert.StartsWith(
            "apiVersion: install.istio.io/v1alpha1\n" +
            "kind: IstioOperator\n" +
            "metadata:\n" +
            "  annotations:\n" +
            "    topology.istio.io/controlPlaneClusters: cluster1\n" +
            "spec:\n" +
            "  profile: remote\n", spec.Yaml);
        var summary = IstioOperatorReader.Read(spec.Yaml, "t");
        Assert.Equal(("cluster2", "istio-system", "remote", "cluster1"), (summary.ClusterName, summary.Namespace, summary.Profile, summary.ControlPlaneClusters));
    }

    [Fact]
    public void Without_a_primary_the_remote_spec_is_unchanged_and_names_none()
    {
        var spec = InstallSpecBuilder.Build(new InstallSpecParameters("cluster2", "network1", "mesh1", "192.0.2.10", InstallProfile.Remote));
        Assert.Null(spec.PrimaryClusterName);
        Assert.DoesNotContain("metadata", spec.Yaml);
        Assert.Null(IstioOperatorReader.Read(spec.Yaml, "t").ControlPlaneClusters);
    }

    [Theory]
    [InlineData(InstallProfile.Default, "cluster1", nameof(ErrorIds.InstallSpecProfileConflict))]
    [InlineData(InstallProfile.Remote, "Cluster_1", nameof(ErrorIds.ClusterNameInvalid))]
    [InlineData(InstallProfile.Remote, "cluster2", nameof(ErrorIds.InstallSpecValueConflict))]
    public void A_primary_that_cannot_be_is_refused(InstallProfile profile, string primary, string id)
    {
        var ex = Assert.Throws<MeshClusterException>(() => InstallSpecBuilder.Build(new InstallSpecParameters("cluster2", "network1", "mesh1", "192.0.2.10", profile, PrimaryClusterName: primary)));
        Assert.Equal(id, ex.ErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, ex.Category);
        Assert.Equal(primary, ex.Target);
    }

    [Theory]
    [InlineData("cluster1,cluster3")]
    [InlineData("*")]
    [InlineData("cluster1,*")]
    public void What_istiod_accepts_is_accepted_a_list_or_a_star(string primary)
    {
        var spec = InstallSpecBuilder.Build(new InstallSpecParameters("cluster2", "network1", "mesh1", "192.0.2.10", InstallProfile.Remote, PrimaryClusterName: primary));
        Assert.Equal(primary, spec.PrimaryClusterName);
        Assert.Contains($"    topology.istio.io/controlPlaneClusters: \"{primary}\"\n", spec.Yaml); // quoted: ',' and '*' mean something to YAML
        Assert.Equal(primary, IstioOperatorReader.Read(spec.Yaml, "t").ControlPlaneClusters);
        Assert.Equal(primary.Split(','), ControlPlaneClustersAnnotation.Parse(primary));
    }

    [Theory]
    [InlineData("cluster1, cluster3", "' cluster3'")]
    [InlineData("cluster1,,cluster3", "''")]
    [InlineData("cluster1,", "''")]
    [InlineData("Cluster_1,cluster3", "'Cluster_1'")]
    [InlineData("**", "it is neither")]
    public void A_list_with_an_item_istiod_would_never_match_is_refused(string primary, string named)
    {
        var ex = Assert.Throws<MeshClusterException>(() => InstallSpecBuilder.Build(new InstallSpecParameters("cluster2", "network1", "mesh1", "192.0.2.10", InstallProfile.Remote, PrimaryClusterName: primary)));
        Assert.Equal(ErrorIds.ClusterNameInvalid, ex.ErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, ex.Category);
        Assert.Equal(primary, ex.Target);
        Assert.Contains(named, ex.Message);
        Assert.Contains("without trimming spaces", ex.Message);
    }

    [Fact]
    public void A_list_that_names_the_remote_itself_is_refused()
    {
        var ex = Assert.Throws<MeshClusterException>(() => InstallSpecBuilder.Build(new InstallSpecParameters("cluster2", "network1", "mesh1", "192.0.2.10", InstallProfile.Remote, PrimaryClusterName: "cluster1,cluster2")));
        Assert.Equal(ErrorIds.InstallSpecValueConflict, ex.ErrorId);
        Assert.Equal("cluster1,cluster2", ex.Target);
    }

    [Fact]
    public void The_written_file_keeps_the_primary()
    {
        var dir = Directory.CreateTempSubdirectory("primary-").FullName;
        try
        {
            var spec = InstallSpecBuilder.Build(new InstallSpecParameters("cluster2", "network1", "mesh1", "192.0.2.10", InstallProfile.Remote, PrimaryClusterName: "cluster1"));
            var written = InstallSpecFile.Write(spec, Path.Combine(dir, "install.yaml"), force: false);
            Assert.Equal("cluster1", written.PrimaryClusterName);
            Assert.Equal("cluster1", IstioOperatorReader.ReadFile(written.Path!).ControlPlaneClusters);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
