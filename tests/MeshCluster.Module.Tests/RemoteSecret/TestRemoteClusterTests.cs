using System.Diagnostics;
using System.Management.Automation;
using System.Net;
using System.Net.Sockets;
using k8s;
using static MeshCluster.Module.Tests.RemoteSecret.RemoteSecretGround;

namespace MeshCluster.Module.Tests.RemoteSecret;

/// <summary>Test-IstioRemoteCluster on remotes that are healthy and broken in each of the ways istiod would notice.</summary>
public sealed class TestRemoteClusterTests(ClustersFixture fixture)
{
    private readonly RemoteSecretGround _ground = new(fixture);

    [Fact]
    public async Task A_healthy_remote_passes_every_check_and_Quiet_says_true()
    {
        var ns = await _ground.NamespaceAsync("d2-ok");
        using var session = fixture.NewSession();
        var secret = await _ground.PublishAsync(session, ns, "good");

        var result = session.Invoke("$DebugPreference = 'Continue'; Test-IstioRemoteCluster -Context $C1 -Namespace $args[0] -Verbose", ns);
        result.AssertSucceeded();
        var health = Assert.Single(result.Output);
        Assert.Equal("MeshCluster.IstioRemoteClusterHealth", health.TypeNames[0]);
        Assert.Equal(("good", true, _ground.Remote.Server), (health.Prop("ClusterName"), health.Prop("Healthy"), health.Prop("Server")));
        var checks = Checks(health);
        Assert.Equal("Passed", checks["Format"].Status);
        Assert.Equal("Warning", checks["Server"].Status); // a loopback address: istiod in the primary could not reach it
        Assert.Equal("Passed", checks["Tls"].Status);
        Assert.Equal("Passed", checks["Authentication"].Status);
        Assert.Contains($"ServiceAccount {ns}/{Reader}", checks["Authentication"].Detail);
        Assert.Equal("Passed", checks["Authorization"].Status);
        Assert.Contains("All 21 rights", checks["Authorization"].Detail);
        Assert.Equal("Passed", checks["TokenExpiry"].Status);
        Assert.Contains("never expires", checks["TokenExpiry"].Detail);
        Assert.True(((TimeSpan)health.Prop("Elapsed")!) > TimeSpan.Zero);
        Assert.NotEmpty(result.Progress);
        result.AssertNoSecret(new[] { TokenOf(secret, "good") });

        var quiet = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0] -Quiet", ns);
        quiet.AssertSucceeded();
        Assert.True((bool)Assert.Single(quiet.Output).BaseObject);

        // From Publish-IstioRemoteSecret (PrimaryContext binds to -Context) and from Get-IstioRemoteSecret, through the pipeline.
        var published = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name good -PrimaryContext $C1 -Namespace $args[0] -WarningAction SilentlyContinue | Test-IstioRemoteCluster", ns);
        published.AssertSucceeded();
        Assert.Equal(("good", true), ((string)Assert.Single(published.Output).Prop("ClusterName")!, (bool)published.Output[0].Prop("Healthy")!));

        var piped = session.Invoke("Get-IstioRemoteSecret -Context $C1 -Namespace $args[0] | Test-IstioRemoteCluster", ns);
        piped.AssertSucceeded();
        Assert.True((bool)Assert.Single(piped.Output).Prop("Healthy")!);
    }

    [Fact]
    public async Task A_revoked_token_fails_authentication_and_Quiet_says_false()
    {
        var ns = await _ground.NamespaceAsync("d2-revoked");
        using var session = fixture.NewSession();
        var secret = await _ground.PublishAsync(session, ns, "revoked");
        var holder = await _ground.HolderAsync(ns, TokenOf(secret, "revoked"));
        await _ground.Remote.Admin.CoreV1.DeleteNamespacedSecretAsync(holder!.Metadata.Name, ns, cancellationToken: Ct);
        Assert.True(await TokenRejectedSoonAsync(secret, "revoked")); // past the API server's token cache

        var result = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0] -ClusterName revoked", ns);
        result.AssertSucceeded(); // unhealthy is a result, not an error
        var health = Assert.Single(result.Output);
        Assert.False((bool)health.Prop("Healthy")!);
        var checks = Checks(health);
        Assert.Equal(("Passed", "Passed"), (checks["Format"].Status, checks["Tls"].Status));
        Assert.Equal("Failed", checks["Authentication"].Status);
        Assert.Contains("401", checks["Authentication"].Detail);
        Assert.Equal("Skipped", checks["Authorization"].Status);
        Assert.StartsWith("Authentication failed", (string)health.Prop("Summary")!);

        var quiet = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0] -Quiet", ns);
        Assert.False((bool)Assert.Single(quiet.Output).BaseObject);
    }

    [Fact]
    public async Task A_reader_without_its_ClusterRoleBinding_fails_authorization_naming_each_missing_right()
    {
        var ns = await _ground.NamespaceAsync("d2-norbac");
        using var session = fixture.NewSession();
        await _ground.PublishAsync(session, ns, "unbound");
        await _ground.Remote.Admin.RbacAuthorizationV1.DeleteClusterRoleBindingAsync($"istio-reader-clusterrole-{ns}", cancellationToken: Ct);

        var result = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0]", ns);
        result.AssertSucceeded();
        var checks = Checks(Assert.Single(result.Output));
        Assert.Equal("Passed", checks["Authentication"].Status);
        var (status, detail) = checks["Authorization"];
        Assert.Equal("Failed", status);
        Assert.Contains("Missing 21 of 21 rights", detail);
        foreach (var resource in new[] { "pods", "services", "endpoints", "endpointslices.discovery.k8s.io", "nodes", "namespaces", "secrets" })
        {
            Assert.Contains(resource, detail);
        }

        Assert.Contains("get, list, watch", detail);
    }

    [Fact]
    public async Task A_server_on_a_closed_loopback_port_fails_the_server_check_within_the_timeout()
    {
        var ns = await _ground.NamespaceAsync("d2-closed");
        using var session = fixture.NewSession();
        var server = $"https://127.0.0.1:{ClosedPort()}";
        await _ground.PublishAsync(session, ns, "closed", $"-Server {server} -SkipVerify");

        var watch = Stopwatch.StartNew();
        var result = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0] -Timeout 00:00:05", ns);
        watch.Stop();
        Out($"closed port: {watch.ElapsedMilliseconds} ms");
        result.AssertSucceeded();
        var health = Assert.Single(result.Output);
        var checks = Checks(health);
        Assert.Equal("Failed", checks["Server"].Status);
        Assert.Contains(server, checks["Server"].Detail);
        Assert.All(CheckOrder.Skip(2), name => Assert.Equal("Skipped", checks[name].Status));
        // Bounded by -Timeout (5 s) for the one request, not by HttpClient's 100 s; generous slack for a busy machine.
        Assert.True(((TimeSpan)health.Prop("Elapsed")!) < TimeSpan.FromSeconds(5) + TimeSpan.FromSeconds(5), $"{health.Prop("Elapsed")}");
    }

    [Fact]
    public async Task A_server_that_accepts_but_never_answers_is_cut_off_at_the_timeout()
    {
        var ns = await _ground.NamespaceAsync("d2-silent");
        using var session = fixture.NewSession();
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(); // accepts connections (the backlog does), never speaks TLS
        var server = $"https://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
        await _ground.PublishAsync(session, ns, "silent", $"-Server {server} -SkipVerify");

        var result = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0] -Timeout 00:00:02", ns);
        result.AssertSucceeded();
        var health = Assert.Single(result.Output);
        var checks = Checks(health);
        Assert.Equal("Failed", checks["Server"].Status);
        Assert.Contains("No answer", checks["Server"].Detail);
        Assert.Contains("within 2 s", checks["Server"].Detail);
        Assert.True(((TimeSpan)health.Prop("Elapsed")!) < TimeSpan.FromSeconds(2) + TimeSpan.FromSeconds(8), $"{health.Prop("Elapsed")}");
    }

    [Fact]
    public async Task A_CA_that_does_not_match_the_server_fails_TLS()
    {
        var ns = await _ground.NamespaceAsync("d2-wrongca");
        using var session = fixture.NewSession();
        var good = await _ground.PublishAsync(session, ns, "good");
        // cluster1's CA for cluster2's server: the chain does not verify.
        var wrongCa = await File.ReadAllBytesAsync(_ground.Primary.CaFile, Ct);
        await _ground.WriteRemoteSecretAsync(ns, "wrongca", KubeConfig("wrongca", _ground.Remote.Server, wrongCa, TokenOf(good, "good")));

        var result = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0] -ClusterName wrongca", ns);
        result.AssertSucceeded();
        var checks = Checks(Assert.Single(result.Output));
        Assert.Equal("Warning", checks["Server"].Status); // reached (on loopback)
        Assert.Equal("Failed", checks["Tls"].Status);
        Assert.Contains("not verified by the secret's CA", checks["Tls"].Detail);
        Assert.All(CheckOrder.Skip(3), name => Assert.Equal("Skipped", checks[name].Status));
        result.AssertNoSecret(new[] { TokenOf(good, "good") });
    }

    // Needs the lead's host-name verification in KubeClientFactory (the server's host, or tls-server-name):
    // KubernetesClient 21 checks only the chain when a CA is given, so on this branch TLS passes here.
    [Fact]
    public async Task A_certificate_that_does_not_name_the_tls_server_name_fails_TLS()
    {
        var ns = await _ground.NamespaceAsync("d2-wrongname");
        using var session = fixture.NewSession();
        var good = await _ground.PublishAsync(session, ns, "good");
        await _ground.WriteRemoteSecretAsync(ns, "wrongname",
            KubeConfig("wrongname", _ground.Remote.Server, CaOf(good, "good"), TokenOf(good, "good"), tlsServerName: "not-the-apiserver.example"));

        var result = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0] -ClusterName wrongname", ns);
        result.AssertSucceeded();
        var checks = Checks(Assert.Single(result.Output));
        Assert.Equal("Failed", checks["Tls"].Status);
    }

    [Fact]
    public async Task A_missing_cluster_is_RemoteSecretNotFound_and_the_others_are_still_tested()
    {
        var ns = await _ground.NamespaceAsync("d2-missing");
        using var session = fixture.NewSession();
        await _ground.PublishAsync(session, ns, "present");

        var result = session.Invoke("$ns = $args[0]; 'nowhere', 'present' | ForEach-Object { [pscustomobject]@{ ClusterName = $_; Namespace = $ns; Context = $C1 } } | Test-IstioRemoteCluster", ns);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("RemoteSecretNotFound,MeshCluster.Commands.TestIstioRemoteClusterCommand", error.FullyQualifiedErrorId);
        Assert.Equal("nowhere", error.TargetObject);
        Assert.Equal("present", Assert.Single(result.Output).Prop("ClusterName"));

        var quiet = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0] -ClusterName nowhere, present -Quiet -ErrorAction SilentlyContinue", ns);
        Assert.False((bool)Assert.Single(quiet.Output).BaseObject);
    }

    [Fact]
    public async Task An_unreachable_primary_is_an_error_and_bad_limits_are_terminating_errors_with_their_ids()
    {
        var ns = await _ground.NamespaceAsync("d2-noprimary");
        using var session = fixture.NewSession();
        await _ground.PublishAsync(session, ns, "fine");
        var kubeConfig = Path.Combine(Path.GetTempPath(), $"meshcluster-d2-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(kubeConfig, KubeConfig("gone", $"https://127.0.0.1:{ClosedPort()}", null, "unused-token-value"));
        try
        {
            var unreachable = session.Invoke("Test-IstioRemoteCluster -KubeConfig $args[0] -Context gone -Timeout 00:00:05", kubeConfig);
            Assert.Empty(unreachable.Output);
            Assert.StartsWith("KubeApiUnreachable,MeshCluster.Commands.TestIstioRemoteClusterCommand", Assert.Single(unreachable.Errors).FullyQualifiedErrorId);

            // One healthy primary and one that cannot be read: -Quiet must not say all is well.
            var both = session.Invoke("""
                $files = $KubeConfig + [IO.Path]::PathSeparator + $args[0]; $ns = $args[1]
                $C1, 'gone' | ForEach-Object { [pscustomobject]@{ Context = $_; Namespace = $ns } } | Test-IstioRemoteCluster -KubeConfig $files -Quiet
                """, kubeConfig, ns);
            Assert.StartsWith("KubeApiUnreachable,", Assert.Single(both.Errors).FullyQualifiedErrorId);
            Assert.False((bool)Assert.Single(both.Output).BaseObject);
        }
        finally
        {
            File.Delete(kubeConfig);
        }

        var timeout = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Timeout 0");
        Assert.Empty(timeout.Output);
        Assert.StartsWith("RemoteClusterTimeoutInvalid,", timeout.FirstError?.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, timeout.FirstError!.CategoryInfo.Category);
        var warning = session.Invoke("Test-IstioRemoteCluster -Context $C1 -ExpiryWarning ([timespan]::FromDays(-1))");
        Assert.StartsWith("RemoteClusterExpiryWarningInvalid,", warning.FirstError?.FullyQualifiedErrorId);
    }
}
