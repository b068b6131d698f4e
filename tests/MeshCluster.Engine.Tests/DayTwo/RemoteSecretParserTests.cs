using System.Text;
using k8s.Models;
using MeshCluster.Engine.DayTwo;

namespace MeshCluster.Engine.Tests.DayTwo;

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
    [InlineData("    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n", RemoteAuthType.Exec)]
    [InlineData("    auth-provider:\n      name: gcp\n", RemoteAuthType.AuthProvider)]
    [InlineData("    client-certificate-data: Y2VydA==\n    client-key-data: a2V5\n", RemoteAuthType.ClientCertificate)]
    [InlineData("    username: admin\n    password: hunter2hunter2\n", RemoteAuthType.Other)]
    public void Other_credentials_are_named_and_listed_as_a_problem(string user, RemoteAuthType type)
    {
        var entry = RemoteSecretParser.Parse(Secret("istio-remote-secret-x", new Dictionary<string, string> { ["x"] = Config(user) }), "p", Now);
        Assert.Equal(type, entry.Info.AuthType);
        Assert.Contains("PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS", Assert.Single(entry.Info.Problems));
        Assert.False(entry.HasUsableToken);
        Assert.Equal("https://10.0.0.1:6443", entry.Info.Server); // server and TLS can still be checked
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
    public void The_cluster_name_is_the_annotation_else_the_only_key_else_the_name_after_the_prefix()
    {
        var config = Config("    token: abcdefghijkl\n");
        Assert.Equal("a", RemoteSecretParser.Parse(Secret("istio-remote-secret-z", new Dictionary<string, string> { ["a"] = config }, "a"), "p", Now).Info.ClusterName);
        Assert.Equal("k", RemoteSecretParser.Parse(Secret("any-name", new Dictionary<string, string> { ["k"] = config }), "p", Now).Info.ClusterName);
        var two = RemoteSecretParser.Parse(Secret("istio-remote-secret-k", new Dictionary<string, string> { ["k"] = config, ["l"] = config }), "p", Now);
        Assert.Equal("k", two.Info.ClusterName);
        Assert.Contains("Several data keys (k, l)", Assert.Single(two.Info.Problems));
        Assert.Empty(two.Blocking);

        var mismatch = RemoteSecretParser.Parse(Secret("istio-remote-secret-a", new Dictionary<string, string> { ["b"] = config }, "a"), "p", Now);
        Assert.Contains("No data key 'a'", Assert.Single(mismatch.Info.Problems));
        var empty = RemoteSecretParser.Parse(Secret("istio-remote-secret-e", new Dictionary<string, string>()), "p", Now);
        Assert.Equal(("e", "The Secret has no data."), (empty.Info.ClusterName, Assert.Single(empty.Info.Problems)));
    }
}
