using System.Management.Automation;
using System.Security.Cryptography;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Trust;
using static MeshCluster.Engine.Tests.Trust.TrustTestSupport;

namespace MeshCluster.Engine.Tests.Trust;

/// <summary>Reading a root folder: every form of key istiod reads, and every problem with its own id.</summary>
public sealed class CertificateAuthorityStoreTests
{
    private static MeshClusterException ReadFails(string folder) =>
        Assert.Throws<MeshClusterException>(() => CertificateAuthorityStore.Read(folder, CertificateFactory.Now()));

    [Theory]
    [InlineData("genrsa-pkcs8")]
    [InlineData("genrsa-traditional")]
    [InlineData("ec-sec1")]
    [InlineData("ec-pkcs8")]
    public void Keys_in_the_forms_istiod_reads_are_read(string form)
    {
        OpenSsl.Require();
        using var dir = new TempFolder();
        switch (form)
        {
            case "genrsa-pkcs8":
                OpenSsl.Run(dir.Path, "genrsa", "-out", "root-key.pem", "2048");
                break;
            case "genrsa-traditional":
                OpenSsl.Run(dir.Path, "genrsa", "-traditional", "-out", "root-key.pem", "2048");
                Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", File.ReadAllText(dir["root-key.pem"]));
                break;
            case "ec-sec1":
                // ecparam -genkey writes the curve's parameters block first, then the SEC 1 key.
                OpenSsl.Run(dir.Path, "ecparam", "-name", "prime256v1", "-genkey", "-out", "root-key.pem");
                Assert.StartsWith("-----BEGIN EC PARAMETERS-----", File.ReadAllText(dir["root-key.pem"]));
                break;
            case "ec-pkcs8":
                OpenSsl.Run(dir.Path, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "root-key.pem");
                break;
        }

        OpenSsl.Run(dir.Path, "req", "-x509", "-new", "-key", "root-key.pem", "-sha256", "-days", "30", "-subj", "/O=Corp/CN=Corp Root",
            "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "root-cert.pem");

        var root = CertificateAuthorityStore.Read(dir.Path, CertificateFactory.Now());
        Assert.Equal("O=Corp, CN=Corp Root", root.Subject);
        Assert.Equal(form.StartsWith("ec", StringComparison.Ordinal) ? CertificateKeyAlgorithm.Ecdsa : CertificateKeyAlgorithm.Rsa, root.KeyAlgorithm);
        Assert.Equal(dir.Path, root.Path);
        Assert.True(CertificateKeys.Matches(root.Certificate, root.PrivateKey));
    }

    [Fact]
    public void A_missing_folder_or_file_is_not_found_naming_what_is_missing()
    {
        using var dir = new TempFolder();
        var none = ReadFails(dir["nowhere"]);
        Assert.Equal(ErrorIds.CertificateAuthorityNotFound, none.ErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, none.Category);
        Assert.Equal(dir["nowhere"], none.Target);

        var both = ReadFails(dir.Path);
        Assert.Equal(ErrorIds.CertificateAuthorityNotFound, both.ErrorId);
        Assert.Contains("No root-cert.pem and no root-key.pem", both.Message);

        File.WriteAllText(dir["root-cert.pem"], "x");
        var key = ReadFails(dir.Path);
        Assert.Contains("No root-key.pem in", key.Message);
        Assert.DoesNotContain("root-cert.pem and", key.Message);
    }

    [Fact]
    public void A_folder_where_a_file_belongs_or_a_file_where_the_folder_belongs_is_an_invalid_path()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir["root-cert.pem"]);
        File.WriteAllText(dir["root-key.pem"], "x");
        var folder = ReadFails(dir.Path);
        Assert.Equal(ErrorIds.CertificatePathInvalid, folder.ErrorId);
        Assert.Equal(dir["root-cert.pem"], folder.Target);

        var file = ReadFails(dir["root-key.pem"]);
        Assert.Equal(ErrorIds.CertificatePathInvalid, file.ErrorId);
    }

    [Theory]
    [InlineData("no certificate here", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "holds no PEM certificate")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "", "no valid X.509 certificate")]
    [InlineData("VALID", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", "encrypted")]
    [InlineData("VALID", "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n", "encrypted")]
    [InlineData("VALID", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "no readable PKCS#8")]
    [InlineData("VALID", "just text", "holds no PEM private key")]
    public void Unreadable_material_is_invalid_with_the_reason(string certificate, string key, string reason)
    {
        using var dir = new TempFolder();
        if (certificate == "VALID")
        {
            var (cert, k) = HandMadeRoot("O=Istio, CN=Root CA", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            WritePair(dir.Path, cert, k);
        }
        else
        {
            File.WriteAllText(dir["root-cert.pem"], certificate);
        }

        File.WriteAllText(dir["root-key.pem"], key);
        var ex = ReadFails(dir.Path);
        Assert.Equal(ErrorIds.CertificateAuthorityInvalid, ex.ErrorId);
        Assert.Equal(ErrorCategory.InvalidData, ex.Category);
        Assert.Contains(reason, ex.Message);
    }

    [Fact]
    public void A_key_of_another_certificate_is_a_mismatch()
    {
        using var dir = new TempFolder();
        var (cert, _) = HandMadeRoot("O=Istio, CN=Root CA", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        WritePair(dir.Path, cert, other);

        var ex = ReadFails(dir.Path);
        Assert.Equal(ErrorIds.CertificateAuthorityKeyMismatch, ex.ErrorId);
        Assert.Contains("CN=Root CA", ex.Message);

        // The same with an RSA key for an EC certificate.
        using var rsa = RSA.Create(2048);
        WritePair(dir.Path, cert, rsa);
        Assert.Equal(ErrorIds.CertificateAuthorityKeyMismatch, ReadFails(dir.Path).ErrorId);
    }

    [Theory]
    [InlineData(false, null, "CA:TRUE")]
    [InlineData(true, 0, "pathlen:0")]
    public void A_certificate_that_cannot_sign_an_intermediate_CA_is_not_a_CA(bool ca, int? pathLength, string reason)
    {
        using var dir = new TempFolder();
        var (cert, key) = HandMadeRoot("O=Istio, CN=Leaf", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), ca, pathLength);
        WritePair(dir.Path, cert, key);

        var ex = ReadFails(dir.Path);
        Assert.Equal(ErrorIds.CertificateAuthorityNotCA, ex.ErrorId);
        Assert.Contains(reason, ex.Message);
    }

    [Fact]
    public void A_root_without_keyCertSign_is_not_a_CA()
    {
        OpenSsl.Require();
        using var dir = new TempFolder();
        OpenSsl.Run(dir.Path, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-noenc", "-keyout", "root-key.pem", "-out", "root-cert.pem",
            "-days", "30", "-subj", "/O=Istio/CN=Root CA", "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,digitalSignature");
        var ex = ReadFails(dir.Path);
        Assert.Equal(ErrorIds.CertificateAuthorityNotCA, ex.ErrorId);
        Assert.Contains("keyCertSign", ex.Message);
    }

    [Fact]
    public void An_expired_root_and_one_not_yet_valid_have_their_own_ids()
    {
        using var dir = new TempFolder();
        var (old, oldKey) = HandMadeRoot("O=Istio, CN=Root CA", DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1));
        WritePair(dir["old"], old, oldKey);
        var expired = ReadFails(dir["old"]);
        Assert.Equal(ErrorIds.CertificateAuthorityExpired, expired.ErrorId);
        Assert.Contains("expired on", expired.Message);
        Assert.NotNull(expired.RecommendedAction);

        var (future, futureKey) = HandMadeRoot("O=Istio, CN=Root CA", DateTimeOffset.UtcNow.AddDays(2), DateTimeOffset.UtcNow.AddDays(30));
        WritePair(dir["future"], future, futureKey);
        Assert.Equal(ErrorIds.CertificateAuthorityNotYetValid, ReadFails(dir["future"]).ErrorId);
    }

    [Fact]
    public async Task An_existing_root_is_never_overwritten_without_Force_and_nothing_is_generated_first()
    {
        using var dir = new TempFolder();
        var first = await RootAsync(dir.Path);
        var before = File.ReadAllText(dir["root-key.pem"]);
        var asked = false;

        var request = new CertificateAuthorityRequest(dir.Path, "Istio", "Root CA", CertificateFactory.DefaultValidity, CertificateKeyAlgorithm.Ecdsa, null, Force: false);
        var ex = await Assert.ThrowsAsync<MeshClusterException>(() => CertificateAuthorityMaker.CreateAsync(request, (_, _) => Task.FromResult(asked = true), NullReporter.Instance, TestContext.Current.CancellationToken));
        Assert.Equal(ErrorIds.CertificateAuthorityExists, ex.ErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, ex.Category);
        Assert.Equal(dir.Path, ex.Target);
        Assert.False(asked);
        Assert.Equal(before, File.ReadAllText(dir["root-key.pem"]));

        var replaced = (await CertificateAuthorityMaker.CreateAsync(request with { Force = true }, (_, _) => Task.FromResult(true), NullReporter.Instance, TestContext.Current.CancellationToken))!;
        Assert.NotEqual(first.Thumbprint, replaced.Thumbprint);
        Assert.Equal(replaced.Thumbprint, CertificateAuthorityStore.Read(dir.Path, CertificateFactory.Now()).Thumbprint);
    }

    [Fact]
    public async Task Declined_by_ShouldProcess_nothing_is_made()
    {
        using var dir = new TempFolder();
        var request = new CertificateAuthorityRequest(dir["certs"], "Istio", "Root CA", CertificateFactory.DefaultValidity, CertificateKeyAlgorithm.Ecdsa, null, false);
        var target = string.Empty;
        var root = await CertificateAuthorityMaker.CreateAsync(request, (t, _) => { target = t; return Task.FromResult(false); }, NullReporter.Instance, TestContext.Current.CancellationToken);
        Assert.Null(root);
        Assert.Equal(dir["certs"], target);
        Assert.Empty(FilesUnder(dir.Path));
    }

    [Fact]
    public async Task A_root_that_expired_after_it_was_read_signs_nothing_and_writes_nothing()
    {
        // The object as Get-IstioCertificateAuthority would have returned it yesterday (the internal constructor: no check).
        var (certificate, key) = HandMadeRoot("O=Istio, CN=Old Root", DateTimeOffset.UtcNow.AddDays(-20), DateTimeOffset.UtcNow.AddMinutes(-1));
        var root = new IstioCertificateAuthority(certificate, key, null);
        using var dir = new TempFolder();

        var ex = await Assert.ThrowsAsync<MeshClusterException>(() => IntermediatesAsync(root, dir.Path, "c1"));
        Assert.Equal(ErrorIds.CertificateAuthorityExpired, ex.ErrorId);
        Assert.Same(root, ex.Target);
        Assert.Empty(FilesUnder(dir.Path));
    }

    [Fact]
    public async Task A_root_whose_key_is_not_its_own_signs_nothing()
    {
        var (certificate, _) = HandMadeRoot("O=Istio, CN=Root CA", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10));
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var ex = await Assert.ThrowsAsync<MeshClusterException>(() => IntermediatesAsync(new IstioCertificateAuthority(certificate, other, null), null, "c1"));
        Assert.Equal(ErrorIds.CertificateAuthorityKeyMismatch, ex.ErrorId);
    }
}
