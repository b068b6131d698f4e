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
