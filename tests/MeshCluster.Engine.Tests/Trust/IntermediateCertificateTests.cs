using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Tests.TestSupport;
using MeshCluster.Engine.Trust;
using static MeshCluster.Engine.Tests.Trust.TrustTestSupport;

namespace MeshCluster.Engine.Tests.Trust;

/// <summary>The clusters' intermediate CAs against the Makefile's intermediate.conf and <c>openssl x509 -req -CA</c>.</summary>
public sealed class IntermediateCertificateTests
{
    private static readonly string[] Four = { "ca-cert.pem", "ca-key.pem", "root-cert.pem", "cert-chain.pem" };

    [Fact]
    public async Task Intermediate_has_the_Makefiles_subject_extensions_and_issuer_and_the_four_files()
    {
        using var dir = new TempFolder();
        var root = await RootAsync(dir.Path, CertificateKeyAlgorithm.Rsa, 2048);
        var reporter = new RecordingReporter();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var made = Assert.Single(await MakeAsync(root, new ClusterCertificateRequest(new[] { "cluster1" }, dir.Path, TimeSpan.FromDays(365), null, null, false), reporter));
        var after = DateTimeOffset.UtcNow.AddSeconds(1);

        Assert.Equal(new[] { "cluster1", "cluster1/ca-cert.pem", "cluster1/ca-key.pem", "cluster1/cert-chain.pem", "cluster1/root-cert.pem", "root-cert.pem", "root-key.pem" },
            FilesUnder(dir.Path));
        var cert = Anatomy(dir["cluster1/ca-cert.pem"]);
        var rootCert = Anatomy(dir["root-cert.pem"]);
        Assert.Equal(3, cert.Version);
        Assert.Equal(20, cert.Serial.Length);
        Assert.InRange(cert.Serial[0], (byte)0x01, (byte)0x7F);
        Assert.NotEqual(rootCert.Serial, cert.Serial);
        Assert.Equal(Sha256WithRsa, cert.SignatureAlgorithm);
        Assert.Equal(new[]
        {
            new CertificateAnatomy.Rdn(OrganizationOid, UniversalTagNumber.UTF8String, "Istio"),
            new CertificateAnatomy.Rdn(CommonNameOid, UniversalTagNumber.UTF8String, "Intermediate CA"),
            new CertificateAnatomy.Rdn(LocalityOid, UniversalTagNumber.UTF8String, "cluster1"),
        }, cert.Subject);
        Assert.Equal(rootCert.SubjectDer, cert.IssuerDer);
        Assert.InRange(cert.NotBefore, before, after);
        Assert.Equal(TimeSpan.FromDays(365), cert.NotAfter - cert.NotBefore);

        // The Makefile's extensions in OpenSSL's order, then the authority key identifier OpenSSL 3 adds when signing with -CA.
        Assert.Equal(new[] { (SubjectKeyIdentifierOid, false), (BasicConstraintsOid, true), (KeyUsageOid, true), (SubjectAltNameOid, false), (AuthorityKeyIdentifierOid, false) },
            cert.Extensions.Select(e => (e.Oid, e.Critical)));
        Assert.Equal(KeyHash(cert.SubjectPublicKey), CertificateAnatomy.SubjectKeyIdentifier(cert.Single(SubjectKeyIdentifierOid).Value));
        Assert.Equal((true, 0), CertificateAnatomy.BasicConstraints(cert.Single(BasicConstraintsOid).Value));
        Assert.Equal(MakefileKeyUsage, CertificateAnatomy.KeyUsageBits(cert.Single(KeyUsageOid).Value));
        Assert.Equal(new[] { "istiod.istio-system.svc" }, CertificateAnatomy.DnsNames(cert.Single(SubjectAltNameOid).Value));
        var (keyId, issuerAndSerial) = CertificateAnatomy.AuthorityKeyIdentifier(cert.Single(AuthorityKeyIdentifierOid).Value);
        Assert.Equal(CertificateAnatomy.SubjectKeyIdentifier(rootCert.Single(SubjectKeyIdentifierOid).Value), keyId);
        Assert.False(issuerAndSerial);

        // Signed by the root's key (verified here with the root's public key, over the TBS bytes).
        AssertSignedBy(File.ReadAllText(dir["cluster1/ca-cert.pem"]), File.ReadAllText(dir["root-cert.pem"]));

        // The four files: key owner-only, PKCS#8, this certificate's; root-cert.pem the root; cert-chain.pem = ca-cert.pem + root-cert.pem.
        var keyPem = File.ReadAllText(dir["cluster1/ca-key.pem"]);
        using (var key = RSA.Create())
        {
            key.ImportFromPem(keyPem);
            Assert.Equal(cert.SubjectPublicKey, key.ExportRSAPublicKey());
            Assert.Equal(4096, key.KeySize);
        }

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----\n", keyPem);
        Assert.Equal(File.ReadAllText(dir["root-cert.pem"]), File.ReadAllText(dir["cluster1/root-cert.pem"]));
        Assert.Equal(File.ReadAllText(dir["cluster1/ca-cert.pem"]) + File.ReadAllText(dir["root-cert.pem"]), File.ReadAllText(dir["cluster1/cert-chain.pem"]));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir["cluster1/ca-key.pem"]));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(dir["cluster1/ca-cert.pem"]) & ~UnixFileMode.GroupWrite & ~UnixFileMode.OtherWrite);
        }

        // The object.
        Assert.Equal(("cluster1", "O=Istio, CN=Intermediate CA, L=cluster1", "O=Istio, CN=Root CA"), (made.ClusterName, made.Subject, made.Issuer));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(Der(File.ReadAllText(dir["cluster1/ca-cert.pem"])))), made.Thumbprint);
        Assert.Equal(root.Thumbprint, made.RootThumbprint);
        Assert.Equal(dir["cluster1"], made.Path);
        Assert.Equal((CertificateKeyAlgorithm.Rsa, 4096), (made.KeyAlgorithm, made.KeySize));
        Assert.False(made.Certificate.HasPrivateKey);
        Assert.Equal(File.ReadAllText(dir["cluster1/ca-cert.pem"]), made.CertificatePem);
        Assert.Equal(File.ReadAllText(dir["root-cert.pem"]), made.RootCertificatePem);
        Assert.Equal(made.Thumbprint, made.GetCertificate().GetCertHashString(HashAlgorithmName.SHA256));
        Assert.Equal(root.Thumbprint, made.GetRootCertificate().GetCertHashString(HashAlgorithmName.SHA256));
        Assert.Empty(reporter.Warnings);
        RootCertificateTests.AssertNoKey(keyPem, reporter);
    }

    [Fact]
    public async Task OpenSsl_verifies_the_chain_and_reads_every_field()
    {
        OpenSsl.Require();
        using var dir = new TempFolder();
        var root = await RootAsync(dir.Path);
        await MakeAsync(root, new ClusterCertificateRequest(new[] { "cluster1", "cluster2" }, dir.Path, CertificateFactory.DefaultValidity, CertificateKeyAlgorithm.Rsa, 2048, false));

        foreach (var cluster in new[] { "cluster1", "cluster2" })
        {
            var folder = dir[cluster];
            Assert.Equal("cert-chain.pem: OK\n", OpenSsl.Run(folder, "verify", "-CAfile", "root-cert.pem", "cert-chain.pem"));
            Assert.Equal("ca-cert.pem: OK\n", OpenSsl.Run(folder, "verify", "-CAfile", "root-cert.pem", "ca-cert.pem"));
            var text = OpenSsl.Run(folder, "x509", "-noout", "-text", "-in", "ca-cert.pem");
            Assert.Contains("Issuer: O = Istio, CN = Root CA\n", text);
            Assert.Contains($"Subject: O = Istio, CN = Intermediate CA, L = {cluster}\n", text);
            Assert.Contains("Signature Algorithm: ecdsa-with-SHA256", text);
            Assert.Contains("Public-Key: (2048 bit)", text);
            Assert.Contains("X509v3 Basic Constraints: critical\n                CA:TRUE, pathlen:0\n", text);
            Assert.Contains("X509v3 Key Usage: critical\n                Digital Signature, Non Repudiation, Key Encipherment, Certificate Sign\n", text);
            Assert.Contains("X509v3 Subject Alternative Name: \n                DNS:istiod.istio-system.svc\n", text);
            Assert.Contains("X509v3 Authority Key Identifier:", text);
            // The key matches the certificate, as openssl sees them.
            Assert.Equal(OpenSsl.Run(folder, "x509", "-noout", "-pubkey", "-in", "ca-cert.pem"), OpenSsl.Run(folder, "pkey", "-pubout", "-in", "ca-key.pem"));
            // OpenSSL's own encoding of the files is byte for byte what was written.
            OpenSsl.Run(folder, "x509", "-in", "ca-cert.pem", "-out", "again.pem");
            Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "again.pem")), File.ReadAllBytes(Path.Combine(folder, "ca-cert.pem")));
            OpenSsl.Run(folder, "pkey", "-in", "ca-key.pem", "-out", "again-key.pem");
            Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "again-key.pem")), File.ReadAllBytes(Path.Combine(folder, "ca-key.pem")));
        }

        // Each cluster's chain verifies to the shared root, not to the other cluster's intermediate.
        var (code, _, _) = OpenSsl.RunIn(dir.Path, "verify", "-CAfile", "cluster1/ca-cert.pem", "-partial_chain", "cluster2/ca-cert.pem");
        Assert.NotEqual(0, code);
    }

    [Fact]
    public async Task A_root_made_by_OpenSsl_as_the_Makefile_does_signs_an_intermediate_OpenSsl_verifies_and_like_its_own()
    {
        OpenSsl.Require();
        using var dir = new TempFolder();
        OpenSsl.MakefileRoot(dir.Path);
        OpenSsl.MakefileIntermediate(dir.Path, "theirs");

        var root = CertificateAuthorityStore.Read(dir.Path, CertificateFactory.Now());
        Assert.Equal(("O=Istio, CN=Root CA", CertificateKeyAlgorithm.Rsa, 4096), (root.Subject, root.KeyAlgorithm, root.KeySize));
        await MakeAsync(root, new ClusterCertificateRequest(new[] { "ours" }, dir.Path, CertificateFactory.DefaultValidity, null, 2048, false));
        Assert.Equal("cert-chain.pem: OK\n", OpenSsl.Run(dir["ours"], "verify", "-CAfile", "root-cert.pem", "cert-chain.pem"));
        Assert.Equal("ours/ca-cert.pem: OK\n", OpenSsl.Run(dir.Path, "verify", "-CAfile", "root-cert.pem", "ours/ca-cert.pem"));

        // The intermediate OpenSSL makes from the Makefile and ours, side by side: the same fields and extensions in the same order.
        var theirs = Anatomy(dir["theirs/ca-cert.pem"]);
        var ours = Anatomy(dir["ours/ca-cert.pem"]);
        Assert.Equal(theirs.Version, ours.Version);
        Assert.Equal(theirs.Serial.Length, ours.Serial.Length);
        Assert.Equal(theirs.SignatureAlgorithm, ours.SignatureAlgorithm);
        Assert.Equal(theirs.IssuerDer, ours.IssuerDer);
        Assert.Equal(theirs.Subject.Select(r => r.Oid == LocalityOid ? r with { Value = "?" } : r), ours.Subject.Select(r => r.Oid == LocalityOid ? r with { Value = "?" } : r));
        // One deliberate difference: OpenSSL gives the intermediate 3650 days from its own making, seconds past the root's end;
        // ours ends with the root.
        Assert.Equal(TimeSpan.FromDays(3650), theirs.NotAfter - theirs.NotBefore);
        Assert.Equal(root.NotAfter, ours.NotAfter.UtcDateTime);
        Assert.InRange(ours.NotBefore + TimeSpan.FromDays(3650) - ours.NotAfter, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        Assert.Equal(theirs.Extensions.Select(e => (e.Oid, e.Critical)), ours.Extensions.Select(e => (e.Oid, e.Critical)));
        Assert.Equal(theirs.Extensions.Where(e => e.Oid != SubjectKeyIdentifierOid).Select(e => Convert.ToHexString(e.Value)),
            ours.Extensions.Where(e => e.Oid != SubjectKeyIdentifierOid).Select(e => Convert.ToHexString(e.Value)));

        // And the module reads what the Makefile left for a cluster, as istiod would.
        var validated = CacertsValidator.Validate(ClusterCertificateStore.Read(dir["theirs"]), CertificateFactory.Now());
        Assert.Equal(root.Thumbprint, validated.RootThumbprint);
        Assert.Equal("theirs", validated.ClusterName);
    }

    [Fact]
    public async Task Several_clusters_get_one_intermediate_each_under_one_root_in_order()
    {
        var root = await RootAsync();
        var made = await IntermediatesAsync(root, null, "east", "west", "east");

        Assert.Equal(new[] { "east", "west" }, made.Select(m => m.ClusterName));
        Assert.All(made, m => Assert.Equal(root.Thumbprint, m.RootThumbprint));
        Assert.NotEqual(made[0].Thumbprint, made[1].Thumbprint);
        Assert.All(made, m => Assert.Null(m.Path));
        Assert.Equal(CertificateKeyAlgorithm.Ecdsa, made[0].KeyAlgorithm); // the root's algorithm unless asked
    }

    [Fact]
    public async Task Never_valid_past_the_root_and_a_real_shortening_is_a_warning()
    {
        var root = await RootAsync(validFor: TimeSpan.FromDays(10));
        var reporter = new RecordingReporter();
        var made = Assert.Single(await MakeAsync(root, new ClusterCertificateRequest(new[] { "c1" }, null, TimeSpan.FromDays(365), null, null, false), reporter));

        Assert.Equal(root.NotAfter, made.NotAfter);
        var warning = Assert.Single(reporter.Warnings);
        Assert.Contains("'c1' ends with its root on", warning);

        // The defaults (3650 days each, the root made seconds before): cut to the root, silently.
        var fresh = await RootAsync();
        var quiet = new RecordingReporter();
        var intermediate = Assert.Single(await MakeAsync(fresh, new ClusterCertificateRequest(new[] { "c1" }, null, CertificateFactory.DefaultValidity, null, null, false), quiet));
        Assert.True(intermediate.NotAfter <= fresh.NotAfter);
        Assert.Empty(quiet.Warnings);
    }

    [Theory]
    [InlineData("Cluster1")]
    [InlineData("cluster_1")]
    [InlineData("-cluster")]
    [InlineData("")]
    public async Task A_bad_cluster_name_among_good_ones_writes_nothing(string bad)
    {
        using var dir = new TempFolder();
        var root = await RootAsync();
        var ex = await Assert.ThrowsAsync<MeshClusterException>(() => IntermediatesAsync(root, dir.Path, "good", bad));
        Assert.Equal(ErrorIds.ClusterNameInvalid, ex.ErrorId);
        Assert.Empty(FilesUnder(dir.Path));
    }

    [Fact]
    public async Task Existing_files_of_any_cluster_are_kept_before_the_first_key_unless_forced()
    {
        using var dir = new TempFolder();
        var root = await RootAsync();
        Directory.CreateDirectory(dir["b"]);
        File.WriteAllText(dir["b/ca-key.pem"], "keep me");

        var ex = await Assert.ThrowsAsync<MeshClusterException>(() => IntermediatesAsync(root, dir.Path, "a", "b"));
        Assert.Equal(ErrorIds.ClusterCertificateExists, ex.ErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.ResourceExists, ex.Category);
        Assert.Equal(dir["b"], ex.Target);
        Assert.Equal(new[] { "b", "b/ca-key.pem" }, FilesUnder(dir.Path));

        await MakeAsync(root, new ClusterCertificateRequest(new[] { "a", "b" }, dir.Path, CertificateFactory.DefaultValidity, null, null, Force: true));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(dir["b/ca-key.pem"]));
        Assert.All(new[] { "a", "b" }, c => Assert.All(Four, f => Assert.True(File.Exists(Path.Combine(dir[c], f)))));
    }

    private static void AssertSignedBy(string certificatePem, string issuerPem)
    {
        var der = Der(certificatePem);
        var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var tbs = outer.ReadEncodedValue().ToArray();
        outer.ReadSequence();
        var signature = outer.ReadBitString(out _);
        using var issuer = X509CertificateLoader.LoadCertificate(Der(issuerPem));
        using var ec = issuer.GetECDsaPublicKey();
        using var rsa = issuer.GetRSAPublicKey();
        var ok = ec is not null
            ? ec.VerifyData(tbs, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)
            : rsa!.VerifyData(tbs, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Assert.True(ok, "the signature does not verify with the issuer's public key");
    }
}
