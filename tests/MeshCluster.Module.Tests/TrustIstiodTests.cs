using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>
/// The trust step judged as istiod judges cacerts (security/pkg/pki/util/keycertbundle.go Verify): an enterprise chain accepted with a
/// warning, an intermediate Go's Verify refuses refused with its id, and the restart warning by the version of the istiod that runs
/// (played by a Deployment as Istio's chart renders it).
/// </summary>
public sealed class TrustIstiodTests(ClustersFixture fixture) : TempFolderTest("trust-istiod-")
{
    private const string Cmdlet = "MeshCluster.Commands.PublishIstioClusterCertificateCommand";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    private readonly TestCluster _c1 = fixture.Clusters.Cluster1;

    private string P(string relative) => Path.Combine(TempDir, relative);

    internal static (X509Certificate2 Certificate, ECDsa Key) Ca(string subject, (X509Certificate2 Certificate, ECDsa Key)? issuer, int? pathLength = null, params string[] extendedUsages)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(subject), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, pathLength is not null, pathLength ?? 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        if (extendedUsages.Length > 0)
        {
            var oids = new OidCollection();
            foreach (var oid in extendedUsages) oids.Add(new Oid(oid));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        }

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var (from, to) = (DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(issuer is null ? 365 : 90));
        var certificate = issuer is { } i
            ? request.Create(i.Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(i.Key), from, to, RandomNumberGenerator.GetBytes(8))
            : request.CreateSelfSigned(from, to);
        return (certificate, key);
    }

    /// <summary>The four files of a cluster's folder, as a corporate PKI would hand them over.</summary>
    private string WriteFolder(string name, (X509Certificate2 Certificate, ECDsa Key) ca, X509Certificate2 root, params X509Certificate2[] chain)
    {
        var folder = Directory.CreateDirectory(P(name)).FullName;
        static string Pem(IEnumerable<X509Certificate2> certificates) => string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n"));
        File.WriteAllText(Path.Combine(folder, "ca-cert.pem"), Pem(new[] { ca.Certificate }));
        File.WriteAllText(Path.Combine(folder, "ca-key.pem"), ca.Key.ExportPkcs8PrivateKeyPem() + "\n");
        // Owner-only, as every tool writes a key (a key others can read draws a warning of its own).
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path.Combine(folder, "ca-key.pem"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(Path.Combine(folder, "root-cert.pem"), Pem(new[] { root }));
        File.WriteAllText(Path.Combine(folder, "cert-chain.pem"), Pem(chain));
        return folder;
    }

    [Fact]
    public async Task An_enterprise_intermediate_without_pathlen_under_a_policy_CA_is_published_with_a_warning_and_noted_by_Test_IstioMeshTrust()
    {
        var ns = fixture.UniqueName("trust-corp");
        var root = Ca("O=Corp, CN=Corp Root CA", null);
        var policy = Ca("O=Corp, CN=Corp Policy CA", root, pathLength: 1);
        var istio = Ca("O=Corp, CN=Istio Intermediate, L=cluster1", policy);
        var folder = WriteFolder("corp", istio, root.Certificate, istio.Certificate, policy.Certificate, root.Certificate);
        using var ps = fixture.NewSession();

        var published = ps.Invoke("$DebugPreference = 'Continue'; Publish-IstioClusterCertificate -Path $args[1] -Context $C1 -Namespace $args[0] -Verbose", ns, folder);
        published.AssertSucceeded();
        Assert.Equal(("Created", "cluster1"), (Assert.Single(published.Output).Prop("Action"), published.Output[0].Prop("ClusterName")));
        var warning = Assert.Single(published.Warnings);
        Assert.Contains("ca-cert.pem's basicConstraints set no pathlen, where Istio's Makefile and New-IstioClusterCertificate write pathlen:0", warning);
        Assert.Contains("istiod accepts it", warning);
        Assert.Contains(published.Verbose, v => v.Contains("(3 certificates from it to the root)", StringComparison.Ordinal));
        var secret = await _c1.Admin.CoreV1.ReadNamespacedSecretAsync("cacerts", ns, cancellationToken: Ct);
        Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "cert-chain.pem")), secret.Data["cert-chain.pem"]);

        var trust = ps.Invoke("Test-IstioMeshTrust -Context $C1 -Namespace $args[0]", ns);
        trust.AssertSucceeded();
        var status = Assert.Single(trust.Output);
        Assert.Equal(("Cacerts", true), (status.Prop("State"), status.Prop("SharesOneRoot")));
        Assert.Null(status.Prop("Problem"));
        Assert.Contains("set no pathlen", Assert.Single((string[])status.Prop("Notes")!));
    }

    [Fact]
    public async Task A_clientAuth_only_intermediate_is_refused_with_its_id_and_nothing_is_written()
    {
        var ns = fixture.UniqueName("trust-eku");
        var root = Ca("O=Istio, CN=Root CA", null);
        var clientOnly = Ca("O=Istio, CN=Intermediate CA, L=cluster1", root, pathLength: 0, ClientAuth);
        var folder = WriteFolder("eku", clientOnly, root.Certificate, clientOnly.Certificate, root.Certificate);
        using var ps = fixture.NewSession();

        var result = ps.Invoke("Publish-IstioClusterCertificate -Path $args[1] -Context $C1 -Namespace $args[0]", ns, folder);
        await AssertRefusedAsync(result, "ClusterCertificateInvalid", folder, "the extended key usage of ca-cert.pem lists clientAuth but not serverAuth (or any)", _c1, ns);
    }

    /// <summary>Publish-IstioClusterCertificate refused the material with <paramref name="id"/> (InvalidData, the folder as target) and wrote nothing, not even the namespace.</summary>
    internal static async Task AssertRefusedAsync(PowerShellResult result, string id, string folder, string says, TestCluster cluster, string ns)
    {
        var error = Assert.Single(result.Errors);
        Assert.Equal($"{id},{Cmdlet}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Equal(folder, error.TargetObject);
        Assert.Contains(says, error.Exception.Message);
        Assert.Contains("Nothing was written", error.Exception.Message);
        Assert.Empty(result.Output);
        await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct));
    }

    [Fact]
    public async Task The_restart_warning_follows_the_version_of_the_istiod_that_runs()
    {
        var ns = fixture.UniqueName("trust-reload");
        await _c1.EnsureNamespaceAsync(ns, Ct);
        await IstiodPlayer.DeployAsync(_c1, ns, new Dictionary<string, string> { ["CLUSTER_ID"] = "cluster1" }, "docker.io/istio/pilot:1.26.0", ct: Ct);
        using var ps = fixture.NewSession();
        ps.Invoke("""
            $global:root = New-IstioCertificateAuthority -Path $args[0] -KeyAlgorithm Ecdsa
            $global:certs = $root | New-IstioClusterCertificate -ClusterName c1, c2 -Path $args[0] -KeyAlgorithm Ecdsa
            $global:other = New-IstioCertificateAuthority -KeyAlgorithm Ecdsa | New-IstioClusterCertificate -ClusterName c1 -Path $args[1]
            """, P("certs"), P("other")).AssertSucceeded();
        string Publish(int which, string extra = "") => $"$DebugPreference = 'Continue'; $certs[{which}] | Publish-IstioClusterCertificate -Context $C1 -Namespace {ns} -Verbose {extra}";
        static IReadOnlyList<string> Istiod(PowerShellResult r) => r.Warnings.Where(w => w.StartsWith("istiod ", StringComparison.Ordinal)).ToList();

        // istiod ran without plug-in certificates: every version reads them only when it starts.
        var first = ps.Invoke(Publish(0));
        first.AssertSucceeded();
        var restart = Assert.Single(Istiod(first));
        Assert.Contains($"istiod istiod in namespace {ns} of context 'cluster1' started without plug-in certificates", restart);
        Assert.Contains($"kubectl rollout restart deployment/istiod -n {ns} --context cluster1", restart);

        // 1.26 reloads a new intermediate of the same root by itself (pilot/pkg/bootstrap/istio_ca.go, from 1.19).
        var reloaded = ps.Invoke(Publish(1));
        reloaded.AssertSucceeded();
        Assert.Equal("Updated", reloaded.Output[0].Prop("Action"));
        Assert.Empty(Istiod(reloaded));
        Assert.Contains(reloaded.Verbose, v => v.Contains("istiod 1.26.0 reloads the new intermediate by itself", StringComparison.Ordinal) && v.Contains("no restart needed", StringComparison.Ordinal));

        // 1.17 only with AUTO_RELOAD_PLUGIN_CERTS=true.
        await SetImageAsync(ns, "docker.io/istio/pilot:1.17.8");
        var old = ps.Invoke(Publish(0));
        old.AssertSucceeded();
        Assert.Contains("istiod 1.17.8 reloads plug-in certificates only with AUTO_RELOAD_PLUGIN_CERTS=true", Assert.Single(Istiod(old)));
        await IstiodPlayer.SetEnvAsync(_c1, ns, "AUTO_RELOAD_PLUGIN_CERTS", "true", ct: Ct);
        Assert.Empty(Istiod(ps.Invoke(Publish(1))));

        // An image by digest: the version cannot be read, and the warning says what each version does.
        await SetImageAsync(ns, "registry.example/istio/pilot@sha256:" + new string('a', 64));
        var unknown = Assert.Single(Istiod(ps.Invoke(Publish(0))));
        Assert.Contains("its version cannot be read (its image 'registry.example/istio/pilot@sha256:", unknown);
        Assert.Contains("istiod 1.19 and later reload a new intermediate of the same root by themselves", unknown);

        // A new root: ignored without ISTIO_MULTIROOT_MESH (a restart is needed) ...
        await SetImageAsync(ns, "docker.io/istio/pilot:1.26.0");
        var replaced = ps.Invoke($"$DebugPreference = 'Continue'; Publish-IstioClusterCertificate -Path $args[0] -Context $C1 -Namespace {ns} -Force", P("other/c1"));
        replaced.AssertSucceeded();
        Assert.Equal("Replaced", replaced.Output[0].Prop("Action"));
        var root = Assert.Single(Istiod(replaced));
        Assert.Contains("root-cert.pem changed and it does not run with ISTIO_MULTIROOT_MESH=true", root);
        Assert.Contains("updating new ROOT-CA not supported", root);

        // ... and taken by itself with it, when the new bundle holds the old root (the first phase of a root rotation).
        await IstiodPlayer.SetEnvAsync(_c1, ns, "ISTIO_MULTIROOT_MESH", "true", ct: Ct);
        var mixed = Directory.CreateDirectory(P("mixed")).FullName;
        foreach (var file in new[] { "ca-cert.pem", "ca-key.pem", "cert-chain.pem" }) File.Copy(P($"certs/c1/{file}"), Path.Combine(mixed, file));
        File.WriteAllText(Path.Combine(mixed, "root-cert.pem"), File.ReadAllText(P("other/c1/root-cert.pem")) + File.ReadAllText(P("certs/c1/root-cert.pem")));
        var both = ps.Invoke($"$DebugPreference = 'Continue'; Publish-IstioClusterCertificate -Path $args[0] -Context $C1 -Namespace {ns} -Force -Verbose", mixed);
        both.AssertSucceeded();
        Assert.Empty(Istiod(both));
        Assert.Contains(both.Verbose, v => v.Contains("runs with ISTIO_MULTIROOT_MESH=true and takes the new root bundle", StringComparison.Ordinal));
    }

    private Task SetImageAsync(string ns, string image) =>
        _c1.Admin.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(new
        {
            spec = new { template = new { spec = new { containers = new[] { new { name = "discovery", image } } } } },
        }, V1Patch.PatchType.StrategicMergePatch), "istiod", ns, cancellationToken: Ct);
}
