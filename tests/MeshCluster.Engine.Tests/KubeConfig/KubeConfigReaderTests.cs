using MeshCluster.Engine.KubeConfig;

namespace MeshCluster.Engine.Tests.KubeConfig;

/// <summary>The kubeconfig reader against what KubernetesClient's own (reflection-based) reader makes of the same text.</summary>
public sealed class KubeConfigReaderTests
{
    private static Exception Invalid(string reason) => new FormatException(reason);

    private const string Full = """
        apiVersion: v1
        kind: Config
        current-context: east
        preferences: {}
        clusters:
        - name: east
          cluster:
            server: https://10.1.2.3:6443
            certificate-authority-data: Q0EK
            tls-server-name: api.east
            insecure-skip-tls-verify: false
            proxy-url: http://ignored
        - name: west
          cluster: {server: "https://west:443", certificate-authority: ./ca.pem, insecure-skip-tls-verify: yes}
        users:
        - name: token-user
          user: {token: "abc0123456789", as: admin, as-groups: [a, b]}
        - name: exec-user
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1beta1
              command: kubelogin
              args: ["get-token", "--server-id", "6dae"]
              env: [{name: A, value: "1"}, {name: B, value: ""}]
              installHint: Install kubelogin.
              provideClusterInfo: true
        - name: cert-user
          user: {client-certificate: c.pem, client-key: k.pem, username: u, password: "p"}
        - name: oidc-user
          user:
            auth-provider: {name: oidc, config: {client-id: x, id-token: y}}
        contexts:
        - name: east
          context: {cluster: east, user: token-user, namespace: team}
        - &anchor
          name: west
          context: {cluster: west, user: exec-user}
        """;

    [Fact]
    public void Reads_what_KubernetesClient_reads()
    {
        var ours = KubeConfigReader.Read(Full, Invalid);
        var theirs = k8s.KubernetesYaml.Deserialize<k8s.KubeConfigModels.K8SConfiguration>(Full);

        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(theirs.Clusters), System.Text.Json.JsonSerializer.Serialize(ours.Clusters));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(theirs.Contexts), System.Text.Json.JsonSerializer.Serialize(ours.Contexts));
        Assert.Equal(theirs.CurrentContext, ours.CurrentContext);
        Assert.Equal((theirs.ApiVersion, theirs.Kind), (ours.ApiVersion, ours.Kind));
        foreach (var (a, b) in theirs.Users.Zip(ours.Users))
        {
            Assert.Equal(a.Name, b.Name);
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(a.UserCredentials.ExternalExecution), System.Text.Json.JsonSerializer.Serialize(b.UserCredentials.ExternalExecution));
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(a.UserCredentials.AuthProvider), System.Text.Json.JsonSerializer.Serialize(b.UserCredentials.AuthProvider));
            Assert.Equal((a.UserCredentials.Token, a.UserCredentials.ClientCertificate, a.UserCredentials.ClientKey, a.UserCredentials.UserName, a.UserCredentials.Password, a.UserCredentials.Impersonate),
                (b.UserCredentials.Token, b.UserCredentials.ClientCertificate, b.UserCredentials.ClientKey, b.UserCredentials.UserName, b.UserCredentials.Password, b.UserCredentials.Impersonate));
            Assert.Equal(a.UserCredentials.ImpersonateGroups ?? Array.Empty<string>(), b.UserCredentials.ImpersonateGroups ?? Array.Empty<string>());
        }
    }

    [Theory]
    [InlineData("clusters: 5\n", "'clusters' is not a list (line 1)")]
    [InlineData("clusters:\n- name: a\n  cluster: [1]\n", "'cluster' is not a mapping (line 3)")]
    [InlineData("users:\n- name: u\n  user: {token: [secret-0123456789]}\n", "'token' is not a single value (line 3)")]
    [InlineData("clusters:\n- name: a\n  cluster: {insecure-skip-tls-verify: maybe}\n", "'insecure-skip-tls-verify' is not true or false (line 3)")]
    [InlineData("kind: Config\nkind: Config\n", "the key 'kind' appears twice in one mapping (line 2)")]
    [InlineData("contexts:\n- *nowhere\n", "unknown anchor (line 2)")]
    [InlineData("a: [unclosed\n", "it is not valid YAML (line 2")]
    public void A_value_of_the_wrong_shape_names_the_field_and_line_and_never_the_value(string text, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => KubeConfigReader.Read(text, Invalid));
        Assert.Contains(expected, ex.Message);
        Assert.DoesNotContain("secret-0123456789", ex.Message);
    }

    [Fact]
    public void Quoted_true_is_not_a_boolean_and_an_empty_document_is_an_empty_config()
    {
        Assert.Throws<FormatException>(() => KubeConfigReader.Read("clusters:\n- cluster: {insecure-skip-tls-verify: \"true\"}\n", Invalid));
        Assert.Empty(KubeConfigReader.Read("", Invalid).Clusters);
    }
}
