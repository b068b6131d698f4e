using System.Text;
using MeshCluster.Module.Tests.RemoteSecret;
using MeshCluster.TestGround;
using static MeshCluster.Module.Tests.RemoteSecret.RemoteSecretGround;

namespace MeshCluster.Module.Tests.Hostile;

/// <summary>
/// Issue 20, point 9: Test-IstioRemoteCluster must diagnose what is wrong, not something else. A secret that authenticates other
/// than by a token still gets its server and TLS checked; a redirect is never the token's acceptance and is never followed; an
/// http server is sent no credential; a data key that is no DNS label is flagged. cluster2 is the remote, seen directly, through
/// the fault proxy (which records every path it is asked) or replaced by a plain loopback http server.
/// </summary>
public sealed class RemoteClusterDiagnosisTests(ClustersFixture fixture)
{
    private readonly RemoteSecretGround _ground = new(fixture);

    [Fact]
    public async Task Secrets_that_authenticate_otherwise_get_their_server_and_TLS_checked_and_say_why_authentication_is_not()
    {
        var ns = await _ground.NamespaceAsync("i20-auth");
        using var session = fixture.NewSession();
        var ca = Encoding.UTF8.GetBytes(await File.ReadAllTextAsync(_ground.Remote.CaFile, Ct));
        var (cert, _) = _ground.Remote.IssueClientCertificate("someone");
        using var otherKey = System.Security.Cryptography.ECDsa.Create();
        var users = new Dictionary<string, string>
        {
            // KubernetesClient refuses a user with a user name and no password: before, "Server" failed with KubeConfigException.
            ["useronly"] = "    username: admin\n",
            // A certificate with a key that is not its own: before, "Server" failed too.
            ["badkey"] = $"    client-certificate-data: {B64(cert)}\n    client-key-data: {B64(otherKey.ExportPkcs8PrivateKeyPem())}\n",
            ["oidc"] = "    auth-provider:\n      name: oidc\n      config:\n        id-token: an-oidc-id-token-value\n",
            ["plugin"] = "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: /bin/false\n",
        };
        foreach (var (name, yaml) in users) await _ground.WriteRemoteSecretAsync(ns, name, KubeConfig(name, _ground.Remote.Server, ca, null, userYaml: yaml));

        var result = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0]", ns);

        result.AssertSucceeded();
        var health = result.Output.ToDictionary(o => (string)o.Prop("ClusterName")!, Checks);
        Assert.Equal(users.Keys.Order(), health.Keys.Order());
        foreach (var (name, checks) in health)
        {
            Assert.True(checks["Server"].Status == "Warning", $"{name}: Server {checks["Server"]}"); // reached (a loopback address)
            Assert.True(checks["Tls"].Status == "Passed", $"{name}: Tls {checks["Tls"]}");
            Assert.DoesNotContain("KubeConfigException", string.Join(" ", checks.Values.Select(c => c.Detail)));
        }

        Assert.Equal("Skipped", health["useronly"]["Authentication"].Status);
        Assert.Contains("a user name without a password", health["useronly"]["Authentication"].Detail);
        Assert.Equal("Failed", health["badkey"]["Authentication"].Status);
        Assert.Contains("The client certificate cannot be used", health["badkey"]["Authentication"].Detail);
        Assert.Equal("Skipped", health["oidc"]["Authentication"].Status);
        Assert.Contains("authenticates by AuthProvider", health["oidc"]["Authentication"].Detail);
        Assert.Equal(("Failed", "Skipped"), (health["plugin"]["Format"].Status, health["plugin"]["Authentication"].Status));
        result.AssertNoSecret(new[] { "an-oidc-id-token-value", B64(otherKey.ExportPkcs8PrivateKeyPem()) });
    }

    [Fact]
    public async Task A_redirect_is_never_the_tokens_acceptance_and_is_never_followed()
    {
        var ns = await _ground.NamespaceAsync("i20-redirect");
        using var session = fixture.NewSession();
        var token = TokenOf(await _ground.PublishAsync(session, ns, "good"), "good");
        await using var proxy = FaultProxy.Start(_ground.Remote);
        Assert.True(proxy.ChainsToClusterCa);
        var ca = Encoding.UTF8.GetBytes(await File.ReadAllTextAsync(proxy.CaFile, Ct));
        await _ground.WriteRemoteSecretAsync(ns, "moved", KubeConfig("moved", proxy.Server, ca, token));
        proxy.Inject(Fault.Redirect("/moved"), when: r => r.Path.StartsWith("/version", StringComparison.Ordinal));

        var redirected = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0] -ClusterName moved", ns);

        redirected.AssertSucceeded();
        var checks = Checks(Assert.Single(redirected.Output));
        Assert.Equal("Failed", checks["Server"].Status);
        Assert.Contains("answers /version with a redirect (302 Found)", checks["Server"].Detail);
        Assert.Contains("not followed", checks["Server"].Detail);
        Assert.All(CheckOrder.Skip(2), name => Assert.Equal("Skipped", checks[name].Status));
        // Before: followed to /moved (404 from the API server), and that answer counted as "the token is accepted".
        Assert.NotEmpty(proxy.Requests);
        Assert.All(proxy.Requests, r => Assert.StartsWith("/version", r.Path));

        // An answer no API server gives to /version is no verdict on the token either.
        proxy.ClearFaults();
        proxy.Inject(Fault.Status(404), when: r => r.Path.StartsWith("/version", StringComparison.Ordinal));
        var notFound = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0] -ClusterName moved", ns);
        notFound.AssertSucceeded();
        checks = Checks(Assert.Single(notFound.Output));
        Assert.Equal(("Passed", "Failed"), (checks["Tls"].Status, checks["Authentication"].Status));
        Assert.Contains("answers /version with 404", checks["Authentication"].Detail);
        redirected.AssertNoSecret(new[] { token });
    }

    [Fact]
    public async Task An_http_server_is_checked_without_any_credential_and_fails_TLS_saying_why()
    {
        var ns = await _ground.NamespaceAsync("i20-http");
        using var session = fixture.NewSession();
        using var server = PlainHttpServer.Answering("""{"major":"1","minor":"20","gitVersion":"v1.20.2"}""");
        const string planted = "eyJhbGciOiJSUzI1NiJ9.a-token-that-must-never-travel-in-clear.c2lnbmF0dXJl";
        await _ground.WriteRemoteSecretAsync(ns, "clear", KubeConfig("clear", server.Server, null, planted));

        var result = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0]", ns);

        result.AssertSucceeded();
        var checks = Checks(Assert.Single(result.Output));
        Assert.Equal("Warning", checks["Server"].Status); // it answers (on loopback)
        Assert.Equal("Failed", checks["Tls"].Status);
        Assert.Contains("The server URL is http", checks["Tls"].Detail);
        Assert.Contains("MeshCluster sent none", checks["Tls"].Detail);
        Assert.Equal("Skipped", checks["Authentication"].Status);
        // Before: the token went to the server in clear, and its 200 counted as "the token is accepted".
        Assert.NotEmpty(server.Received);
        Assert.All(server.Received, r => Assert.False(r.HadAuthorization, $"{r.Method} {r.Target} carried a credential"));
        result.AssertNoSecret(new[] { planted });
    }

    [Fact]
    public async Task A_data_key_that_is_no_DNS_label_is_flagged_by_Get_and_Test()
    {
        var ns = await _ground.NamespaceAsync("i20-key");
        using var session = fixture.NewSession();
        var token = TokenOf(await _ground.PublishAsync(session, ns, "good"), "good");
        var ca = Encoding.UTF8.GetBytes(await File.ReadAllTextAsync(_ground.Remote.CaFile, Ct));
        // A valid Secret data key ([-._a-zA-Z0-9]+) that no Istio cluster name can be.
        await _ground.WriteRemoteSecretAsync(ns, "East_2.prod", KubeConfig("East_2.prod", _ground.Remote.Server, ca, token), secretName: "istio-remote-secret-east");

        var listed = session.Invoke("Get-IstioRemoteSecret -Context $C1 -Namespace $args[0] -ClusterName East_2.prod", ns);
        listed.AssertSucceeded();
        var note = Assert.Single((string[])Assert.Single(listed.Output).Prop("Notes")!);
        Assert.Contains("The data key 'East_2.prod' is not a DNS-1123 label", note);

        var tested = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0]", ns);
        tested.AssertSucceeded();
        var health = tested.Output.ToDictionary(o => (string)o.Prop("ClusterName")!, Checks);
        Assert.Equal("Warning", health["East_2.prod"]["Format"].Status);
        Assert.Contains("not a DNS-1123 label", health["East_2.prod"]["Format"].Detail);
        Assert.Equal("Passed", health["good"]["Format"].Status);
    }
}
