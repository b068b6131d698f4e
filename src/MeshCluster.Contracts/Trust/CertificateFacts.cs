using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MeshCluster;

/// <summary>What the output types show of a certificate, read the same way everywhere.</summary>
internal static class CertificateFacts
{
    /// <summary>The distinguished name in the certificate's own order, as openssl prints it (O=Istio, CN=Root CA).</summary>
    public static string Name(X500DistinguishedName name) => name.Decode(X500DistinguishedNameFlags.None);

    /// <summary>SHA-256 of the DER certificate, upper-case hex.</summary>
    public static string Thumbprint(X509Certificate2 certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256);

    public static DateTime NotBefore(X509Certificate2 certificate) => certificate.NotBefore.ToUniversalTime();

    public static DateTime NotAfter(X509Certificate2 certificate) => certificate.NotAfter.ToUniversalTime();

    public static CertificateKeyAlgorithm Algorithm(X509Certificate2 certificate) =>
        certificate.GetECDsaPublicKey() is { } ec ? Dispose(ec, CertificateKeyAlgorithm.Ecdsa) : CertificateKeyAlgorithm.Rsa;

    public static int KeySize(X509Certificate2 certificate)
    {
        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is not null) return rsa.KeySize;
        using var ec = certificate.GetECDsaPublicKey();
        return ec?.KeySize ?? 0;
    }

    /// <summary>The certificate as PEM, as root-cert.pem holds it (OpenSSL's form: 64-character lines, a final newline).</summary>
    public static string Pem(X509Certificate2 certificate) => new string(PemEncoding.Write("CERTIFICATE", certificate.RawData)) + "\n";

    /// <summary>The certificate alone: a copy that can never carry a private key, whatever the caller held.</summary>
    public static X509Certificate2 PublicOnly(X509Certificate2 certificate) => new(certificate.RawData);

    private static T Dispose<T>(IDisposable d, T value)
    {
        d.Dispose();
        return value;
    }
}
