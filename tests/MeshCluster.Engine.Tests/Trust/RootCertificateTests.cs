using System.Formats.Asn1;
using System.Security.Cryptography;
using MeshCluster.Engine.Tests.TestSupport;
using MeshCluster.Engine.Trust;
using static MeshCluster.Engine.Tests.Trust.TrustTestSupport;

namespace MeshCluster.Engine.Tests.Trust;

/// <summary>The root CA against Istio's tools/certs Makefile (root-ca.conf of common.mk), parsed here field by field.</summary>
public sealed class RootCertificateTests
{
    private static void Out(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    [Fact]
    public async Task Default_root_is_the_Makefiles_RSA_4096_root_field_for_field()
    {
        using var dir = new TempFolder();
        var reporter = new RecordingReporter();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var started = DateTime.UtcNow;
        var root = await RootAsync(dir.Path, CertificateKeyAlgorithm.Rsa, keySize: null, reporter: reporter);
        Out($"RSA 4096 root (key and certificate) in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        var after = DateTimeOffset.UtcNow.AddSeconds(1);

        var cert = Anatomy(dir["root-cert.pem"]);
        Assert.Equal(3, cert.Version);
        Assert.Equal(20, cert.Serial.Length);
        Assert.InRange(cert.Serial[0], (byte)0x01, (byte)0x7F); // positive, shortest encoding
        Assert.Equal(Sha256WithRsa, cert.SignatureAlgorithm);
        Assert.True(cert.SignatureAlgorithmHasNullParameters);
        Assert.Equal(new[]
        {
            new CertificateAnatomy.Rdn(OrganizationOid, UniversalTagNumber.UTF8String, "Istio"),
            new CertificateAnatomy.Rdn(CommonNameOid, UniversalTagNumber.UTF8String, "Root CA"),
        }, cert.Subject);
        Assert.Equal(cert.SubjectDer, cert.IssuerDer);
        Assert.InRange(cert.NotBefore, before, after);
        Assert.Equal(TimeSpan.FromDays(3650), cert.NotAfter - cert.NotBefore);
        Assert.Equal(UniversalTagNumber.UtcTime, cert.NotAfterEncoding);

        Assert.Equal(RsaEncryption, cert.PublicKeyAlgorithm);
        using (var rsa = RSA.Create())
        {
            rsa.ImportRSAPublicKey(cert.SubjectPublicKey, out _);
            Assert.Equal(4096, rsa.KeySize);
            Assert.Equal(new byte[] { 1, 0, 1 }, rsa.ExportParameters(false).Exponent);
        }

        // subjectKeyIdentifier = hash; basicConstraints = critical, CA:true; keyUsage = critical, ...: in that order, nothing else.
        Assert.Equal(new[] { (SubjectKeyIdentifierOid, false), (BasicConstraintsOid, true), (KeyUsageOid, true) }, cert.Extensions.Select(e => (e.Oid, e.Critical)));
        Assert.Equal(KeyHash(cert.SubjectPublicKey), CertificateAnatomy.SubjectKeyIdentifier(cert.Single(SubjectKeyIdentifierOid).Value));
        Assert.Equal((true, null), CertificateAnatomy.BasicConstraints(cert.Single(BasicConstraintsOid).Value));
        Assert.Equal(MakefileKeyUsage, CertificateAnatomy.KeyUsageBits(cert.Single(KeyUsageOid).Value));

        // The object says what the certificate says.
        var der = Der(File.ReadAllText(dir["root-cert.pem"]));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(der)), root.Thumbprint);
        Assert.Equal("O=Istio, CN=Root CA", root.Subject);
        Assert.Equal((cert.NotBefore.UtcDateTime, cert.NotAfter.UtcDateTime), (root.NotBefore, root.NotAfter));
        Assert.Equal((CertificateKeyAlgorithm.Rsa, 4096), (root.KeyAlgorithm, root.KeySize));
        Assert.Equal(dir.Path, root.Path);
        Assert.False(root.Certificate.HasPrivateKey);
        Assert.Equal(File.ReadAllText(dir["root-cert.pem"]), root.CertificatePem);
        Assert.Equal(der, root.GetCertificate().RawData);
        Assert.False(root.GetCertificate().HasPrivateKey);

        // The key file: PKCS#8 as OpenSSL 3 writes it, owner only; it is the certificate's key.
        var keyPem = File.ReadAllText(dir["root-key.pem"]);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----\n", keyPem);
        using (var key = RSA.Create())
        {
            key.ImportFromPem(keyPem);
            Assert.Equal(cert.SubjectPublicKey, key.ExportRSAPublicKey());
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir["root-key.pem"]));
        }

        // It said what took the time, and never the key.
        Assert.Contains(reporter.Verbose, v => v.StartsWith("Generated the root's RSA 4096 key in ", StringComparison.Ordinal));
        Assert.Contains(reporter.Progress, p => p.Contains("RSA 4096", StringComparison.Ordinal));
        AssertNoKey(keyPem, reporter);
    }

    [Fact]
    public async Task OpenSsl_reads_the_root_as_the_Makefiles_and_its_files_are_OpenSsl_bytes()
    {
        OpenSsl.Require();
        using var dir = new TempFolder();
        await RootAsync(dir.Path, CertificateKeyAlgorithm.Rsa, keySize: 2048);

        var text = OpenSsl.Run(dir.Path, "x509", "-noout", "-text", "-in", "root-cert.pem");
        Assert.Contains("Issuer: O = Istio, CN = Root CA", text);
        Assert.Contains("Subject: O = Istio, CN = Root CA", text);
        Assert.Contains("Signature Algorithm: sha256WithRSAEncryption", text);
        Assert.Contains("X509v3 Basic Constraints: critical\n                CA:TRUE\n", text);
        Assert.Contains("X509v3 Key Usage: critical\n                Digital Signature, Non Repudiation, Key Encipherment, Certificate Sign\n", text);
        Assert.Contains("X509v3 Subject Key Identifier:", text);
        Assert.Equal("root-cert.pem: OK\n", OpenSsl.Run(dir.Path, "verify", "-CAfile", "root-cert.pem", "root-cert.pem"));

        // OpenSSL writing the same certificate and key again gives the same bytes: the files are in OpenSSL's own PEM form.
        OpenSsl.Run(dir.Path, "x509", "-in", "root-cert.pem", "-out", "again-cert.pem");
        OpenSsl.Run(dir.Path, "pkey", "-in", "root-key.pem", "-out", "again-key.pem");
        Assert.Equal(File.ReadAllBytes(dir["again-cert.pem"]), File.ReadAllBytes(dir["root-cert.pem"]));
        Assert.Equal(File.ReadAllBytes(dir["again-key.pem"]), File.ReadAllBytes(dir["root-key.pem"]));
        OpenSsl.Run(dir.Path, "pkey", "-in", "root-key.pem", "-check", "-noout");
    }

    [Fact]
    public async Task Root_has_the_same_structure_as_the_root_OpenSsl_makes_from_the_Makefile()
    {
        OpenSsl.Require();
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir["openssl"]);
        OpenSsl.MakefileRoot(dir["openssl"]);
        await RootAsync(dir["ours"], CertificateKeyAlgorithm.Rsa);

        var theirs = Anatomy(dir["openssl/root-cert.pem"]);
        var ours = Anatomy(dir["ours/root-cert.pem"]);
        Assert.Equal(theirs.Version, ours.Version);
        Assert.Equal(theirs.Serial.Length, ours.Serial.Length);
        Assert.Equal(theirs.SignatureAlgorithm, ours.SignatureAlgorithm);
        Assert.Equal(theirs.SubjectDer, ours.SubjectDer);
        Assert.Equal(theirs.IssuerDer, ours.IssuerDer);
        Assert.Equal(theirs.NotAfter - theirs.NotBefore, ours.NotAfter - ours.NotBefore);
        Assert.Equal(theirs.NotAfterEncoding, ours.NotAfterEncoding);
        Assert.Equal(theirs.PublicKeyAlgorithm, ours.PublicKeyAlgorithm);
        Assert.Equal(theirs.SubjectPublicKey.Length, ours.SubjectPublicKey.Length);
        // Every extension the same, in the same order, byte for byte (but the key identifier, which hashes another key).
        Assert.Equal(theirs.Extensions.Select(e => (e.Oid, e.Critical)), ours.Extensions.Select(e => (e.Oid, e.Critical)));
        Assert.Equal(theirs.Extensions.Where(e => e.Oid != SubjectKeyIdentifierOid).Select(e => Convert.ToHexString(e.Value)),
            ours.Extensions.Where(e => e.Oid != SubjectKeyIdentifierOid).Select(e => Convert.ToHexString(e.Value)));
        Assert.Equal(File.ReadAllText(dir["openssl/root-key.pem"]).Split('\n')[0], File.ReadAllText(dir["ours/root-key.pem"]).Split('\n')[0]);
    }

    [Theory]
    [InlineData(256, "1.2.840.10045.3.1.7")]
    [InlineData(384, "1.3.132.0.34")]
    public async Task Ecdsa_root_is_a_named_curve_key_signed_with_ecdsa_with_SHA256(int size, string curve)
    {
        using var dir = new TempFolder();
        var root = await RootAsync(dir.Path, CertificateKeyAlgorithm.Ecdsa, size);

        var cert = Anatomy(dir["root-cert.pem"]);
        Assert.Equal(EcdsaWithSha256, cert.SignatureAlgorithm);
        Assert.False(cert.SignatureAlgorithmHasNullParameters);
        Assert.Equal(EcPublicKey, cert.PublicKeyAlgorithm);
        var spki = new AsnReader(root.Certificate.PublicKey.ExportSubjectPublicKeyInfo(), AsnEncodingRules.DER).ReadSequence().ReadSequence();
        spki.ReadObjectIdentifier();
        Assert.Equal(curve, spki.ReadObjectIdentifier());
        Assert.Equal((CertificateKeyAlgorithm.Ecdsa, size), (root.KeyAlgorithm, root.KeySize));
        Assert.Equal(new[] { SubjectKeyIdentifierOid, BasicConstraintsOid, KeyUsageOid }, cert.Extensions.Select(e => e.Oid));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----\n", File.ReadAllText(dir["root-key.pem"]));
    }

    [Fact]
    public async Task Organization_common_name_and_validity_are_taken_as_given()
    {
        var request = new CertificateAuthorityRequest(null, "Contoso Mesh", "Contoso Root", TimeSpan.FromDays(30), CertificateKeyAlgorithm.Ecdsa, null, false);
        var root = (await CertificateAuthorityMaker.CreateAsync(request, (_, _) => Task.FromResult(true), NullReporter.Instance, TestContext.Current.CancellationToken))!;

        var cert = CertificateAnatomy.Parse(root.Certificate.RawData);
        Assert.Equal(new[] { (OrganizationOid, "Contoso Mesh"), (CommonNameOid, "Contoso Root") }, cert.Subject.Select(r => (r.Oid, r.Value)));
        Assert.Equal(TimeSpan.FromDays(30), cert.NotAfter - cert.NotBefore);
        Assert.Null(root.Path);
    }

    [Theory]
    [InlineData(CertificateKeyAlgorithm.Rsa, 1024)]
    [InlineData(CertificateKeyAlgorithm.Rsa, 4000)]
    [InlineData(CertificateKeyAlgorithm.Rsa, 16384)]
    [InlineData(CertificateKeyAlgorithm.Ecdsa, 521)]
    [InlineData(CertificateKeyAlgorithm.Ecdsa, 4096)]
    public async Task Key_sizes_that_do_not_fit_the_algorithm_are_refused_before_anything_is_made(CertificateKeyAlgorithm algorithm, int size)
    {
        using var dir = new TempFolder();
        var ex = await Assert.ThrowsAsync<Errors.MeshClusterException>(() => RootAsync(dir["certs"], algorithm, size));
        Assert.Equal(Errors.ErrorIds.CertificateKeySizeInvalid, ex.ErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, ex.Category);
        Assert.Equal(size, ex.Target);
        Assert.Empty(FilesUnder(dir.Path));
    }

    [Fact]
    public async Task Validity_under_a_day_is_refused()
    {
        var ex = await Assert.ThrowsAsync<Errors.MeshClusterException>(() => RootAsync(validFor: TimeSpan.FromHours(23)));
        Assert.Equal(Errors.ErrorIds.CertificateValidityInvalid, ex.ErrorId);
    }

    [Fact]
    public async Task Ctrl_C_while_the_key_is_made_ends_the_wait_and_writes_nothing()
    {
        using var dir = new TempFolder();
        // 10 ms: an RSA 4096 key is never made that fast (at 50 ms one was, once, and the test failed on a quiet host).
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(10));
        var request = new CertificateAuthorityRequest(dir["certs"], "Istio", "Root CA", CertificateFactory.DefaultValidity, CertificateKeyAlgorithm.Rsa, 4096, false);

        var started = DateTime.UtcNow;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CertificateAuthorityMaker.CreateAsync(request, (_, _) => Task.FromResult(true), NullReporter.Instance, cts.Token));
        Out($"RSA 4096 generation abandoned after {(DateTime.UtcNow - started).TotalMilliseconds:0} ms");
        Assert.Empty(FilesUnder(dir.Path));
    }

    /// <summary>Neither the PEM nor any 16-character piece of its base64 appears in what was reported.</summary>
    internal static void AssertNoKey(string keyPem, RecordingReporter reporter)
    {
        var text = string.Join("\n", reporter.Verbose.Concat(reporter.Warnings).Concat(reporter.Debug).Concat(reporter.Progress));
        foreach (var line in keyPem.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(line[..16], text, StringComparison.Ordinal);
        }
    }
}
