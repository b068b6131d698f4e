using MeshCluster.Engine.Naming;
using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.RemoteSecret;

namespace MeshCluster.Engine.Tests.RemoteSecret;

public class RemoteSecretNamesTests
{
    [Theory]
    [InlineData("cluster2")]
    [InlineData("a")]
    [InlineData("0")]
    [InlineData("east-1")]
    [InlineData("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc")] // 63
    public void Accepts_dns1123_labels(string name)
    {
        Assert.True(ClusterNameRule.IsDns1123Label(name));
        ClusterNameRule.Validate(name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Cluster2")]
    [InlineData("-cluster")]
    [InlineData("cluster-")]
    [InlineData("cluster_2")]
    [InlineData("cluster.2")]
    [InlineData("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd")] // 64
    public void Rejects_other_names_with_ClusterNameInvalid(string name)
    {
        var ex = Assert.Throws<MeshClusterException>(() => ClusterNameRule.Validate(name));
        Assert.Equal(ErrorIds.ClusterNameInvalid, ex.ErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, ex.Category);
        Assert.Equal(name, ex.Target);
        Assert.False(ex.Terminating);
    }

    [Theory]
    [InlineData("https://127.0.0.1:6443", true)]
    [InlineData("https://127.3.4.5:6443", true)]
    [InlineData("https://localhost:6443", true)]
    [InlineData("https://LOCALHOST", true)]
    [InlineData("https://api.localhost:443", true)]
    [InlineData("https://[::1]:6443", true)]
    [InlineData("https://10.0.0.1:6443", false)]
    [InlineData("https://cluster2.example.com", false)]
    [InlineData("https://localhost.example.com", false)]
    [InlineData("not a url", false)]
    public void Detects_loopback_servers(string server, bool loopback) =>
        Assert.Equal(loopback, RemoteSecretNames.IsLoopbackServer(server));

    [Fact]
    public void Names_follow_istioctl()
    {
        Assert.Equal("istio-remote-secret-cluster2", RemoteSecretNames.SecretName("cluster2"));
        Assert.Equal("istio-reader-service-account-istio-remote-secret-token", RemoteSecretNames.TokenSecretName("istio-reader-service-account"));
        Assert.Equal("istio-reader-clusterrole-istio-system", RemoteSecretNames.ReaderClusterRoleName("istio-system"));
    }

    [Theory]
    [InlineData("istio-reader-service-account-token-x7k2p", true)]
    [InlineData("istio-reader-service-account-token-abcde", false)] // a, e are not in the generator's alphabet
    [InlineData("istio-reader-service-account-istio-remote-secret-token", false)]
    [InlineData("istio-reader-service-account-token-x7k2", false)]
    [InlineData("other-token-x7k2p", false)]
    public void Recognises_names_the_legacy_token_controller_generates(string name, bool generated) =>
        Assert.Equal(generated, RemoteSecretNames.IsGeneratedTokenSecretName(name, "istio-reader-service-account"));
}
