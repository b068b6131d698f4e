using System.Management.Automation;
using System.Text;
using MeshCluster.TestGround;
using MeshCluster.Module.Tests.RemoteSecret;
using static MeshCluster.Module.Tests.RemoteSecret.RemoteSecretGround;

namespace MeshCluster.Module.Tests.Hostile;

/// <summary>
/// Issue 20, point 1: a name that goes into a request path is a valid Kubernetes name for its kind or nothing is sent
/// (ResourceNameInvalid); a planted token's unverified claims never steer a request. The fault proxy in front of the
/// remote records every path the module asks for.
/// </summary>
public sealed class NamesInUrlsTests(ClustersFixture fixture)
{
    private readonly RemoteSecretGround _ground = new(fixture);

    /// <summary>A JWT with the given claims and a signature nobody checks: what someone who can write Secrets on the primary can plant.</summary>
    internal static string ForgedToken(string subject, string secretName)
    {
        static string B64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var payload = $$"""{"iss":"kubernetes/serviceaccount","sub":{{System.Text.Json.JsonSerializer.Serialize(subject)}},"kubernetes.io/serviceaccount/secret.name":{{System.Text.Json.JsonSerializer.Serialize(secretName)}}}""";
        return B64("""{"alg":"RS256","kid":"planted"}""") + "." + B64(payload) + ".c2lnbmF0dXJlLW5vYm9keS1jaGVja3M";
    }

    public static TheoryData<string, string> Claims => new()
    {
        // Out of the path segment: the API server's service-proxy route, and a cluster-wide list of every secret.
        { "system:serviceaccount:..:x", "../services/https:kubernetes:443/proxy/healthz" },
        { "system:serviceaccount:default:x", "../../../api/v1/namespaces/default/services/kubernetes/proxy" },
        // Valid names, but another namespace: a claim never takes the operator's credential elsewhere.
        { "system:serviceaccount:kube-system:x", "some-token" },
        { "system:serviceaccount:..:..", ".." },
    };

    [Theory]
    [MemberData(nameof(Claims))]
    public async Task A_planted_tokens_claims_reach_only_the_operators_namespace(string subject, string secretName)
    {
        var ns = await _ground.NamespaceAsync("hostile-claims");
        await using var proxy = FaultProxy.Start(_ground.Remote);
        var token = ForgedToken(subject, secretName);
        await _ground.WriteRemoteSecretAsync(ns, "planted", KubeConfig("planted", _ground.Remote.Server, null, token));
        using var session = fixture.NewSession();

        var result = session.Invoke(
            "Remove-IstioRemoteSecret -KubeConfig $args[1] -Context $C1 -Namespace $args[0] -ClusterName planted -RemoteContext $args[2] -RevokeToken -PassThru",
            ns, proxy.KubeConfigPath, proxy.ContextName);

        result.AssertSucceeded();
        var removal = Assert.Single(result.Output);
        Assert.False((bool)removal.Prop("TokenRevoked")!);
        Assert.NotEmpty(proxy.Requests);
        Assert.All(proxy.Requests, r => Assert.True(
            r.Path == $"/api/v1/namespaces/{ns}/secrets" || r.Path.StartsWith($"/api/v1/namespaces/{ns}/secrets/", StringComparison.Ordinal),
            $"{r.Method} {r.Target}"));
        Assert.All(proxy.Requests, r => Assert.Equal("GET", r.Method));
    }

    public static TheoryData<string, string, string> BadParameters => new()
    {
        { "Get-IstioDiscoveryAddress", "-ServiceName", "../../secrets/x" },
        { "Get-IstioDiscoveryAddress", "-ServiceName", "kubernetes/proxy" },
        { "Get-IstioDiscoveryAddress", "-Namespace", ".." },
        { "Get-IstioDiscoveryAddress", "-Namespace", "istio-system\n" },
        { "Get-IstioRemoteSecret", "-Namespace", "kube-system/secrets" },
        { "Get-IstioRemoteSecret", "-Namespace", "istio-system\n" },
        { "Test-IstioRemoteCluster", "-Namespace", "." },
        { "Test-IstioRemoteCluster", "-SecretName", "a/b" },
        { "Remove-IstioRemoteSecret -ClusterName x", "-Namespace", "../default" },
        { "Wait-IstioControlPlane -Timeout 00:00:05", "-Namespace", "a%2Fb" },
        { "Test-IstioMeshTrust", "-Namespace", "istio-system/../kube-system" },
    };

    [Theory]
    [MemberData(nameof(BadParameters))]
    public async Task A_name_parameter_that_is_no_Kubernetes_name_is_ResourceNameInvalid_and_nothing_is_sent(string command, string parameter, string value)
    {
        await using var proxy = FaultProxy.Start(_ground.Remote);
        using var session = fixture.NewSession();
        var result = session.Invoke($"{command} -KubeConfig $args[1] -Context $args[2] {parameter} $args[0]", value, proxy.KubeConfigPath, proxy.ContextName);

        var error = Assert.Single(result.Errors.Concat(result.Terminating is null ? [] : [result.Terminating.ErrorRecord]));
        Assert.StartsWith("ResourceNameInvalid,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(value, error.TargetObject);
        Assert.DoesNotContain('\n', error.Exception.Message);
        Assert.Empty(result.Output);
        Assert.Empty(proxy.Requests);
    }
}
