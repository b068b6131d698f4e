using System.Text;
using k8s;
using k8s.KubeConfigModels;
using MeshCluster.Engine.RemoteSecret;

namespace MeshCluster.Engine.Tests.RemoteSecret;

public class RemoteKubeConfigTests
{
    private const string Token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl-_x";
    private static readonly byte[] Ca = SelfSignedPem();

    // A real certificate: the client configuration parses certificate-authority-data.
    private static byte[] SelfSignedPem()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=test-ca", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return Encoding.UTF8.GetBytes(cert.ExportCertificatePem() + "\n");
    }

    [Fact]
    public void Without_a_credential_it_names_no_user_so_a_client_can_still_check_server_and_TLS()
    {
        // KubernetesClient refuses a user without credentials; Test-IstioRemoteCluster checks an exec secret's server anonymously.
        var text = RemoteKubeConfig.Build(new RemoteKubeConfigSpec("cluster2", "https://10.1.2.3:6443", Ca, null, null));
        var config = KubernetesYaml.Deserialize<K8SConfiguration>(text);
        Assert.Null(Assert.Single(config.Contexts).ContextDetails.User);
        Assert.Empty(config.Users ?? new List<User>());
        using var connection = MeshCluster.Engine.Http.KubeClientFactory.FromKubeConfigText(text, "cluster2", out var reason);
        Assert.True(connection is not null, reason);
    }

    [Fact]
    public void Names_cluster_user_and_context_after_the_cluster_with_token_auth_only()
    {
        var text = RemoteKubeConfig.Build(new RemoteKubeConfigSpec("cluster2", "https://10.1.2.3:6443", Ca, Token, null));
        var config = KubernetesYaml.Deserialize<K8SConfiguration>(text);

        Assert.Equal("Config", config.Kind);
        Assert.Equal("v1", config.ApiVersion);
        Assert.Equal("cluster2", config.CurrentContext);
        var cluster = Assert.Single(config.Clusters);
        Assert.Equal("cluster2", cluster.Name);
        Assert.Equal("https://10.1.2.3:6443", cluster.ClusterEndpoint.Server);
        Assert.Equal(Convert.ToBase64String(Ca), cluster.ClusterEndpoint.CertificateAuthorityData);
        Assert.Null(cluster.ClusterEndpoint.TlsServerName);
        var context = Assert.Single(config.Contexts);
        Assert.Equal(("cluster2", "cluster2", "cluster2"), (context.Name, context.ContextDetails.Cluster, context.ContextDetails.User));
        var user = Assert.Single(config.Users);
        Assert.Equal("cluster2", user.Name);
        Assert.Equal(Token, user.UserCredentials.Token);
        Assert.Null(user.UserCredentials.ExternalExecution);
        Assert.Null(user.UserCredentials.ClientCertificateData);
        Assert.Null(user.UserCredentials.ClientKeyData);
        Assert.Null(user.UserCredentials.AuthProvider);
    }

    [Fact]
    public void Writes_tls_server_name_when_given()
    {
        var text = RemoteKubeConfig.Build(new RemoteKubeConfigSpec("east", "https://10.1.2.3:6443", Ca, Token, "kubernetes.default.svc"));
        var config = KubernetesYaml.Deserialize<K8SConfiguration>(text);
        Assert.Equal("kubernetes.default.svc", Assert.Single(config.Clusters).ClusterEndpoint.TlsServerName);
        Assert.Contains("tls-server-name: kubernetes.default.svc", text);
    }

    [Fact]
    public void The_text_builds_a_client_configuration_in_memory()
    {
        var text = RemoteKubeConfig.Build(new RemoteKubeConfigSpec("cluster2", "https://10.1.2.3:6443", Ca, Token, null));
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        var configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(stream);
        Assert.Equal("https://10.1.2.3:6443", configuration.Host.TrimEnd('/'));
        Assert.Equal(Token, configuration.AccessToken);
        Assert.Equal("cluster2", configuration.CurrentContext);
    }

    [Fact]
    public void Same_input_gives_the_same_text_so_unchanged_can_be_detected()
    {
        var spec = new RemoteKubeConfigSpec("cluster2", "https://10.1.2.3:6443", Ca, Token, null);
        Assert.Equal(RemoteKubeConfig.Build(spec), RemoteKubeConfig.Build(spec with { }));
        Assert.NotEqual(RemoteKubeConfig.Build(spec), RemoteKubeConfig.Build(spec with { Server = "https://10.1.2.4:6443" }));
    }
}
