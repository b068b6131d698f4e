using System.Net;
using System.Net.Sockets;
using k8s;
using k8s.Models;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;

namespace MeshCluster.Engine.Tests.Http;

/// <summary>
/// Issue 20, points 4 and 10 in the HTTP layer: what a body may be (a list, one object, one watch line), and a Secret over
/// Kubernetes' 1 MiB stopped before it is sent, whichever engine folder writes it (remote secrets, token secrets, cacerts).
/// The API server's own limit is checked against a real one in the module tests (Hostile/SecretSizeTests).
/// </summary>
public sealed class RequestLimitTests
{
    [Theory]
    [InlineData("/api/v1/namespaces/ns/secrets", TransientRetryHandler.MaxBodyBytes)]
    [InlineData("/api/v1/namespaces", TransientRetryHandler.MaxBodyBytes)]
    [InlineData("/apis/apps/v1/namespaces/ns/deployments", TransientRetryHandler.MaxBodyBytes)]
    [InlineData("/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", TransientRetryHandler.MaxBodyBytes)]
    [InlineData("/api/v1/namespaces/ns/secrets/name", TransientRetryHandler.MaxObjectBytes)]
    [InlineData("/api/v1/namespaces/ns", TransientRetryHandler.MaxObjectBytes)]
    [InlineData("/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-sidecar-injector", TransientRetryHandler.MaxObjectBytes)]
    [InlineData("/api/v1/namespaces/ns/serviceaccounts/reader/token", TransientRetryHandler.MaxObjectBytes)]
    [InlineData("/version", TransientRetryHandler.MaxObjectBytes)]
    [InlineData("/api/v1", TransientRetryHandler.MaxObjectBytes)]
    public void A_list_may_be_128_MiB_and_anything_else_16_MiB(string path, long limit) =>
        Assert.Equal(limit, TransientRetryHandler.BodyLimit(new Uri("https://127.0.0.1:6443" + path + "?limit=500")));

    [Fact]
    public void Secret_data_is_measured_as_the_API_server_measures_it()
    {
        var secret = new V1Secret
        {
            Data = new Dictionary<string, byte[]> { ["a"] = new byte[10], ["b"] = new byte[7] },
            StringData = new Dictionary<string, string> { ["b"] = "ü", ["c"] = "abc" }, // stringData's "b" (2 bytes in UTF-8) replaces data's
        };
        Assert.Equal(10 + 2 + 3, SecretSize.Measure(secret));
    }

    [Theory]
    [InlineData(SecretSize.MaxDataBytes, false)]
    [InlineData(SecretSize.MaxDataBytes + 1, true)]
    public async Task A_Secret_over_1_MiB_is_SecretTooLarge_and_never_sent(int bytes, bool refused)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = 0;
        _ = Task.Run(async () =>
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync(TestContext.Current.CancellationToken);
                Interlocked.Increment(ref accepted);
            }
        }, TestContext.Current.CancellationToken);
        var kubeConfig = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster:
                server: http://127.0.0.1:{port}
            users:
            - name: u
              user:
                token: a-token-for-the-test
            contexts:
            - name: c
              context:
                cluster: c
                user: u
            current-context: c
            """;
        using var connection = KubeClientFactory.FromKubeConfigText(kubeConfig, "c", out var reason);
        Assert.True(connection is not null, reason);
        var secret = new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "cacerts", NamespaceProperty = "istio-system" },
            Data = new Dictionary<string, byte[]> { ["ca-cert.pem"] = new byte[bytes / 2], ["root-cert.pem"] = new byte[bytes - bytes / 2] },
        };

        var failure = await Assert.ThrowsAsync<MeshClusterException>(() => KubeApi.CallAsync(connection, "creating Secret istio-system/cacerts",
            c => c.Client.CoreV1.CreateNamespacedSecretAsync(secret, "istio-system", cancellationToken: c.Token), TestContext.Current.CancellationToken));

        if (refused)
        {
            Assert.Equal(ErrorIds.SecretTooLarge, failure.ErrorId);
            Assert.Equal(System.Management.Automation.ErrorCategory.LimitsExceeded, failure.Category);
            Assert.Contains($"Secret istio-system/cacerts in context 'c' would hold {bytes} bytes of data", failure.Message);
            Assert.Equal(0, Volatile.Read(ref accepted));
        }
        else
        {
            // Within the limit it goes out (the listener hangs up on it): no SecretTooLarge.
            Assert.NotEqual(ErrorIds.SecretTooLarge, failure.ErrorId);
            Assert.True(Volatile.Read(ref accepted) > 0);
        }
    }
}
