using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MeshCluster.TestGround;

/// <summary>
/// Certificates and keys for one cluster, made in-process so the test ground needs no openssl:
/// a CA (its key kept beside it, for the proxies' serving certificates), an API-server serving
/// certificate for 127.0.0.1/localhost signed by it, and the service-account signing key pair.
/// ECDSA for certificates (instant); RSA for the service-account key because every Kubernetes
/// release reads it.
/// </summary>
internal static class Pki
{
    public sealed record ClusterPki(string CaFile, string CaKeyFile, string ServingCertFile, string ServingKeyFile, string ServiceAccountKeyFile,
        string ServiceAccountPublicKeyFile);

    /// <summary>The names the API server's certificate is issued for.</summary>
    public static readonly string[] ApiServerDnsNames = { "localhost", "kubernetes", "kubernetes.default.svc" };

    public static ClusterPki Write(string dir, string clusterName)
    {
        Directory.CreateDirectory(dir);
        using var ca = NewCa($"{clusterName}-ca");
        using var serving = IssueServing(ca, $"kube-apiserver-{clusterName}", new[] { IPAddress.Loopback }, ApiServerDnsNames);
        using var saKey = RSA.Create(2048);

        var result = new ClusterPki(
            Path.Combine(dir, "ca.crt"), Path.Combine(dir, "ca.key"), Path.Combine(dir, "apiserver.crt"), Path.Combine(dir, "apiserver.key"),
            Path.Combine(dir, "sa.key"), Path.Combine(dir, "sa.pub"));
        File.WriteAllText(result.CaFile, ca.ExportCertificatePem() + "\n");
        WritePrivate(result.CaKeyFile, ca.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
        File.WriteAllText(result.ServingCertFile, serving.ExportCertificatePem() + "\n");
        WritePrivate(result.ServingKeyFile, serving.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
        WritePrivate(result.ServiceAccountKeyFile, saKey.ExportRSAPrivateKeyPem() + "\n");
        File.WriteAllText(result.ServiceAccountPublicKeyFile, saKey.ExportSubjectPublicKeyInfoPem() + "\n");
        return result;
    }

    /// <summary>A self-signed CA with its private key.</summary>
    public static X509Certificate2 NewCa(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}, O=MeshCluster TestGround", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
    }

    /// <summary>A CA certificate and its key from PEM files, usable for signing.</summary>
    public static X509Certificate2 LoadCa(string certFile, string keyFile) => X509Certificate2.CreateFromPemFile(certFile, keyFile);

    /// <summary>
    /// A TLS serving certificate signed by <paramref name="ca"/> for exactly these addresses and names,
    /// with its private key, loadable by SslStream on every platform.
    /// </summary>
    public static X509Certificate2 IssueServing(X509Certificate2 ca, string commonName, IEnumerable<IPAddress> ipAddresses, IEnumerable<string> dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var ip in ipAddresses) san.AddIpAddress(ip);
        foreach (var name in dnsNames) san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        // Within the CA's own validity, as the issuer requires.
        var notBefore = Max(DateTimeOffset.UtcNow.AddMinutes(-5), new DateTimeOffset(ca.NotBefore.ToUniversalTime()));
        var notAfter = Min(DateTimeOffset.UtcNow.AddDays(30), new DateTimeOffset(ca.NotAfter.ToUniversalTime()));
        using var issued = request.Create(ca, notBefore, notAfter, serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        // A round trip through PKCS#12: SslStream on Windows refuses an ephemeral key.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>
    /// A client certificate signed by <paramref name="ca"/> (the API server's --client-ca-file): the API server takes CN as the user
    /// and each O as a group. PEM of the certificate and its PKCS#8 key.
    /// </summary>
    public static (string CertificatePem, string KeyPem) IssueClient(X509Certificate2 ca, string user, IEnumerable<string> groups, TimeSpan validFor)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        foreach (var group in groups) subject.AddOrganizationName(group);
        subject.AddCommonName(user);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.2") }, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var notBefore = Max(DateTimeOffset.UtcNow.AddMinutes(-5), new DateTimeOffset(ca.NotBefore.ToUniversalTime()));
        var notAfter = Min(DateTimeOffset.UtcNow.Add(validFor), new DateTimeOffset(ca.NotAfter.ToUniversalTime()));
        using var issued = request.Create(ca, notBefore, notAfter, serial);
        return (issued.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>A random bearer token (hex, as the token file needs no commas or quotes).</summary>
    public static string NewToken() => Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();

    public static void WritePrivate(string path, string content)
    {
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
