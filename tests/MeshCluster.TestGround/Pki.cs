using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MeshCluster.TestGround;

/// <summary>
/// Certificates and keys for one cluster, made in-process so the test ground needs no openssl:
/// a CA, an API-server serving certificate for 127.0.0.1/localhost signed by it, and the
/// service-account signing key pair. ECDSA for certificates (instant); RSA for the service-account
/// key because every Kubernetes release reads it.
/// </summary>
internal static class Pki
{
    public sealed record ClusterPki(string CaFile, string ServingCertFile, string ServingKeyFile, string ServiceAccountKeyFile,
        string ServiceAccountPublicKeyFile);

    public static ClusterPki Write(string dir, string clusterName)
    {
        Directory.CreateDirectory(dir);
        var notBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
        var notAfter = DateTimeOffset.UtcNow.AddDays(30);

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={clusterName}-ca, O=MeshCluster TestGround", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(notBefore, notAfter);

        using var servingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var servingRequest = new CertificateRequest($"CN=kube-apiserver-{clusterName}", servingKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddDnsName("localhost");
        san.AddDnsName("kubernetes");
        san.AddDnsName("kubernetes.default.svc");
        servingRequest.CertificateExtensions.Add(san.Build());
        servingRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        servingRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        servingRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        servingRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var serving = servingRequest.Create(ca, notBefore, notAfter, serial);

        using var saKey = RSA.Create(2048);

        var result = new ClusterPki(
            Path.Combine(dir, "ca.crt"), Path.Combine(dir, "apiserver.crt"), Path.Combine(dir, "apiserver.key"),
            Path.Combine(dir, "sa.key"), Path.Combine(dir, "sa.pub"));
        File.WriteAllText(result.CaFile, ca.ExportCertificatePem() + "\n");
        File.WriteAllText(result.ServingCertFile, serving.ExportCertificatePem() + "\n");
        WritePrivate(result.ServingKeyFile, servingKey.ExportPkcs8PrivateKeyPem() + "\n");
        WritePrivate(result.ServiceAccountKeyFile, saKey.ExportRSAPrivateKeyPem() + "\n");
        File.WriteAllText(result.ServiceAccountPublicKeyFile, saKey.ExportSubjectPublicKeyInfoPem() + "\n");
        return result;
    }

    /// <summary>A random bearer token (hex, as the token file needs no commas or quotes).</summary>
    public static string NewToken() => Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();

    public static void WritePrivate(string path, string content)
    {
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
