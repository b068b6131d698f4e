using System.Text;
using k8s;
using k8s.Models;
using static MeshCluster.Module.Tests.RemoteSecret.RemoteSecretGround;

namespace MeshCluster.Module.Tests.RemoteSecret;

/// <summary>
/// Each way a remote secret's kubeconfig can authenticate, judged as istiod judges it (pkg/kube/util.go sanitizeKubeConfig, with
/// the primary's PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS), and tested by Test-IstioRemoteCluster where MeshCluster can send it.
/// </summary>
public sealed class RemoteSecretAuthTests(ClustersFixture fixture)
{
    private readonly RemoteSecretGround _ground = new(fixture);

    private async Task<byte[]> RemoteCaAsync() => Encoding.UTF8.GetBytes(await File.ReadAllTextAsync(_ground.Remote.CaFile, Ct));

    [Fact]
    public async Task Get_accepts_what_istiod_accepts_flags_what_it_refuses_and_notes_what_its_istiod_allows()
    {
        var ns = await _ground.NamespaceAsync("auth-get");
        using var session = fixture.NewSession();
        var ca = await RemoteCaAsync();
        var (cert, key) = _ground.Remote.IssueClientCertificate("someone");
        var users = new Dictionary<string, (string Yaml, string AuthType)>
        {
            ["cert"] = ($"    client-certificate-data: {B64(cert)}\n    client-key-data: {B64(key)}\n", "ClientCertificate"),
            ["basic"] = ("    username: admin\n    password: basic-secret-password\n", "Basic"),
            ["oidc"] = ("    auth-provider:\n      name: oidc\n      config:\n        id-token: an-oidc-id-token-value\n", "AuthProvider"),
            ["plugin"] = ("    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: /bin/false\n", "Exec"),
            ["gcp"] = ("    auth-provider:\n      name: gcp\n", "AuthProvider"),
            ["certfile"] = ("    client-certificate: /etc/istio/cert.pem\n    client-key: /etc/istio/key.pem\n", "ClientCertificate"),
            ["tokenfile"] = ("    tokenFile: /var/run/secrets/token\n", "TokenFile"),
        };
        foreach (var (name, (yaml, _)) in users)
        {
            await _ground.WriteRemoteSecretAsync(ns, name, KubeConfig(name, _ground.Remote.Server, ca, null, userYaml: yaml));
        }

        var before = session.Invoke("Get-IstioRemoteSecret -Context $C1 -Namespace $args[0]", ns);
        before.AssertSucceeded();
        var rows = before.Output.ToDictionary(o => (string)o.Prop("ClusterName")!);
        foreach (var (name, (_, type)) in users) Assert.Equal(type, rows[name].Prop("AuthType"));
        foreach (var accepted in new[] { "cert", "basic", "oidc" }) Assert.Empty((string[])rows[accepted].Prop("Problems")!);
        foreach (var (refused, option) in new[] { ("plugin", "exec"), ("gcp", "gcp"), ("tokenfile", "tokenFile") })
        {
            Assert.Contains($"PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS on the primary's istiod lists '{option}'", Assert.Single((string[])rows[refused].Prop("Problems")!));
        }

        Assert.Equal(2, ((string[])rows["certfile"].Prop("Problems")!).Length); // clientKey and clientCertificate, each a file
        before.AssertNoSecret(new[] { "basic-secret-password", B64(key), "an-oidc-id-token-value" });

        // The primary's istiod allows exec and gcp: notes, not problems; the file paths stay refused.
        await IstiodPlayer.DeployAsync(_ground.Primary, ns, new Dictionary<string, string>
        {
            ["CLUSTER_ID"] = "cluster1",
            ["PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS"] = "exec,gcp",
        }, ct: Ct);
        var after = session.Invoke("Get-IstioRemoteSecret -Context $C1 -Namespace $args[0]", ns);
        after.AssertSucceeded();
        rows = after.Output.ToDictionary(o => (string)o.Prop("ClusterName")!);
        foreach (var (allowed, option) in new[] { ("plugin", "exec"), ("gcp", "gcp") })
        {
            Assert.Empty((string[])rows[allowed].Prop("Problems")!);
            var note = Assert.Single((string[])rows[allowed].Prop("Notes")!);
            Assert.Contains($"since the primary's istiod (Deployment {ns}/istiod in context 'cluster1') lists '{option}' in PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS", note);
        }

        Assert.Single((string[])rows["tokenfile"].Prop("Problems")!);

        // Test-IstioRemoteCluster leaves an allowed exec plugin untested, saying why, and never runs it.
        var tested = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0] -ClusterName plugin", ns);
        tested.AssertSucceeded();
        var checks = Checks(Assert.Single(tested.Output));
        Assert.Equal("Warning", checks["Format"].Status);
        Assert.Equal("Skipped", checks["Authentication"].Status);
        Assert.Contains("authenticates by Exec, which MeshCluster does not test", checks["Authentication"].Detail);
    }

    [Fact]
    public async Task Test_checks_an_inline_client_certificate_with_the_reader_role_and_its_expiry()
    {
        var ns = await _ground.NamespaceAsync("auth-cert");
        using var session = fixture.NewSession();
        await _ground.PublishAsync(session, ns, "withtoken"); // the reader ClusterRole istio-reader-clusterrole-<ns>
        var user = $"istio-reader-cert-{ns}";
        var binding = $"meshcluster-test-{ns}";
        await _ground.Remote.Admin.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = binding },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = $"istio-reader-clusterrole-{ns}" },
            Subjects = new List<Rbacv1Subject> { new() { ApiGroup = "rbac.authorization.k8s.io", Kind = "User", Name = user } },
        }, cancellationToken: Ct);
        try
        {
            var ca = await RemoteCaAsync();
            var (cert, key) = _ground.Remote.IssueClientCertificate(user, validFor: TimeSpan.FromDays(3));
            await _ground.WriteRemoteSecretAsync(ns, "cert", KubeConfig("cert", _ground.Remote.Server, ca, null,
                userYaml: $"    client-certificate-data: {B64(cert)}\n    client-key-data: {B64(key)}\n"));
            // A certificate of a CA the remote does not trust for clients.
            using var stranger = System.Security.Cryptography.ECDsa.Create();
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest($"CN={user}", stranger, System.Security.Cryptography.HashAlgorithmName.SHA256);
            using var selfSigned = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
            await _ground.WriteRemoteSecretAsync(ns, "stranger", KubeConfig("stranger", _ground.Remote.Server, ca, null,
                userYaml: $"    client-certificate-data: {B64(selfSigned.ExportCertificatePem())}\n    client-key-data: {B64(stranger.ExportPkcs8PrivateKeyPem())}\n"));

            var result = session.Invoke("$DebugPreference = 'Continue'; Test-IstioRemoteCluster -Context $C1 -Namespace $args[0] -ClusterName cert, stranger -Verbose", ns);
            result.AssertSucceeded();
            var health = result.Output.ToDictionary(o => (string)o.Prop("ClusterName")!);

            var good = Checks(health["cert"]);
            Assert.True((bool)health["cert"].Prop("Healthy")!, (string)health["cert"].Prop("Summary")!);
            Assert.Equal("Passed", good["Format"].Status);
            Assert.Contains("with a client certificate", good["Format"].Detail);
            Assert.Equal(("Passed", "The client certificate is accepted."), good["Authentication"]);
            Assert.Equal("Passed", good["Authorization"].Status);
            Assert.Equal("Warning", good["TokenExpiry"].Status); // 3 days, within the default 7-day warning
            Assert.Contains("The client certificate expires at", good["TokenExpiry"].Detail);

            var bad = Checks(health["stranger"]);
            Assert.False((bool)health["stranger"].Prop("Healthy")!);
            Assert.Equal("Failed", bad["Authentication"].Status);
            Assert.Contains("client certificate", bad["Authentication"].Detail);
            Assert.Equal("Skipped", bad["Authorization"].Status);
            result.AssertNoSecret(new[] { B64(key), key.Trim() });
        }
        finally
        {
            await _ground.Remote.Admin.RbacAuthorizationV1.DeleteClusterRoleBindingAsync(binding, cancellationToken: Ct);
        }
    }

    [Fact]
    public async Task Test_checks_basic_auth_and_says_the_server_takes_it_as_anonymous()
    {
        var ns = await _ground.NamespaceAsync("auth-basic");
        using var session = fixture.NewSession();
        await _ground.WriteRemoteSecretAsync(ns, "basic", KubeConfig("basic", _ground.Remote.Server, await RemoteCaAsync(), null,
            userYaml: "    username: admin\n    password: a-basic-auth-password\n"));

        var result = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0]", ns);
        result.AssertSucceeded();
        var health = Assert.Single(result.Output);
        var checks = Checks(health);
        Assert.Equal(("Passed", "Passed"), (checks["Format"].Status, checks["Tls"].Status));
        // Kubernetes 1.19 removed basic authentication: a 1.20 server takes the request as anonymous rather than refusing it.
        Assert.Equal("Failed", checks["Authentication"].Status);
        Assert.Contains("does not accept basic authentication (Kubernetes removed it in 1.19)", checks["Authentication"].Detail);
        Assert.False((bool)health.Prop("Healthy")!);
        result.AssertNoSecret(new[] { "a-basic-auth-password", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:a-basic-auth-password")) });
    }
}
