using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests.Hostile;

/// <summary>
/// Issue 20, point 4: an API answer is read up to what an answer can legitimately be (a list 128 MiB, one object 16 MiB), not buffered up to 2 GiB. A
/// loopback server that answers every request with a JSON body without end plays a planted server or a wrong URL.
/// </summary>
public sealed class BoundedReadTests(ClustersFixture fixture) : TempFolderTest("i20-bounded-")
{
    // Get-IstioRemoteSecret makes two reads at once (its Secrets, a list: 128 MiB, and istiod's cluster id); Get-IstioDiscoveryAddress
    // one Service (one object: 16 MiB), by the hot read path of issue 21 (KubeRead), which must keep the limits. A retry would make more.
    [Theory]
    [InlineData("Get-IstioRemoteSecret", 2, 128)]
    [InlineData("Get-IstioDiscoveryAddress", 1, 16)]
    public async Task An_answer_without_end_is_KubeApiResponseTooLarge(string command, int reads, int limitMiB)
    {
        using var server = PlainHttpServer.Endless();
        var kubeConfig = Path.Combine(TempDir, "endless.yaml");
        await File.WriteAllTextAsync(kubeConfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: endless
              cluster:
                server: {server.Server}
            users:
            - name: nobody
              user:
                username: nobody
                password: not-a-secret
            contexts:
            - name: endless
              context:
                cluster: endless
                user: nobody
            current-context: endless
            """, TestContext.Current.CancellationToken);
        using var session = fixture.NewSession();

        var result = session.Invoke(command + " -KubeConfig $args[0] -WarningAction SilentlyContinue", kubeConfig);

        var error = Assert.Single(result.Errors);
        Assert.True(error.FullyQualifiedErrorId.StartsWith("KubeApiResponseTooLarge,", StringComparison.Ordinal), error.FullyQualifiedErrorId + ": " + error);
        Assert.Equal(System.Management.Automation.ErrorCategory.LimitsExceeded, error.CategoryInfo.Category);
        Assert.Contains($"{limitMiB} MiB", error.ToString());
        // Not retried: an answer that large does not get smaller; each read is sent once.
        Assert.InRange(server.Requests, 1, reads);
        Assert.True(server.BytesSent >= limitMiB * 1024L * 1024, $"{server.BytesSent}");
    }
}
