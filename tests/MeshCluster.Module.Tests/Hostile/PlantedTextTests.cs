using k8s;
using k8s.Models;
using MeshCluster.Module.Tests.RemoteSecret;
using static MeshCluster.Module.Tests.RemoteSecret.RemoteSecretGround;

namespace MeshCluster.Module.Tests.Hostile;

/// <summary>
/// Issue 20, point 5: a remote secret planted on the primary with a password in its server URL, terminal escapes and a newline in
/// its annotation, and a "token" that is an ordinary word. No password and no control character reaches any stream, object or
/// view; the ordinary word does not garble later messages.
/// </summary>
public sealed class PlantedTextTests(ClustersFixture fixture)
{
    private const string Password = "hunter2-planted-password";
    private const string Forged = "evil\u001b[31m\nVERBOSE: forged line\u202e";
    private readonly RemoteSecretGround _ground = new(fixture);

    private async Task<string> PlantAsync(string token)
    {
        var ns = await _ground.NamespaceAsync("planted-text");
        var server = _ground.Remote.Server.Replace("https://", $"https://admin:{Password}@", StringComparison.Ordinal);
        await _ground.Primary.Admin.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta
            {
                Name = "istio-remote-secret-planted",
                Labels = new Dictionary<string, string> { ["istio/multiCluster"] = "true" },
                Annotations = new Dictionary<string, string> { ["networking.istio.io/cluster"] = Forged },
            },
            StringData = new Dictionary<string, string> { ["planted"] = KubeConfig("planted", server, null, token) },
        }, ns, cancellationToken: Ct);
        return ns;
    }

    private static void AssertClean(PowerShellResult result, string text)
    {
        result.AssertNoSecret(new[] { Password });
        Assert.DoesNotContain(Password, text, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', text);
        Assert.DoesNotContain('\u202e', text);
        Assert.DoesNotContain("\nVERBOSE: forged", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_and_Test_show_no_password_and_no_control_character_of_a_planted_secret()
    {
        var ns = await PlantAsync("planted-token-0123456789");
        using var session = fixture.NewSession();
        var get = session.Invoke("$DebugPreference = 'Continue'; Get-IstioRemoteSecret -Context $C1 -Namespace $args[0] -Verbose", ns);
        var shown = session.Invoke("Get-IstioRemoteSecret -Context $C1 -Namespace $args[0] | Format-List * | Out-String -Width 200; " +
                                   "Get-IstioRemoteSecret -Context $C1 -Namespace $args[0] | Out-String -Width 200", ns);
        var test = session.Invoke("$DebugPreference = 'Continue'; Test-IstioRemoteCluster -Context $C1 -Namespace $args[0] -Timeout 00:00:05 -Verbose -WarningAction Continue", ns);
        var testShown = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0] -Timeout 00:00:05 -WarningAction SilentlyContinue | Format-List * | Out-String -Width 200", ns);

        get.AssertSucceeded();
        var info = Assert.Single(get.Output);
        Assert.Contains("***@", (string)info.Prop("Server")!);
        Assert.Contains("\\e[31m\\nVERBOSE: forged", (string)info.Prop("AnnotatedClusterName")!);
        AssertClean(get, get.EverythingAsText());
        AssertClean(shown, string.Concat(shown.Output.Select(o => o.ToString())));
        AssertClean(test, test.EverythingAsText());
        AssertClean(testShown, string.Concat(testShown.Output.Select(o => o.ToString())));
    }

    [Fact]
    public async Task A_planted_token_that_is_an_ordinary_word_does_not_garble_later_messages()
    {
        var ns = await PlantAsync("multiCluster");
        using var session = fixture.NewSession();
        session.Invoke("Get-IstioRemoteSecret -Context $C1 -Namespace $args[0]", ns);
        var later = session.Invoke("Get-IstioRemoteSecret -Context $C1 -Namespace $args[0] -Verbose", ns);

        Assert.Contains(later.Verbose, v => v.Contains("istio/multiCluster=true", StringComparison.Ordinal));
        Assert.DoesNotContain(later.Verbose, v => v.Contains("<redacted>", StringComparison.Ordinal));
    }
}
