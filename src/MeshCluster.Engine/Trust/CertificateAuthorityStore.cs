using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.Trust;

/// <summary>A root CA's folder, with the Makefile's file names: root-cert.pem and root-key.pem (owner only).</summary>
public static class CertificateAuthorityStore
{
    public const string CertificateFile = "root-cert.pem";
    public const string KeyFile = "root-key.pem";

    public static (string Certificate, string Key) Files(string folder) => (Path.Combine(folder, CertificateFile), Path.Combine(folder, KeyFile));

    /// <summary>Before the key is made: CertificatePathInvalid, or CertificateAuthorityExists unless <paramref name="force"/>.</summary>
    public static void CheckWritable(string folder, bool force)
    {
        var (cert, key) = Files(folder);
        var existing = TrustFileWriter.Check(folder, new[] { cert, key });
        if (existing.Count > 0 && !force) throw Exists(folder, existing);
    }

    public static void Write(string folder, X509Certificate2 certificate, AsymmetricAlgorithm key, bool force)
    {
        var (cert, keyFile) = Files(folder);
        TrustFileWriter.WriteAll(new[]
        {
            new TrustFile(keyFile, TrustPem.PrivateKey(key), OwnerOnly: true),
            new TrustFile(cert, TrustPem.Certificate(certificate), OwnerOnly: false),
        }, force, path => Exists(folder, new[] { path }));
    }

    /// <summary>
    /// The root in <paramref name="folder"/>, from this module, from Istio's Makefile or from a corporate PKI, checked as a CA that
    /// can sign intermediates now: each problem with its own id. <paramref name="reporter"/> is warned, before the root is used, of a key
    /// file its group or others may read and of an RSA key under 2048 bits.
    /// </summary>
    public static IstioCertificateAuthority Read(string folder, DateTimeOffset now, IOperationReporter? reporter = null)
    {
        TrustFileReader.RequireFolder(folder, f => NotFound(f, $"The folder '{Printable.Quote(f)}' does not exist"));
        var (certFile, keyFile) = Files(folder);
        var text = TrustFileReader.ReadAll(new[] { certFile, keyFile },
            missing => NotFound(folder, $"No {string.Join(" and no ", missing.Select(Path.GetFileName))} in '{Printable.Quote(folder)}'"), new[] { keyFile }, reporter);

        X509Certificate2 certificate;
        AsymmetricAlgorithm key;
        try
        {
            certificate = TrustPem.ReadCertificates(text[0], certFile)[0];
            key = TrustPem.ReadPrivateKey(text[1], keyFile);
        }
        catch (TrustMaterialException ex)
        {
            throw new MeshClusterException(ErrorIds.CertificateAuthorityInvalid, ErrorCategory.InvalidData, ex.Message + ".", target: folder);
        }

        Require(certificate, key, folder, now);
        if (CertificateKeys.Weakness(certificate) is { } weak)
        {
            reporter?.Warning($"The root certificate '{certificate.SubjectName.Decode(X500DistinguishedNameFlags.None)}' in '{Printable.Quote(folder)}': {weak} " +
                              "(a new root: New-IstioCertificateAuthority, then Update-IstioMeshTrust rotates the mesh to it).");
        }

        return new IstioCertificateAuthority(certificate, key, folder);
    }

    /// <summary>The root can sign now: key matches, a CA, within its validity. Also checked again before signing.</summary>
    public static void Require(X509Certificate2 certificate, AsymmetricAlgorithm key, object target, DateTimeOffset now)
    {
        var subject = certificate.SubjectName.Decode(X500DistinguishedNameFlags.None);
        if (!CertificateKeys.Matches(certificate, key))
        {
            throw new MeshClusterException(ErrorIds.CertificateAuthorityKeyMismatch, ErrorCategory.InvalidData,
                $"The private key is not the key of the root certificate '{subject}': {KeyFile} and {CertificateFile} do not belong together.", target: target);
        }

        if (CaCertificateRules.WhyNotRoot(certificate) is { } notCa)
        {
            throw new MeshClusterException(ErrorIds.CertificateAuthorityNotCA, ErrorCategory.InvalidData,
                $"The certificate '{subject}' cannot sign cluster certificates: {notCa}.", target: target);
        }

        var notAfter = certificate.NotAfter.ToUniversalTime();
        if (notAfter <= now.UtcDateTime)
        {
            throw new MeshClusterException(ErrorIds.CertificateAuthorityExpired, ErrorCategory.InvalidData,
                $"The root certificate '{subject}' expired on {CaCertificateRules.Format(notAfter)}.", target: target,
                recommendedAction: "Make a new root (New-IstioCertificateAuthority) and new intermediates for every cluster.");
        }

        var notBefore = certificate.NotBefore.ToUniversalTime();
        if (notBefore > now.UtcDateTime)
        {
            throw new MeshClusterException(ErrorIds.CertificateAuthorityNotYetValid, ErrorCategory.InvalidData,
                $"The root certificate '{subject}' is not valid before {CaCertificateRules.Format(notBefore)}; check this machine's clock.", target: target);
        }
    }

    private static MeshClusterException Exists(string folder, IEnumerable<string> files) =>
        new(ErrorIds.CertificateAuthorityExists, ErrorCategory.ResourceExists,
            $"'{Printable.Quote(folder)}' already holds {string.Join(" and ", files.Select(Path.GetFileName))}; a mesh root is never overwritten without -Force " +
            "(every cluster's intermediate chains to it). Nothing was written.", target: folder,
            recommendedAction: "Read the existing root with Get-IstioCertificateAuthority, or give another -Path.");

    private static MeshClusterException NotFound(string folder, string what) =>
        new(ErrorIds.CertificateAuthorityNotFound, ErrorCategory.ObjectNotFound, $"{what}: no root CA to read.", target: folder,
            recommendedAction: "Make one with New-IstioCertificateAuthority -Path, or give the folder that holds root-cert.pem and root-key.pem.");
}
