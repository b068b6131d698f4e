using System.Text;
using k8s.Models;
using MeshCluster.Engine.RemoteSecret;

namespace MeshCluster.Engine.Tests.RemoteSecret;

public class RemoteSecretParserTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static V1Secret Secret(string name, IDictionary<string, string> data, string? annotation = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = "istio-system",
            ResourceVersion = "7",
            CreationTimestamp = new DateTime(2029, 12, 1, 0, 0, 0, DateTimeKind.Utc),
            Annotations = annotation is null ? null : new Dictionary<string, string> { ["networking.istio.io/cluster"] = annotation },
        },
        Data = data.ToDictionary(d => d.Key, d => Encoding.UTF8.GetBytes(d.Value)),
    };

    private static string Config(string user, string cluster = "    server: https://10.0.0.1:6443\n    certificate-authority-data: Y2E=\n") =>
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n" + cluster +
        "contexts:\n- name: c\n  context:\n    cluster: c\n    user: c\ncurrent-context: c\nusers:\n- name: c\n  user:\n" + user;

    private static string Jwt(string payload) =>
        "eyJhbGciOiJSUzI1NiJ9." + Convert.ToBase64String(Encoding.UTF8.GetBytes(payload)).TrimEnd('=').Replace('+', '-').Replace('/', '_') + ".c2ln";

    [Fact]
    public void An_istioctl_secret_gives_its_server_token_and_claims_without_problems()
    {
        var token = Jwt("{\"sub\":\"system:serviceaccount:istio-system:istio-reader-service-account\",\"exp\":1924992000}");
        var entry = RemoteSecretParser.Parse(Secret("istio-remote-secret-east", new Dictionary<string, string> { ["east"] = Config($"    token: {token}\n") }, "east"), "primary", Now);

        var info = entry.Info;
        Assert.Equal(("east", "istio-remote-secret-east", "istio-system", "primary"), (info.ClusterName, info.SecretName, info.Namespace, info.Context));
        Assert.Equal("https://10.0.0.1:6443", info.Server);
        Assert.Equal(RemoteAuthType.Token, info.AuthType);
        Assert.Equal(("istio-reader-service-account", "istio-system"), (info.ServiceAccount, info.ServiceAccountNamespace));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1924992000), info.TokenExpires);
        Assert.Equal(new DateTimeOffset(2029, 12, 1, 0, 0, 0, TimeSpan.Zero), info.CreatedAt);
        Assert.Equal("7", info.ResourceVersion);
        Assert.Empty(info.Problems);
        Assert.True(entry.HasUsableToken);
        Assert.Equal("ca"u8.ToArray(), entry.Credentials!.CertificateAuthority);
        // The token is in no public member and not in ToString.
        Assert.DoesNotContain(token, entry.Credentials.ToString());
        Assert.DoesNotContain(typeof(IstioRemoteSecretInfo).GetProperties().Select(p => p.GetValue(info)?.ToString()), v => v?.Contains(token) == true);
    }

    [Fact]
    public void An_expired_token_is_a_problem()
    {
        var token = Jwt("{\"sub\":\"system:serviceaccount:a:b\",\"exp\":1000}");
        var entry = RemoteSecretParser.Parse(Secret("istio-remote-secret-x", new Dictionary<string, string> { ["x"] = Config($"    token: {token}\n") }), "p", Now);
        Assert.Contains("expired", Assert.Single(entry.Info.Problems));
        Assert.Empty(entry.Blocking); // still testable: the server will say 401
    }

    [Theory]
    [InlineData("    client-certificate-data: Y2VydA==\n    client-key-data: a2V5a2V5a2V5\n", RemoteAuthType.ClientCertificate)]
    [InlineData("    username: admin\n    password: hunter2hunter2\n", RemoteAuthType.Basic)]
    [InlineData("    auth-provider:\n      name: oidc\n      config:\n        id-token: abcdefghijkl\n", RemoteAuthType.AuthProvider)]
    public void What_istiod_accepts_by_default_is_no_problem(string user, RemoteAuthType type)
    {
        // pkg/kube/util.go sanitizeKubeConfig: inline certificates, basic auth and oidc pass without PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS.
        var entry = RemoteSecretParser.Parse(Secret("istio-remote-secret-x", new Dictionary<string, string> { ["x"] = Config(user) }), "p", Now);
        Assert.Equal(type, entry.Info.AuthType);
        Assert.Empty(entry.Info.Problems);
        Assert.Empty(entry.Blocking);
        Assert.False(entry.HasUsableToken);
        Assert.Equal(type != RemoteAuthType.AuthProvider, entry.HasTestableCredentials); // oidc is accepted but not tested
    }

    [Theory]
    [InlineData("    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n", RemoteAuthType.Exec, "exec")]
    [InlineData("    auth-provider:\n      name: gcp\n", RemoteAuthType.AuthProvider, "gcp")]
    [InlineData("    client-certificate: /etc/cert.pem\n    client-key-data: a2V5a2V5a2V5\n", RemoteAuthType.ClientCertificate, "clientCertificate")]
    [InlineData("    client-certificate-data: Y2VydA==\n    client-key: /etc/key.pem\n", RemoteAuthType.ClientCertificate, "clientKey")]
    [InlineData("    tokenFile: /var/run/token\n", RemoteAuthType.TokenFile, "tokenFile")]
    public void What_istiod_refuses_is_a_problem_unless_its_istiod_allows_it_then_a_note(string user, RemoteAuthType type, string option)
    {
        var secret = Secret("istio-remote-secret-x", new Dictionary<string, string> { ["x"] = Config(user) });
        var refused = RemoteSecretParser.Parse(secret, "p", Now);
        Assert.Equal(type, refused.Info.AuthType);
        var problem = Assert.Single(refused.Info.Problems);
        Assert.Contains($"PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS on the primary's istiod lists '{option}'", problem);
        Assert.NotEmpty(refused.Blocking);
        Assert.False(refused.HasTestableCredentials);
        Assert.Equal("https://10.0.0.1:6443", refused.Info.Server); // server and TLS can still be checked

        // istiod splits the list at commas, without trimming: " exec" is not "exec".
        var allowed = RemoteSecretParser.Parse(secret, "p", Now, "x", new KubeConfigAllowance(new HashSet<string> { option, "other" }, "Deployment istio-system/istiod in context 'p'"));
        Assert.Empty(allowed.Info.Problems);
        Assert.Contains($"lists '{option}' in PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS", Assert.Single(allowed.Info.Notes));
        Assert.Contains("Deployment istio-system/istiod in context 'p'", allowed.Info.Notes[0]);
        Assert.False(allowed.HasTestableCredentials); // allowed, but MeshCluster runs nothing and reads no file a Secret names
    }

    [Fact]
    public void Every_user_is_checked_as_istiod_checks_them_not_only_the_current_one()
    {
        var config = Config("    token: abcdefghijkl\n") + "- name: spare\n  user:\n    exec:\n      apiVersion: v1\n      command: gke-gcloud-auth-plugin\n";
        var entry = RemoteSecretParser.Parse(Secret("istio-remote-secret-x", new Dictionary<string, string> { ["x"] = config }), "p", Now);
        Assert.Equal(RemoteAuthType.Token, entry.Info.AuthType);
        Assert.StartsWith("User 'spare' runs an exec credential plugin ('gke-gcloud-auth-plugin')", Assert.Single(entry.Info.Problems));
        Assert.False(entry.HasUsableToken);
    }

    [Theory]
    [InlineData("    token: abcdefghijkl\n    username: admin\n    password: hunter2hunter2\n", "more than one authentication method")]
    [InlineData("    client-certificate-data: Y2VydA==\n", "client certificate without its key")]
    [InlineData("    exec:\n      command: x\n    auth-provider:\n      name: oidc\n", "both an exec plugin and an auth provider")]
    [InlineData("    {}\n", "holds no credential")]
    public void What_clientcmd_validation_refuses_is_a_problem(string user, string problem)
    {
        var entry = RemoteSecretParser.Parse(Secret("istio-remote-secret-x", new Dictionary<string, string> { ["x"] = Config(user) }), "p", Now);
        Assert.Contains(entry.Info.Problems, p => p.Contains(problem, StringComparison.Ordinal));
        Assert.False(entry.HasTestableCredentials);
    }

    [Fact]
    public void A_password_and_a_client_key_are_registered_for_redaction_and_shown_nowhere()
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var key = Convert.ToBase64String(Encoding.UTF8.GetBytes("-----BEGIN PRIVATE KEY-----\n" + Guid.NewGuid().ToString("N") + "\n-----END PRIVATE KEY-----\n"));
        var basic = RemoteSecretParser.Parse(Secret("istio-remote-secret-b", new Dictionary<string, string> { ["b"] = Config($"    username: admin\n    password: {password}\n") }), "p", Now);
        var cert = RemoteSecretParser.Parse(Secret("istio-remote-secret-c", new Dictionary<string, string> { ["c"] = Config($"    client-certificate-data: Y2VydA==\n    client-key-data: {key}\n") }), "p", Now);
        Assert.True(basic.HasTestableCredentials && cert.HasTestableCredentials);
        Assert.Equal(SecretRedactor.Mask, SecretRedactor.Redact(password));
        Assert.Equal(SecretRedactor.Mask, SecretRedactor.Redact(key));
        Assert.DoesNotContain("PRIVATE KEY", SecretRedactor.Redact(Encoding.UTF8.GetString(Convert.FromBase64String(key))));
        Assert.Equal(SecretRedactor.Mask, SecretRedactor.Redact(Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + password)))); // the Basic header
        foreach (var info in new[] { basic.Info, cert.Info })
        {
            Assert.DoesNotContain(typeof(IstioRemoteSecretInfo).GetProperties().Select(p => p.GetValue(info)?.ToString()), v => v?.Contains(password) == true || v?.Contains(key) == true);
        }

        // What Test-IstioRemoteCluster connects with carries them, and nothing else of the kubeconfig.
        Assert.Contains($"password: {password}", basic.Credentials!.ToKubeConfig("b"));
        Assert.Contains("client-key-data: " + key, cert.Credentials!.ToKubeConfig("c"));
        Assert.DoesNotContain(password, basic.Credentials.ToKubeConfig("b", withCredentials: false));
    }

    [Theory]
    [InlineData("\u0001 garbage: [not yaml\n  : :", "is not valid YAML (line 2")]
    [InlineData("just a string", "the document is not a mapping (line 1)")]
    [InlineData("", "empty")]
    [InlineData("apiVersion: v1\nkind: Pod\n", "kind is 'Pod'")]
    [InlineData("apiVersion: v1\nkind: Config\n", "no current-context")]
    [InlineData("kind: Config\ncurrent-context: gone\n", "names no context")]
    [InlineData("kind: Config\ncurrent-context: c\ncontexts:\n- name: c\n  context:\n    cluster: nope\n", "names no cluster")]
    [InlineData("kind: Config\ncurrent-context: c\ncontexts:\n- name: c\n  context:\n    cluster: c\nclusters:\n- name: c\n  cluster: {}\n", "has no server")]
    [InlineData("kind: Config\ncurrent-context: c\ncontexts:\n- name: c\n  context:\n    cluster: c\nclusters:\n- name: c\n  cluster:\n    server: https://a\n", "names no user")]
    public void Broken_kubeconfigs_are_problems_never_exceptions(string kubeConfig, string problem)
    {
        var entry = RemoteSecretParser.Parse(Secret("istio-remote-secret-x", new Dictionary<string, string> { ["x"] = kubeConfig }), "p", Now);
        Assert.Contains(entry.Info.Problems, p => p.Contains(problem, StringComparison.Ordinal));
        Assert.False(entry.HasUsableToken);
        Assert.NotEmpty(entry.Blocking);
    }

    [Fact]
    public void Bytes_that_are_no_UTF8_and_a_CA_that_is_no_base64_are_problems()
    {
        var secret = Secret("istio-remote-secret-x", new Dictionary<string, string>());
        secret.Data["x"] = new byte[] { 0xff, 0xfe, 0x00, 0x41 };
        Assert.Contains("not UTF-8", Assert.Single(RemoteSecretParser.Parse(secret, "p", Now).Info.Problems));

        var badCa = RemoteSecretParser.Parse(Secret("istio-remote-secret-y", new Dictionary<string, string>
        {
            ["y"] = Config("    token: abcdefghijkl\n", "    server: https://a\n    certificate-authority-data: '%%%'\n"),
        }), "p", Now);
        Assert.Contains("not base64", Assert.Single(badCa.Info.Problems));
    }

    [Fact]
    public void The_cluster_name_is_the_data_key_and_a_differing_annotation_is_shown()
    {
        var config = Config("    token: abcdefghijkl\n");
        Assert.Equal("a", RemoteSecretParser.Parse(Secret("istio-remote-secret-z", new Dictionary<string, string> { ["a"] = config }, "a"), "p", Now).Info.ClusterName);
        Assert.Equal("k", RemoteSecretParser.Parse(Secret("any-name", new Dictionary<string, string> { ["k"] = config }), "p", Now).Info.ClusterName);

        // istiod names the cluster after the key (secretcontroller.go addSecret); the annotation is only shown.
        var mismatch = RemoteSecretParser.Parse(Secret("istio-remote-secret-a", new Dictionary<string, string> { ["b"] = config }, "a"), "p", Now);
        Assert.Equal(("b", "a"), (mismatch.Info.ClusterName, mismatch.Info.AnnotatedClusterName));
        Assert.Empty(mismatch.Info.Problems);
        Assert.Contains("says 'a'; istiod goes by the data key and names this cluster 'b'", Assert.Single(mismatch.Info.Notes));
        Assert.True(mismatch.HasUsableToken);

        var empty = RemoteSecretParser.Parse(Secret("istio-remote-secret-e", new Dictionary<string, string>()), "p", Now);
        Assert.Equal(("e", "The Secret has no data: istiod reads no cluster from it."), (empty.Info.ClusterName, Assert.Single(empty.Info.Problems)));
        Assert.Null(empty.Info.AnnotatedClusterName);
    }

    [Fact]
    public void Every_data_key_is_a_cluster_of_its_own()
    {
        var config = Config("    token: abcdefghijkl\n");
        var entries = RemoteSecretParser.ParseAll(Secret("istio-remote-secret-k", new Dictionary<string, string> { ["l"] = config, ["k"] = config }, "k"), "p", Now);
        Assert.Equal(new[] { "k", "l" }, entries.Select(e => e.Info.ClusterName));
        Assert.All(entries, e => Assert.Equal("istio-remote-secret-k", e.Info.SecretName));
        Assert.All(entries, e => Assert.Empty(e.Info.Problems));
        Assert.All(entries, e => Assert.Equal(new[] { "k", "l" }, e.DataKeys));
        Assert.StartsWith("Several data keys (k, l): istiod reads each as a cluster of that name; this is 'k'.", entries[0].Info.Notes[0]);
        Assert.Null(entries[0].Info.AnnotatedClusterName);
        // The annotation names 'k': on the entry of 'l' it differs.
        Assert.Equal("k", entries[1].Info.AnnotatedClusterName);
        Assert.Single(RemoteSecretParser.ParseAll(Secret("istio-remote-secret-e", new Dictionary<string, string>()), "p", Now));
    }
}
