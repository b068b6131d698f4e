using MeshCluster.Module.Tests.RemoteSecret;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests.Hostile;

/// <summary>
/// Issue 20, point 6: a 200 with a JSON object of another shape, for every path (the fault proxy's JsonBody: a proxy or a wrong
/// URL answering in the API server's place). Every cmdlet ends with KubeApiInvalidResponse, never UnexpectedError or a CLR
/// exception, and changes nothing.
/// </summary>
public sealed class ReplyShapeTests(ClustersFixture fixture)
{
    private const string Foreign = """{"status":"ok","data":{"items":"not a list"},"metadata":"not an object either"}""";
    private const string Empty = """{"hello":"world"}""";
    // A list whose item has no metadata: the lean reads (KubeRead.ListAsync: istiod's Deployments and pods) check each item.
    private const string ItemWithoutMetadata = """{"kind":"List","metadata":{},"items":[{"spec":{"replicas":1}}]}""";
    private readonly RemoteSecretGround _ground = new(fixture);

    [Theory]
    [InlineData("Get-IstioRemoteSecret", Empty)]
    [InlineData("Test-IstioRemoteCluster -Timeout 00:00:05", Empty)]
    [InlineData("Remove-IstioRemoteSecret -ClusterName x", Empty)]
    [InlineData("Get-IstioDiscoveryAddress", Empty)]
    [InlineData("Wait-IstioControlPlane -Timeout 00:00:03", Empty)]
    [InlineData("Test-IstioMeshTrust", Empty)]
    [InlineData("Get-IstioRemoteSecret", Foreign)]
    [InlineData("Get-IstioRemoteSecret", ItemWithoutMetadata)]
    [InlineData("Test-IstioMeshTrust", ItemWithoutMetadata)]
    public async Task A_reply_of_another_shape_is_KubeApiInvalidResponse(string command, string json)
    {
        await using var proxy = FaultProxy.Start(_ground.Remote);
        proxy.Inject(Fault.JsonBody(json), times: int.MaxValue);
        using var session = fixture.NewSession();

        var result = session.Invoke($"{command} -KubeConfig $args[0] -Context $args[1] -WarningAction SilentlyContinue", proxy.KubeConfigPath, proxy.ContextName);

        var error = result.FirstError;
        Assert.NotNull(error);
        Assert.DoesNotContain("UnexpectedError", error.FullyQualifiedErrorId);
        Assert.DoesNotContain("Exception", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.True(error.FullyQualifiedErrorId.StartsWith("KubeApiInvalidResponse,", StringComparison.Ordinal) ||
                    error.FullyQualifiedErrorId.StartsWith("KubeApiUnreachable,", StringComparison.Ordinal) ||
                    error.FullyQualifiedErrorId.StartsWith("ControlPlaneNotReady,", StringComparison.Ordinal), error.FullyQualifiedErrorId + ": " + error);
        Assert.DoesNotContain(result.Output, o => o.BaseObject is not bool);
        Assert.All(proxy.Requests, r => Assert.Equal("GET", r.Method));
    }

    [Fact]
    public async Task Remove_with_a_remote_that_answers_another_shape_deletes_nothing()
    {
        var ns = await _ground.NamespaceAsync("shape-remove");
        using var session = fixture.NewSession();
        await _ground.PublishAsync(session, ns, "kept", "-ForceTokenSecret");
        await using var proxy = FaultProxy.Start(_ground.Remote);
        proxy.Inject(Fault.JsonBody(Empty), times: int.MaxValue);

        var result = session.Invoke("Remove-IstioRemoteSecret -KubeConfig $args[1] -Context $C1 -Namespace $args[0] -ClusterName kept -RemoteContext $args[2] -RevokeToken",
            ns, proxy.KubeConfigPath, proxy.ContextName);

        Assert.StartsWith("KubeApiInvalidResponse,", result.FirstError!.FullyQualifiedErrorId);
        Assert.NotNull(await _ground.ReadAsync(ns, "kept"));
    }
}
