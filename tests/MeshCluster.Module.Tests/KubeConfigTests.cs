using System.Management.Automation;
using k8s;

namespace MeshCluster.Module.Tests;

/// <summary>
/// The shared -Context/-KubeConfig resolver as cmdlets use it, against the real API servers:
/// authentication kinds, TLS verification, merged files. Each test writes its own kubeconfig.
/// A namespace that does not exist gives IngressGatewayNotFound: proof that the request was
/// authenticated and authorized (401/403 and TLS failures give other ids).
/// </summary>
public sealed class KubeConfigTests : IDisposable
{
    private readonly ClustersFixture _fixture;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "meshcluster-kc-" + Guid.NewGuid().ToString("N"));
    private readonly string _adminToken;

    public KubeConfigTests(ClustersFixture fixture)
    {
        _fixture = fixture;
        Directory.CreateDirectory(_dir);
        var config = KubernetesClientConfiguration.LoadKubeConfig(fixture.KubeConfigPath);
        _adminToken = config.Users.Single(u => u.Name == config.Contexts.Single(c => c.Name == "cluster1").ContextDetails.User).UserCredentials.Token;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string user, string? cluster = null)
    {
        var c1 = _fixture.Clusters.Cluster1;
        cluster ??= $"server: {c1.Server}\n    certificate-authority: {c1.CaFile}";
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            current-context: {name}
            clusters:
            - name: {name}
              cluster:
                {cluster}
            users:
            - name: {name}
              user:
            {user}
            contexts:
            - name: {name}
              context: {"{"}cluster: {name}, user: {name}{"}"}
            """);
        return path;
    }

    private PowerShellResult Probe(string kubeConfig, string? context = null)
    {
        using var ps = PowerShellSession.Start();
        // $DebugPreference rather than -Debug: -Debug also turns warnings into prompts, and this host has no UI.
        return ps.Invoke("$DebugPreference = 'Continue'; Get-IstioDiscoveryAddress -KubeConfig $args[0] -Namespace no-such-namespace-x1 -Verbose", kubeConfig);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // the plugin is a /bin/sh script
    public void Exec_credential_plugin_authenticates_and_its_token_never_shows()
    {
        var plugin = Path.Combine(_dir, "get-token.sh");
        File.WriteAllText(plugin, "#!/bin/sh\nprintf '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%s\"}}\\n' \"$MC_TOKEN\"\n");
        File.SetUnixFileMode(plugin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = Write("exec", $"""
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  command: {plugin}
                  env: [{"{"}name: MC_TOKEN, value: {_adminToken}{"}"}]
            """);

        var result = Probe(path);

        Assert.StartsWith("IngressGatewayNotFound,", result.FirstError!.FullyQualifiedErrorId);
        Assert.DoesNotContain(_adminToken, result.EverythingAsText());
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // /bin/sh plugins
    public void Exec_plugin_arguments_with_spaces_reach_the_plugin_whole()
    {
        // sh -c '<script>' plugin '<token> with spaces': the token comes back only if "$1" arrived as one argument.
        var path = Write("execargs", $$$"""
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  command: /bin/sh
                  args: ["-c", "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"status\":{\"token\":\"%s\"}}' \"${1%% *}\"; [ \"$1\" = \"{{{_adminToken}}} with spaces\" ] || exit 9", "plugin", "{{{_adminToken}}} with spaces"]
            """);

        var result = Probe(path);

        Assert.StartsWith("IngressGatewayNotFound,", result.FirstError!.FullyQualifiedErrorId);
        Assert.DoesNotContain(_adminToken, result.EverythingAsText());
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // /bin/sh plugins
    public async Task Ctrl_C_while_a_credential_plugin_hangs_returns_at_once_and_stops_the_plugin()
    {
        var pid = Path.Combine(_dir, "plugin.pid");
        var path = Write("exechang", $$"""
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  command: /bin/sh
                  args: ["-c", "sleep 25 & echo $! > '{{pid}}'; wait"]
            """);
        using var ps = PowerShellSession.Start();

        var result = await ps.InvokeAsync("Get-IstioDiscoveryAddress -KubeConfig $args[0] -Namespace no-such-namespace-x1", TimeSpan.FromSeconds(2), path);

        Assert.NotNull(result.StopRequestedAt);
        Assert.NotNull(result.Stopped);
        Assert.InRange(DateTime.UtcNow - result.StopRequestedAt!.Value, TimeSpan.Zero, TimeSpan.FromSeconds(2));
        var sleeper = int.Parse(File.ReadAllText(pid).Trim());
        for (var i = 0; i < 100 && File.Exists($"/proc/{sleeper}/stat") && !File.ReadAllText($"/proc/{sleeper}/stat").Contains(") Z "); i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.False(File.Exists($"/proc/{sleeper}/stat") && !File.ReadAllText($"/proc/{sleeper}/stat").Contains(") Z "), "the plugin's sleep survived Ctrl+C");
    }

    [Fact]
    public void Token_auth_works_and_a_wrong_token_is_KubeApiUnauthorized()
    {
        Assert.StartsWith("IngressGatewayNotFound,", Probe(Write("tok", $"    token: {_adminToken}")).FirstError!.FullyQualifiedErrorId);

        var wrong = "not-the-token-" + Guid.NewGuid().ToString("N");
        var result = Probe(Write("badtok", $"    token: {wrong}"));
        var error = result.FirstError!;
        Assert.StartsWith("KubeApiUnauthorized,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Equal("badtok", error.TargetObject);
        Assert.DoesNotContain(wrong, result.EverythingAsText());
    }

    [Fact]
    public void Tls_is_verified_against_the_kubeconfig_CA()
    {
        // cluster2's CA did not sign cluster1's serving certificate.
        var c1 = _fixture.Clusters.Cluster1;
        var path = Write("wrongca", $"    token: {_adminToken}", $"server: {c1.Server}\n    certificate-authority: {_fixture.Clusters.Cluster2.CaFile}");

        var error = Probe(path).FirstError!;

        Assert.StartsWith("KubeApiUnreachable,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Contains("TLS", error.Exception.Message);
    }

    [Theory]
    [InlineData("nope.invalid")]
    [InlineData("wrong.example")]
    public void The_server_certificate_must_carry_the_tls_server_name(string name)
    {
        // The serving certificate chains to the kubeconfig's CA but is issued for 127.0.0.1, localhost and kubernetes[.default.svc].
        var c1 = _fixture.Clusters.Cluster1;
        var path = Write("wrongname", $"    token: {_adminToken}", $"server: {c1.Server}\n    certificate-authority: {c1.CaFile}\n    tls-server-name: {name}");

        var result = Probe(path);
        var error = result.FirstError!;

        Assert.StartsWith("KubeApiUnreachable,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Contains($"not {name}", error.Exception.Message);
        Assert.Contains("tls-server-name", error.Exception.Message);
        Assert.DoesNotContain(_adminToken, result.EverythingAsText());
    }

    [Theory]
    [InlineData("tls-server-name: kubernetes.default.svc", null)]
    [InlineData(null, "localhost")]
    public void A_name_the_certificate_carries_is_accepted(string? tlsServerName, string? host)
    {
        var c1 = _fixture.Clusters.Cluster1;
        var server = host is null ? c1.Server : c1.Server.Replace("127.0.0.1", host, StringComparison.Ordinal);
        var cluster = $"server: {server}\n    certificate-authority: {c1.CaFile}" + (tlsServerName is null ? string.Empty : $"\n    {tlsServerName}");

        Assert.StartsWith("IngressGatewayNotFound,", Probe(Write("rightname", $"    token: {_adminToken}", cluster)).FirstError!.FullyQualifiedErrorId);
    }

    [Fact]
    public void Insecure_skip_tls_verify_warns_and_works()
    {
        var c1 = _fixture.Clusters.Cluster1;
        var result = Probe(Write("insecure", $"    token: {_adminToken}", $"server: {c1.Server}\n    insecure-skip-tls-verify: true"));

        Assert.StartsWith("IngressGatewayNotFound,", result.FirstError!.FullyQualifiedErrorId);
        Assert.Contains(result.Warnings, w => w.Contains("insecure-skip-tls-verify") && w.Contains("insecure"));
    }

    [Fact]
    public void Several_files_merge_and_contexts_from_each_resolve()
    {
        var a = Write("first-file", $"    token: {_adminToken}");
        var b = Path.Combine(_dir, "second-file");
        File.Copy(_fixture.KubeConfigPath, b);
        using var ps = PowerShellSession.Start();

        var result = ps.Invoke("""
            $list = $args[0] + [IO.Path]::PathSeparator + $args[1]
            'first-file', 'cluster2' | ForEach-Object { [pscustomobject]@{ Context = $_ } } |
                Get-IstioDiscoveryAddress -KubeConfig $list -Namespace no-such-namespace-x2
            """, a, b);

        Assert.Equal(2, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.StartsWith("IngressGatewayNotFound,", e.FullyQualifiedErrorId));
        // Both at once: the errors come in completion order, each naming its context.
        Assert.Single(result.Errors, e => e.Exception.Message.Contains("'first-file'", StringComparison.Ordinal));
        Assert.Single(result.Errors, e => e.Exception.Message.Contains("'cluster2'", StringComparison.Ordinal));
    }

    [Fact]
    public void Kubeconfig_errors_are_terminating_with_stable_ids()
    {
        using var ps = PowerShellSession.Start();
        // try/catch catches a terminating error without -ErrorAction Stop; a non-terminating one would pass it by.
        const string Script = "$more = @{}; if ($args[1]) { $more.Context = $args[1] }; try { Get-IstioDiscoveryAddress -KubeConfig $args[0] @more } catch { $_ }";

        var missing = (ErrorRecord)Assert.Single(ps.Invoke(Script, Path.Combine(_dir, "absent"), null).Output).BaseObject;
        Assert.StartsWith("KubeConfigNotFound,MeshCluster.Commands.GetIstioDiscoveryAddressCommand", missing.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, missing.CategoryInfo.Category);

        var broken = Path.Combine(_dir, "broken");
        File.WriteAllText(broken, "apiVersion: v1\nkind: Config\nclusters:\n- name: a\n  cluster:\n    server: x\n   bad: indent\n");
        var invalid = (ErrorRecord)Assert.Single(ps.Invoke(Script, broken, null).Output).BaseObject;
        Assert.StartsWith("KubeConfigInvalid,", invalid.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, invalid.CategoryInfo.Category);
        Assert.Contains(broken, invalid.Exception.Message);
        Assert.Equal(broken, invalid.TargetObject);

        // An unknown context is one input's problem (issue 20): non-terminating, try/catch lets it pass; the file's are terminating.
        var passed = ps.Invoke(Script, _fixture.KubeConfigPath, "nope");
        Assert.Empty(passed.Output);
        var context = Assert.Single(passed.Errors);
        Assert.StartsWith("KubeContextNotFound,", context.FullyQualifiedErrorId);
        Assert.Equal("nope", context.TargetObject);
        Assert.Contains("cluster1, cluster2", context.Exception.Message);
    }

    [Fact]
    public void Relative_kubeconfig_path_resolves_against_the_PowerShell_location()
    {
        File.Copy(_fixture.KubeConfigPath, Path.Combine(_dir, "relative.yaml"));
        using var ps = PowerShellSession.Start();
        var result = ps.Invoke("$ExecutionContext.SessionState.Path.SetLocation($args[0]) | ForEach-Object { }; Get-IstioDiscoveryAddress -KubeConfig ./relative.yaml -Context cluster1 -Namespace no-such-namespace-x3", _dir);
        Assert.StartsWith("IngressGatewayNotFound,", result.FirstError!.FullyQualifiedErrorId);
    }

    [Fact]
    public void Kubeconfig_on_a_PowerShell_drive_resolves_although_colon_separates_files_on_Unix()
    {
        var name = $"meshcluster-drive-{Guid.NewGuid():N}.yaml";
        File.Copy(_fixture.KubeConfigPath, Path.Combine(Path.GetTempPath(), name));
        try
        {
            using var ps = PowerShellSession.Start();
            var result = ps.Invoke("Get-IstioDiscoveryAddress -KubeConfig ('Temp:/' + $args[0]) -Context cluster1 -Namespace no-such-namespace-x4", name);
            Assert.StartsWith("IngressGatewayNotFound,", result.FirstError!.FullyQualifiedErrorId);
        }
        finally
        {
            File.Delete(Path.Combine(Path.GetTempPath(), name));
        }
    }

    [Fact]
    public void Context_completion_uses_the_kubeconfig_PSDefaultParameterValues_gives()
    {
        // ($env:KUBECONFIG is the test process's: left alone, so parallel tests are not disturbed.)
        using var ps = PowerShellSession.Start();
        var result = ps.Invoke("""
            $global:PSDefaultParameterValues = @{ '*-Istio*:KubeConfig' = $args[0] }
            $line = "Wait-IstioControlPlane -Context clu"
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object CompletionText
            """, _fixture.KubeConfigPath);
        Assert.Equal(new[] { "cluster1", "cluster2" }, result.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void Context_completion_lists_the_kubeconfig_contexts()
    {
        using var ps = PowerShellSession.Start();
        var result = ps.Invoke("""
            $line = "Get-IstioDiscoveryAddress -KubeConfig '$($args[0])' -Context clu"
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object CompletionText
            """, _fixture.KubeConfigPath);
        Assert.Equal(new[] { "cluster1", "cluster2" }, result.Output.Select(o => o.ToString()));
    }
}
