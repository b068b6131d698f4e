using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Install;

namespace MeshCluster.Engine.Tests.Install;

public class InstallSpecValidatorTests
{
    [Theory]
    [InlineData("", "network1", "mesh1", "192.0.2.1", "ClusterName")]
    [InlineData("cluster2", "", "mesh1", "192.0.2.1", "Network")]
    [InlineData("cluster2", "network1", " ", "192.0.2.1", "MeshId")]
    [InlineData("cluster2", "network1", "mesh1", "", "RemotePilotAddress")]
    public void An_empty_value_is_refused_naming_its_parameter(string cluster, string network, string mesh, string address, string parameter)
    {
        var ex = Assert.Throws<MeshClusterException>(() => InstallSpecValidator.Validate(new InstallSpecParameters(cluster, network, mesh, address)));
        Assert.Equal(ErrorIds.InstallSpecValueEmpty, ex.ErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, ex.Category);
        Assert.Equal(parameter, ex.Target);
    }

    [Theory]
    [InlineData("Cluster2")]
    [InlineData("cluster_2")]
    [InlineData("-cluster")]
    [InlineData("cluster-")]
    [InlineData("cluster.two")]
    [InlineData("cluster 2")]
    [InlineData("a123456789012345678901234567890123456789012345678901234567890123")]
    public void A_cluster_name_must_be_a_DNS_1123_label(string cluster)
    {
        var ex = Assert.Throws<MeshClusterException>(() => InstallSpecValidator.Validate(new InstallSpecParameters(cluster, "n", "m", "192.0.2.1")));
        Assert.Equal(ErrorIds.ClusterNameInvalid, ex.ErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, ex.Category);
        Assert.Equal(cluster, ex.Target);
    }

    [Theory]
    [InlineData("c")]
    [InlineData("cluster2")]
    [InlineData("2")]
    [InlineData("a12345678901234567890123456789012345678901234567890123456789012")]
    public void A_DNS_1123_label_of_up_to_63_characters_is_a_good_cluster_name(string cluster) =>
        Assert.Null(Record.Exception(() => InstallSpecValidator.Validate(new InstallSpecParameters(cluster, "n", "m", "192.0.2.1"))));

    [Theory]
    [InlineData("1.2.3")]
    [InlineData("300.1.1.1")]
    [InlineData("1")]
    [InlineData("host name")]
    [InlineData("http://istiod.example.com")]
    [InlineData("istiod.example.com:15012")]
    [InlineData("-bad.example.com")]
    [InlineData("under_score.example.com")]
    [InlineData("a..b")]
    public void The_address_must_be_an_IP_or_a_DNS_name(string address)
    {
        var ex = Assert.Throws<MeshClusterException>(() => InstallSpecValidator.Validate(new InstallSpecParameters("c", "n", "m", address)));
        Assert.Equal(ErrorIds.RemotePilotAddressInvalid, ex.ErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, ex.Category);
        Assert.Equal(address, ex.Target);
    }

    [Theory]
    [InlineData("192.0.2.10")]
    [InlineData("2001:db8::1")]
    [InlineData("istiod.example.com")]
    [InlineData("a1b2-elb.us-east-1.elb.amazonaws.com")]
    [InlineData("localhost")]
    [InlineData("istiod.example.com.")]
    public void An_IP_address_or_a_DNS_name_is_a_good_address(string address) =>
        Assert.Null(Record.Exception(() => InstallSpecValidator.Validate(new InstallSpecParameters("c", "n", "m", address))));
}
