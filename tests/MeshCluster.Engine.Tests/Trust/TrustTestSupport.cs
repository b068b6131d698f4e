using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MeshCluster.Engine.Trust;

namespace MeshCluster.Engine.Tests.Trust;

internal static class TrustTestSupport
{
    public const string Sha256WithRsa = "1.2.840.113549.1.1.11";
    public const string EcdsaWithSha256 = "1.2.840.10045.4.3.2";
    public const string RsaEncryption = "1.2.840.113549.1.1.1";
    public const string EcPublicKey = "1.2.840.10045.2.1";
    public const string SubjectKeyIdentifierOid = "2.5.29.14";
    public const string KeyUsageOid = "2.5.29.15";
    public const string SubjectAltNameOid = "2.5.29.17";
    public const string BasicConstraintsOid = "2.5.29.19";
    public const string AuthorityKeyIdentifierOid = "2.5.29.35";
    public const string OrganizationOid = "2.5.4.10";
    public const string CommonNameOid = "2.5.4.3";
    public const string LocalityOid = "2.5.4.7";

    /// <summary>digitalSignature(0), nonRepudiation(1), keyEncipherment(2), keyCertSign(5): the keyUsage of common.mk.</summary>
    public static readonly int[] MakefileKeyUsage = { 0, 1, 2, 5 };

    /// <summary>A root made by the engine (ECDSA unless asked otherwise: instant), optionally written to <paramref name="folder"/>.</summary>
    public static async Task<IstioCertificateAuthority> RootAsync(string? folder = null, CertificateKeyAlgorithm algorithm = CertificateKeyAlgorithm.Ecdsa,
        int? keySize = null, TimeSpan? validFor = null, IOperationReporter? reporter = null)
    {
        var request = new CertificateAuthorityRequest(folder, CertificateFactory.DefaultOrganization, CertificateFactory.DefaultRootCommonName,
            validFor ?? CertificateFactory.DefaultValidity, algorithm, keySize, Force: false);
        return (await CertificateAuthorityMaker.CreateAsync(request, (_, _) => Task.FromResult(true), reporter ?? NullReporter.Instance, Ct))!;
    }

    /// <summary>Intermediates made by the engine for <paramref name="clusters"/>.</summary>
    public static async Task<List<IstioClusterCertificate>> IntermediatesAsync(IstioCertificateAuthority root, string? folder, params string[] clusters) =>
        await MakeAsync(root, new ClusterCertificateRequest(clusters, folder, CertificateFactory.DefaultValidity, null, null, false));

    public static async Task<List<IstioClusterCertificate>> MakeAsync(IstioCertificateAuthority root, ClusterCertificateRequest request,
        IOperationReporter? reporter = null)
    {
        var made = new List<IstioClusterCertificate>();
        await ClusterCertificateMaker.CreateAsync(root, request, (_, _) => Task.FromResult(true), made.Add, reporter ?? NullReporter.Instance, Ct);
        return made;
    }

    public static CertificateAnatomy Anatomy(string pemFile) => CertificateAnatomy.Parse(Der(File.ReadAllText(pemFile)));

    /// <summary>The DER of the first certificate block, decoded here (not by the code under test).</summary>
    public static byte[] Der(string pem)
    {
        const string begin = "-----BEGIN CERTIFICATE-----", end = "-----END CERTIFICATE-----";
        var start = pem.IndexOf(begin, StringComparison.Ordinal) + begin.Length;
        return Convert.FromBase64String(pem[start..pem.IndexOf(end, start, StringComparison.Ordinal)].Replace("\n", string.Empty));
    }

    /// <summary>What subjectKeyIdentifier = hash means (RFC 5280 4.2.1.2 method 1): SHA-1 of the subjectPublicKey bits.</summary>
    public static byte[] KeyHash(byte[] subjectPublicKey) => SHA1.HashData(subjectPublicKey);

    /// <summary>A certificate pair made here with .NET directly (not by the engine): for roots the engine would never make.</summary>
    public static (X509Certificate2 Certificate, ECDsa Key) HandMadeRoot(string subject, DateTimeOffset notBefore, DateTimeOffset notAfter, bool ca = true, int? pathLength = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, pathLength is not null, pathLength ?? 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var certificate = request.CreateSelfSigned(notBefore, notAfter);
        return (X509CertificateLoader.LoadCertificate(certificate.RawData), key);
    }

    public static void WritePair(string folder, X509Certificate2 certificate, AsymmetricAlgorithm key, string certFile = "root-cert.pem", string keyFile = "root-key.pem")
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(System.IO.Path.Combine(folder, certFile), certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(System.IO.Path.Combine(folder, keyFile), key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    /// <summary>All files under a folder, relative, sorted: for "nothing was written" assertions.</summary>
    public static string[] FilesUnder(string folder) =>
        Directory.Exists(folder)
            ? Directory.GetFileSystemEntries(folder, "*", SearchOption.AllDirectories).Select(f => System.IO.Path.GetRelativePath(folder, f)).Order(StringComparer.Ordinal).ToArray()
            : Array.Empty<string>();
}
