using System.Diagnostics;
using System.Management.Automation;
using k8s.KubeConfigModels;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.KubeConfig;
using MeshCluster.Engine.Tests.TestSupport;

namespace MeshCluster.Engine.Tests.KubeConfig;

/// <summary>The exec credential plugin runner, with /bin/sh plugins (the test machines are Linux).</summary>
public sealed class ExecCredentialProviderTests() : TempFolderTest("exec-plugin-")
{
    private const string ApiVersion = "client.authentication.k8s.io/v1beta1";

    private static ExecCredentialProvider Plugin(string script, IList<string>? extraArgs = null, TimeSpan? timeout = null, string apiVersion = ApiVersion) =>
        new(new ExternalExecution
        {
            ApiVersion = apiVersion,
            Command = "/bin/sh",
            Arguments = new List<string> { "-c", script, "plugin" }.Concat(extraArgs ?? Array.Empty<string>()).ToList(),
            InstallHint = "Install the test plugin.",
        }, "ctx", runTimeout: timeout);

    private static string Credential(string tokenExpression, string extra = "") =>
        $$$"""printf '{"apiVersion":"{{{ApiVersion}}}","kind":"ExecCredential","status":{"token":"%s"{{{extra}}}}}\n' {{{tokenExpression}}}""";

    [Fact]
    public async Task Arguments_with_spaces_reach_the_plugin_whole()
    {
        var header = await Plugin(Credential("\"$1\""), new[] { "exec sleep 30 0123456789" }).GetAuthenticationHeaderAsync(Ct);
        Assert.Equal("exec sleep 30 0123456789", header.Parameter);
    }

    [Fact]
    public async Task The_token_is_kept_until_its_expiry()
    {
        var count = Path.Combine(TempDir, "count");
        // Expired a minute ago: every request runs the plugin again.
        var expired = Plugin($"echo x >> '{count}'; " + Credential("token-0123456789", ",\"expirationTimestamp\":\"2001-01-01T00:00:00Z\""));
        await expired.GetAuthenticationHeaderAsync(Ct);
        await expired.GetAuthenticationHeaderAsync(Ct);
        Assert.Equal(2, File.ReadAllLines(count).Length);

        File.Delete(count);
        var lasting = Plugin($"echo x >> '{count}'; " + Credential("token-0123456789", ",\"expirationTimestamp\":\"2999-01-01T00:00:00Z\""));
        await lasting.GetAuthenticationHeaderAsync(Ct);
        await lasting.GetAuthenticationHeaderAsync(Ct);
        Assert.Single(File.ReadAllLines(count));
    }

    [Fact]
    public async Task A_failing_plugin_says_what_it_wrote_on_stderr_without_a_stack_trace()
    {
        var ex = await Assert.ThrowsAsync<MeshClusterException>(() =>
            Plugin("echo 'token-printed-by-mistake-0123456789'; echo 'error: login required' >&2; exit 3").GetAuthenticationHeaderAsync(Ct));

        Assert.Equal(ErrorIds.KubeCredentialPluginFailed, ex.ErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, ex.Category);
        Assert.False(ex.Terminating); // one context's plugin: that input's error, the others go on
        Assert.Contains("exited with code 3: error: login required", ex.Message);
        Assert.Contains("Install the test plugin.", ex.Message);
        Assert.DoesNotContain("token-printed-by-mistake", ex.ToString());
        Assert.DoesNotContain("   at ", ex.Message);
    }

    [Theory]
    [InlineData("echo 'not json secret-0123456789'", "not an ExecCredential")]
    [InlineData("printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"status\":{\"token\":\"t-0123456789\"}}'", "apiVersion 'client.authentication.k8s.io/v1'")]
    [InlineData("printf '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"status\":{}}'", "no status.token")]
    public async Task Unusable_output_is_KubeCredentialPluginFailed_and_never_quoted(string script, string expected)
    {
        var ex = await Assert.ThrowsAsync<MeshClusterException>(() => Plugin(script).GetAuthenticationHeaderAsync(Ct));
        Assert.Equal(ErrorIds.KubeCredentialPluginFailed, ex.ErrorId);
        Assert.Contains(expected, ex.Message);
        Assert.DoesNotContain("0123456789", ex.Message);
    }

    [Fact]
    public async Task Cancelling_stops_a_hung_plugin_and_its_children_at_once()
    {
        var pid = Path.Combine(TempDir, "pid");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = Plugin($"sleep 25 & echo $! > '{pid}'; wait").GetAuthenticationHeaderAsync(cts.Token);
        while (!File.Exists(pid) || File.ReadAllText(pid).Trim().Length == 0) await Task.Delay(20, Ct);
        var watch = Stopwatch.StartNew();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        await ProcessProbe.AssertGoneAsync(int.Parse(File.ReadAllText(pid).Trim()), "the plugin's sleep survived");
    }

    [Fact]
    public async Task A_plugin_past_its_time_limit_is_stopped_with_its_children()
    {
        var pid = Path.Combine(TempDir, "pid");
        var ex = await Assert.ThrowsAsync<MeshClusterException>(() =>
            Plugin($"sleep 25 & echo $! > '{pid}'; wait", timeout: TimeSpan.FromMilliseconds(500)).GetAuthenticationHeaderAsync(Ct));
        Assert.Equal(ErrorIds.KubeCredentialPluginFailed, ex.ErrorId);
        Assert.Equal(ErrorCategory.OperationTimeout, ex.Category);
        Assert.Contains("did not answer within 0.5 s", ex.Message);
        await ProcessProbe.AssertGoneAsync(int.Parse(File.ReadAllText(pid).Trim()), "the plugin's sleep survived");
    }
}
