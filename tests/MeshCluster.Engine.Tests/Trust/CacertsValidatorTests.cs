using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;
using MeshCluster.Engine.Trust;
using static MeshCluster.Engine.Tests.Trust.TrustTestSupport;

namespace MeshCluster.Engine.Tests.Trust;

/// <summary>What istiod would refuse in cacerts is found before anything is sent; the Secret is what kubectl create secret makes.</summary>
public sealed class CacertsValidatorTests
{
    private static async Task<(IstioCertificateAuthority Root, IstioClusterCertificate Cluster, CacertsMaterial Material)> SoundAsync(string name = "cluster1")
    {
        var root = await RootAsync();
        var cluster = Assert.Single(await IntermediatesAsync(root, null, name));
        return (root, cluster, CacertsMaterial.From(cluster));
    }

    private static string Problem(CacertsMaterial material) =>
        Assert.Throws<TrustMaterialException>(() => CacertsValidator.Validate(material, CertificateFactory.Now())).Message;

    private static CacertsMaterial With(CacertsMaterial m, string? caCert = null, string? caKey = null, string? rootCert = null, string? chain = null) =>
        new(caCert ?? m.CaCert, caKey ?? m.CaKey, rootCert ?? m.RootCert, chain ?? m.CertChain, "test");

    [Fact]
    public async Task Sound_material_names_its_root_intermediate_and_cluster()
    {
        var (root, cluster, material) = await SoundAsync();
        var validated = CacertsValidator.Validate(material, CertificateFactory.Now());
        Assert.Equal(root.Thumbprint, validated.RootThumbprint);
        Assert.Equal(cluster.Thumbprint, validated.Thumbprint);
        Assert.Equal("cluster1", validated.ClusterName);
        Assert.Equal(material.CaCert + material.RootCert, material.CertChain);
        Assert.DoesNotContain("PRIVATE", material.ToString());
    }

    [Fact]
    public async Task A_key_of_another_intermediate_is_refused()
    {
        var (root, _, material) = await SoundAsync();
        var other = CacertsMaterial.From(Assert.Single(await IntermediatesAsync(root, null, "cluster2")));
        Assert.Equal("ca-key.pem is not the key of ca-cert.pem", Problem(With(material, caKey: other.CaKey)));
    }

    [Fact]
    public async Task A_chain_to_another_root_is_refused()
    {
        var (_, _, material) = await SoundAsync();
        var (_, _, foreign) = await SoundAsync();
        Assert.StartsWith("ca-cert.pem does not verify to a root of root-cert.pem", Problem(With(material, rootCert: foreign.RootCert)));
    }

    /// <summary>A CA certificate signed by <paramref name="issuer"/> (self-signed when null), with the extensions asked for.</summary>
    private static (X509Certificate2 Certificate, ECDsa Key) Ca(string subject, (X509Certificate2 Certificate, ECDsa Key)? issuer, bool ca = true, int? pathLength = null,
        X509KeyUsageFlags usage = X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, params string[] extendedUsages)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, pathLength is not null, pathLength ?? 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        if (extendedUsages.Length > 0)
        {
            var oids = new OidCollection();
            foreach (var oid in extendedUsages) oids.Add(new Oid(oid));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        }

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var (from, to) = (DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(issuer is null ? 30 : 10));
        var certificate = issuer is { } i
            ? request.Create(i.Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(i.Key), from, to, RandomNumberGenerator.GetBytes(8))
            : request.CreateSelfSigned(from, to);
        return (certificate, key);
    }

    private static string Pem(params X509Certificate2[] certificates) => string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n"));

    private static CacertsMaterial Material((X509Certificate2 Certificate, ECDsa Key) ca, X509Certificate2 root, params X509Certificate2[] chain) =>
        new(Pem(ca.Certificate), ca.Key.ExportPkcs8PrivateKeyPem(), Pem(root), Pem(chain.Length == 0 ? new[] { ca.Certificate, root } : chain), "test");

    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    private const string AnyUsage = "2.5.29.37.0";

    [Fact]
    public async Task A_chain_out_of_the_Makefiles_order_is_accepted_with_a_warning()
    {
        var (_, _, material) = await SoundAsync();
        Assert.Empty(CacertsValidator.Validate(material, CertificateFactory.Now()).Warnings);

        var reversed = CacertsValidator.Validate(With(material, chain: material.RootCert + material.CaCert), CertificateFactory.Now());
        Assert.Contains("cert-chain.pem holds 2 certificate(s) in another order than the Makefile's", Assert.Single(reversed.Warnings));

        // Without the root is the Makefile's order too (peers hold the root already).
        Assert.Empty(CacertsValidator.Validate(With(material, chain: material.CaCert), CertificateFactory.Now()).Warnings);

        // Without ca-cert.pem, Verify still passes (ca-cert.pem is the leaf it verifies), but workloads' chains would lack their issuer.
        var missing = CacertsValidator.Validate(With(material, chain: material.RootCert), CertificateFactory.Now());
        Assert.Contains("cert-chain.pem does not hold ca-cert.pem", Assert.Single(missing.Warnings));
        Assert.Contains("signWithCertChain", missing.Warnings[0]);
    }

    [Fact]
    public void An_enterprise_intermediate_without_pathlen_under_another_intermediate_is_accepted_with_a_warning()
    {
        var root = Ca("O=Corp, CN=Corp Root", null);
        var policy = Ca("O=Corp, CN=Corp Policy CA", root, pathLength: 1);
        var istio = Ca("O=Corp, CN=Istio CA, L=cluster1", policy);
        var validated = CacertsValidator.Validate(Material(istio, root.Certificate, istio.Certificate, policy.Certificate, root.Certificate), CertificateFactory.Now());
        Assert.Equal(3, validated.Chain.Count);
        Assert.Equal(root.Certificate.Thumbprint, validated.Root.Thumbprint);
        Assert.Equal("cluster1", validated.ClusterName);
        Assert.Contains("ca-cert.pem's basicConstraints set no pathlen, where Istio's Makefile and New-IstioClusterCertificate write pathlen:0", Assert.Single(validated.Warnings));

        // The chain in any order is a pool to Go and to the module alike: a warning for the order only.
        var shuffled = CacertsValidator.Validate(Material(istio, root.Certificate, root.Certificate, istio.Certificate, policy.Certificate), CertificateFactory.Now());
        Assert.Equal(2, shuffled.Warnings.Count);

        var withPathLength = CacertsValidator.Validate(Material(Ca("O=Istio, CN=Intermediate CA", root, pathLength: 2), root.Certificate), CertificateFactory.Now());
        Assert.Contains("say pathlen:2", Assert.Single(withPathLength.Warnings));

        // Go and the chain builder both keep the issuers' pathlen: a root with pathlen:0 allows no intermediate between.
        var strictRoot = Ca("O=Corp, CN=Strict Root", null, pathLength: 0);
        var between = Ca("O=Corp, CN=Between", strictRoot);
        var below = Ca("O=Istio, CN=Below", between);
        Assert.Contains("does not verify", Problem(Material(below, strictRoot.Certificate, below.Certificate, between.Certificate, strictRoot.Certificate)));
    }

    /// <summary>
    /// The chain for ca-cert.pem verifies (istiod's own check), but a workload certificate is one level deeper: each CA above ca-cert.pem
    /// needs a pathlen that leaves room for it (issue 20, point 8).
    /// </summary>
    [Fact]
    public void A_pathlen_that_leaves_no_room_for_workload_certificates_is_refused_with_its_own_id()
    {
        var strictRoot = Ca("O=Istio, CN=Root CA", null, pathLength: 0);
        var under = Ca("O=Istio, CN=Intermediate CA, L=cluster1", strictRoot, pathLength: 0);
        var refused = Assert.Throws<TrustMaterialException>(() => CacertsValidator.Validate(Material(under, strictRoot.Certificate), CertificateFactory.Now()));
        Assert.Equal(Errors.ErrorIds.ClusterCertificatePathLengthExceeded, refused.ErrorId);
        Assert.Contains("the root 'CN=Root CA, O=Istio' says pathlen:0 in its basicConstraints, which allows no CA below it, but a workload certificate signed by ca-cert.pem has 1 below it", refused.Message);

        // One level up: a policy CA with pathlen:0 over the istio CA, under a root that allows it.
        var root = Ca("O=Corp, CN=Root", null, pathLength: 1);
        var policy = Ca("O=Corp, CN=Policy", root, pathLength: 0);
        var istio = Ca("O=Istio, CN=Intermediate CA", policy, pathLength: 0);
        var issuer = Assert.Throws<TrustMaterialException>(() => CacertsValidator.Validate(Material(istio, root.Certificate, istio.Certificate, policy.Certificate, root.Certificate), CertificateFactory.Now()));
        Assert.Equal(Errors.ErrorIds.ClusterCertificatePathLengthExceeded, issuer.ErrorId);
        Assert.StartsWith("its issuer 'CN=Policy, O=Corp' says pathlen:0", issuer.Message);
    }

    [Fact]
    public void Room_for_workload_certificates_passes()
    {
        var root = Ca("O=R", null, pathLength: 1);
        var istio = Ca("O=Istio, CN=I", root, pathLength: 0);
        Assert.Empty(CacertsValidator.Validate(Material(istio, root.Certificate), CertificateFactory.Now()).Warnings);

        var root2 = Ca("O=R2", null, pathLength: 2);
        var policy = Ca("O=P", root2, pathLength: 1);
        var istio2 = Ca("O=Istio, CN=I2", policy, pathLength: 0);
        Assert.Equal(3, CacertsValidator.Validate(Material(istio2, root2.Certificate, istio2.Certificate, policy.Certificate, root2.Certificate), CertificateFactory.Now()).Chain.Count);
    }

    [Fact]
    public void An_RSA_key_under_2048_bits_in_the_chain_is_accepted_with_a_warning()
    {
        using var rootKey = RSA.Create(1024);
        var request = new CertificateRequest("O=Legacy, CN=Root CA", rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var root = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var istio = new CertificateRequest("O=Istio, CN=Intermediate CA", key, HashAlgorithmName.SHA256);
        istio.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        istio.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var signed = istio.Create(root.SubjectName, X509SignatureGenerator.CreateForRSA(rootKey, RSASignaturePadding.Pkcs1), DateTimeOffset.UtcNow.AddMinutes(-5),
            DateTimeOffset.UtcNow.AddDays(10), RandomNumberGenerator.GetBytes(8));

        var validated = CacertsValidator.Validate(Material((signed, key), root), CertificateFactory.Now());

        Assert.Contains("The root 'CN=Root CA, O=Legacy': its RSA key has 1024 bits, under the 2048", Assert.Single(validated.Warnings));
        Assert.Null(CertificateKeys.Weakness(signed));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void An_extended_key_usage_without_serverAuth_anywhere_in_the_chain_is_refused(int where)
    {
        // Go's x509 Verify with istiod's options asks for serverAuth on every certificate of the chain that has an extended key usage.
        string[] Usage(int at) => at == where ? new[] { ClientAuth } : Array.Empty<string>();
        var root = Ca("O=Corp, CN=Root", null, extendedUsages: Usage(2));
        var mid = Ca("O=Corp, CN=Mid", root, extendedUsages: Usage(1));
        var istio = Ca("O=Istio, CN=Intermediate CA", mid, pathLength: 0, extendedUsages: Usage(0));
        var problem = Problem(Material(istio, root.Certificate, istio.Certificate, mid.Certificate, root.Certificate));
        Assert.Contains("lists clientAuth but not serverAuth (or any)", problem);
        Assert.Contains(where switch { 0 => "of ca-cert.pem", 1 => "its issuer '", _ => "of the root" }, problem);
        if (where == 1) Assert.Contains("CN=Mid", problem);
    }

    [Fact]
    public void An_extended_key_usage_with_serverAuth_or_any_passes()
    {
        var root = Ca("O=Corp, CN=Root", null, extendedUsages: AnyUsage);
        foreach (var usages in new[] { new[] { ServerAuth, ClientAuth }, new[] { AnyUsage } })
        {
            var istio = Ca("O=Istio, CN=Intermediate CA", root, pathLength: 0, extendedUsages: usages);
            Assert.Empty(CacertsValidator.Validate(Material(istio, root.Certificate), CertificateFactory.Now()).Warnings);
        }
    }

    [Fact]
    public void An_intermediate_that_is_no_CA_or_may_not_sign_certificates_is_refused()
    {
        var root = Ca("O=Istio, CN=Root CA", null);
        // istiod itself refuses a certificate that is no CA (security/pkg/pki/ca/ca.go NewPluggedCertIstioCAOptions).
        Assert.Contains("no CA (basicConstraints do not say CA:TRUE), and istiod refuses it", Problem(Material(Ca("O=Istio, CN=Intermediate CA", root, ca: false), root.Certificate)));
        Assert.Contains("keyUsage lacks keyCertSign", Problem(Material(Ca("O=Istio, CN=Intermediate CA", root, usage: X509KeyUsageFlags.DigitalSignature), root.Certificate)));
    }

    [Fact]
    public async Task An_expired_intermediate_is_refused_in_plain_words()
    {
        var root = await RootAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("O=Istio, CN=Intermediate CA, L=x", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        using var cert = request.Create(root.Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa((ECDsa)root.PrivateKey),
            DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddDays(-1), new byte[] { 7 });
        var pem = cert.ExportCertificatePem() + "\n";
        var rootPem = root.Certificate.ExportCertificatePem() + "\n";
        Assert.Contains("expired on", Problem(new CacertsMaterial(pem, key.ExportPkcs8PrivateKeyPem(), rootPem, pem + rootPem, "test")));
    }

    [Fact]
    public async Task Garbage_in_any_file_is_named()
    {
        var (_, _, material) = await SoundAsync();
        Assert.Contains("ca-cert.pem holds no PEM certificate", Problem(With(material, caCert: "x")));
        Assert.Contains("ca-key.pem holds no PEM private key", Problem(With(material, caKey: "x")));
        Assert.Contains("root-cert.pem holds no PEM certificate", Problem(With(material, rootCert: "")));
        Assert.Contains("cert-chain.pem holds no PEM certificate", Problem(With(material, chain: "x")));
    }

    [Fact]
    public async Task The_Secret_is_kubectl_create_secret_generic_and_is_recognised_again()
    {
        var (root, _, material) = await SoundAsync();
        var secret = CacertsSecret.Desired("istio-system", material);
        Assert.Equal(("cacerts", "istio-system", "Opaque"), (secret.Metadata.Name, secret.Metadata.NamespaceProperty, secret.Type));
        Assert.Equal(new[] { "ca-cert.pem", "ca-key.pem", "cert-chain.pem", "root-cert.pem" }, secret.Data.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(material.CaCert, System.Text.Encoding.UTF8.GetString(secret.Data["ca-cert.pem"]));
        Assert.True(CacertsSecret.Holds(secret, material));
        Assert.Equal(new[] { root.Thumbprint }, CacertsSecret.RootThumbprints(secret));

        // Extra keys do not count; another type or one changed byte does.
        secret.Data["ca-crl.pem"] = new byte[] { 1 };
        Assert.True(CacertsSecret.Holds(secret, material));
        Assert.False(CacertsSecret.Holds(new V1Secret { Type = "kubernetes.io/tls", Data = secret.Data }, material));
        var changed = new Dictionary<string, byte[]>(secret.Data) { ["ca-key.pem"] = System.Text.Encoding.UTF8.GetBytes(material.CaKey + " ") };
        Assert.False(CacertsSecret.Holds(new V1Secret { Type = "Opaque", Data = changed }, material));

        // istiod's other form (tls.crt, tls.key, ca.crt) is read too.
        var tls = new V1Secret
        {
            Data = new Dictionary<string, byte[]>
            {
                ["tls.crt"] = System.Text.Encoding.UTF8.GetBytes(material.CertChain),
                ["tls.key"] = System.Text.Encoding.UTF8.GetBytes(material.CaKey),
                ["ca.crt"] = System.Text.Encoding.UTF8.GetBytes(material.RootCert),
            },
        };
        Assert.Equal(root.Thumbprint, CacertsValidator.Validate(CacertsSecret.MaterialOf(tls, "tls")!, CertificateFactory.Now()).RootThumbprint);
        Assert.Equal(new[] { root.Thumbprint }, CacertsSecret.RootThumbprints(tls));
        Assert.Null(CacertsSecret.MaterialOf(new V1Secret { Data = new Dictionary<string, byte[]> { ["other"] = new byte[1] } }, "x"));
        Assert.Empty(CacertsSecret.RootThumbprints(new V1Secret { Data = new Dictionary<string, byte[]> { ["root-cert.pem"] = new byte[] { 1 } } }));
    }

    [Fact]
    public void The_report_says_one_root_only_when_every_cluster_has_sound_cacerts_of_that_root()
    {
        var (a, _) = HandMadeRoot("O=Istio, CN=Root A", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var (b, _) = HandMadeRoot("O=Istio, CN=Root B", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        ClusterTrustReading Sound(string ctx, X509Certificate2 root) => new(ctx, "istio-system", ClusterTrustState.Cacerts, ctx, root, root, null);

        var one = MeshTrustInspector.Compare(new[] { Sound("c1", a), Sound("c2", a) });
        Assert.All(one, s => Assert.True(s.SharesOneRoot));
        Assert.All(one, s => Assert.Null(s.Problem));

        var two = MeshTrustInspector.Compare(new[] { Sound("c1", a), Sound("c2", b) });
        Assert.All(two, s => Assert.False(s.SharesOneRoot));
        Assert.Contains("'c2' (" + b.GetCertHashString(HashAlgorithmName.SHA256) + ")", two[0].Problem);

        var missing = MeshTrustInspector.Compare(new[] { Sound("c1", a), new ClusterTrustReading("c2", "istio-system", ClusterTrustState.NoCacerts, null, null, null, "No cacerts.") });
        Assert.All(missing, s => Assert.False(s.SharesOneRoot));
        Assert.Equal("'c2' has no sound cacerts.", missing[0].Problem);
        Assert.Equal("No cacerts.", missing[1].Problem);
        Assert.Equal(ClusterTrustState.NoCacerts, missing[1].State);

        Assert.Empty(MeshTrustInspector.Compare(Array.Empty<ClusterTrustReading>()));
    }
}
