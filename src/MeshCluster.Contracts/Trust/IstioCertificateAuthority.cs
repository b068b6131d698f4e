using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MeshCluster;

/// <summary>
/// The mesh's root CA (the trust step of Istio's Add a Remote Cluster guide): made by New-IstioCertificateAuthority or read by
/// Get-IstioCertificateAuthority, and piped to New-IstioClusterCertificate. The private key travels inside, in a non-public
/// member only: no property, view, ToString or serialization shows it.
/// </summary>
public sealed class IstioCertificateAuthority
{
    internal IstioCertificateAuthority(X509Certificate2 certificate, AsymmetricAlgorithm privateKey, string? path)
    {
        Certificate = CertificateFacts.PublicOnly(certificate);
        CertificatePem = CertificateFacts.Pem(Certificate);
        PrivateKey = privateKey;
        Path = path;
        Subject = CertificateFacts.Name(Certificate.SubjectName);
        NotBefore = CertificateFacts.NotBefore(Certificate);
        NotAfter = CertificateFacts.NotAfter(Certificate);
        Thumbprint = CertificateFacts.Thumbprint(Certificate);
        KeyAlgorithm = CertificateFacts.Algorithm(Certificate);
        KeySize = CertificateFacts.KeySize(Certificate);
    }

    /// <summary>The subject in the certificate's order, as openssl prints it: O=Istio, CN=Root CA.</summary>
    public string Subject { get; }

    /// <summary>Start of validity (UTC).</summary>
    public DateTime NotBefore { get; }

    /// <summary>End of validity (UTC); no intermediate made from this root is valid longer.</summary>
    public DateTime NotAfter { get; }

    /// <summary>SHA-256 of the certificate, upper-case hex: what Test-IstioMeshTrust compares between clusters.</summary>
    public string Thumbprint { get; }

    /// <summary>Rsa or Ecdsa.</summary>
    public CertificateKeyAlgorithm KeyAlgorithm { get; }

    /// <summary>Bits of the key (4096 for Istio's Makefile; 256 for P-256).</summary>
    public int KeySize { get; }

    /// <summary>The folder holding root-cert.pem and root-key.pem; null when the root was not written.</summary>
    public string? Path { get; }

    /// <summary>
    /// The certificate itself, as PEM (what root-cert.pem holds). Text, so that it survives ConvertTo-Json, Export-Clixml and remoting,
    /// where an X509Certificate2 would arrive as a bag of properties; <see cref="GetCertificate"/> gives the .NET object.
    /// </summary>
    public string CertificatePem { get; }

    /// <summary>The certificate as an X509Certificate2, without its private key (a new copy each call).</summary>
    public X509Certificate2 GetCertificate() => CertificateFacts.PublicOnly(Certificate);

    /// <summary>The certificate, for the engine.</summary>
    internal X509Certificate2 Certificate { get; }

    /// <summary>The root's private key: for the engine only (InternalsVisibleTo), never a public member.</summary>
    internal AsymmetricAlgorithm PrivateKey { get; }

    /// <summary>Subject and thumbprint.</summary>
    public override string ToString() => $"{Subject} ({Thumbprint})";
}
