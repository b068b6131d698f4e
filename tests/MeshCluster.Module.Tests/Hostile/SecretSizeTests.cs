using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MeshCluster.Module.Tests.RemoteSecret;

namespace MeshCluster.Module.Tests.Hostile;

/// <summary>
/// Issue 20, point 10: a Secret larger than the API server takes was KubeApiUnreachable (a stream reset) or a bare KubeApiError
/// after the module had started writing; it is SecretTooLarge now, before anything is sent.
/// </summary>
public sealed class SecretSizeTests(ClustersFixture fixture)
{
    private readonly RemoteSecretGround _ground = new(fixture);

    [Fact]
    public async Task The_API_servers_limit_is_the_one_the_module_holds_1_MiB_of_data()
    {
        var ns = await _ground.NamespaceAsync("i20-size");
        V1Secret Of(int bytes, string name) => new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            Data = new Dictionary<string, byte[]> { ["a"] = new byte[bytes / 2], ["b"] = new byte[bytes - bytes / 2] },
        };

        await _ground.Primary.Admin.CoreV1.CreateNamespacedSecretAsync(Of(1024 * 1024, "at-the-limit"), ns, cancellationToken: Ct);
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() =>
            _ground.Primary.Admin.CoreV1.CreateNamespacedSecretAsync(Of(1024 * 1024 + 1, "past-the-limit"), ns, cancellationToken: Ct));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Response.StatusCode);
        Assert.Contains("must have at most 1048576 bytes", refused.Response.Content);
    }

    [Fact]
    public async Task A_remote_secret_too_large_for_the_API_server_is_SecretTooLarge_and_the_primary_keeps_its_Secret()
    {
        var ns = await _ground.NamespaceAsync("i20-bigca");
        using var session = fixture.NewSession();
        var before = await _ground.PublishAsync(session, ns, "big");
        // A CA bundle of 900 KB (the ConfigMap itself is within Kubernetes' 1 MiB): base64 in the kubeconfig makes it 1.2 MB.
        var pem = await File.ReadAllTextAsync(_ground.Remote.CaFile, Ct);
        var bundle = string.Concat(Enumerable.Repeat(pem.Trim() + "\n", 900_000 / pem.Length));
        await _ground.Remote.Admin.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "kube-root-ca.crt" },
            Data = new Dictionary<string, string> { ["ca.crt"] = bundle },
        }, ns, cancellationToken: Ct);

        var result = session.Invoke(
            "Publish-IstioRemoteSecret -Context $C2 -Name big -PrimaryContext $C1 -Namespace $args[0] -TokenLifetime 01:00:00 -SkipVerify -WarningAction SilentlyContinue", ns);

        var error = Assert.Single(result.Errors);
        Assert.True(error.FullyQualifiedErrorId.StartsWith("SecretTooLarge,", StringComparison.Ordinal), error.FullyQualifiedErrorId + ": " + error);
        Assert.Equal(System.Management.Automation.ErrorCategory.LimitsExceeded, error.CategoryInfo.Category);
        Assert.Equal($"{ns}/istio-remote-secret-big", error.TargetObject);
        Assert.Contains("Kubernetes takes at most 1048576 bytes (1 MiB) per Secret. Nothing was sent.", error.ToString());
        Assert.Empty(result.Output);
        var after = await _ground.ReadAsync(ns, "big");
        Assert.Equal(before.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
        Assert.Equal(Encoding.UTF8.GetString(before.Data["big"]), Encoding.UTF8.GetString(after.Data["big"]));
    }
}
