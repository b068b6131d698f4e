using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MeshCluster;

/// <summary>
/// One cluster's intermediate CA, signed by the mesh root (New-IstioClusterCertificate): what istiod signs workload certificates
/// with once Publish-IstioClusterCertificate has written it as the cluster's cacerts Secret. The private key travels inside,
/// in a non-public member only.
/// </summary>
public sealed class IstioClusterCertificate
{
    internal IstioClusterCertificate(string clusterName, X509Certificate2 certificate, AsymmetricAlgorithm privateKey, X509Certificate2 rootCertificate,
        string? path)
    {
        ClusterName = clusterName;
        Certificate = CertificateFacts.PublicOnly(certificate);
        RootCertificate = CertificateFacts.PublicOnly(rootCertificate);
        CertificatePem = CertificateFacts.Pem(Certificate);
        RootCertificatePem = CertificateFacts.Pem(RootCertificate);
        PrivateKey = privateKey;
        Path = path;
        Subject = CertificateFacts.Name(Certificate.SubjectName);
        Issuer = CertificateFacts.Name(Certificate.IssuerName);
        NotBefore = CertificateFacts.NotBefore(Certificate);
        NotAfter = CertificateFacts.NotAfter(Certificate);
        Thumbprint = CertificateFacts.Thumbprint(Certificate);
        RootThumbprint = CertificateFacts.Thumbprint(RootCertificate);
        KeyAlgorithm = CertificateFacts.Algorithm(Certificate);
        KeySize = CertificateFacts.KeySize(Certificate);
    }

    /// <summary>The cluster's name in the mesh (the certificate's L=).</summary>
    public string ClusterName { get; }

    /// <summary>O=Istio, CN=Intermediate CA, L=&lt;cluster&gt;.</summary>
    public string Subject { get; }

    /// <summary>The root's subject.</summary>
    public string Issuer { get; }

    /// <summary>Start of validity (UTC).</summary>
    public DateTime NotBefore { get; }

    /// <summary>End of validity (UTC): never later than the root's.</summary>
    public DateTime NotAfter { get; }

    /// <summary>SHA-256 of the intermediate certificate, upper-case hex.</summary>
    public string Thumbprint { get; }

    /// <summary>SHA-256 of the root it chains to: the same for every cluster of one mesh.</summary>
    public string RootThumbprint { get; }

    /// <summary>Rsa or Ecdsa.</summary>
    public CertificateKeyAlgorithm KeyAlgorithm { get; }

    /// <summary>Bits of the key.</summary>
    public int KeySize { get; }

    /// <summary>The folder &lt;Path&gt;/&lt;cluster&gt; holding ca-cert.pem, ca-key.pem, root-cert.pem and cert-chain.pem; null when not written.</summary>
    public string? Path { get; }

    /// <summary>The intermediate certificate itself, as PEM (what ca-cert.pem holds): text, so that it survives serialization.</summary>
    public string CertificatePem { get; }

    /// <summary>The root certificate as PEM (what root-cert.pem holds).</summary>
    public string RootCertificatePem { get; }

    /// <summary>The intermediate certificate as an X509Certificate2, without its private key (a new copy each call).</summary>
    public X509Certificate2 GetCertificate() => CertificateFacts.PublicOnly(Certificate);

    /// <summary>The root certificate as an X509Certificate2 (a new copy each call).</summary>
    public X509Certificate2 GetRootCertificate() => CertificateFacts.PublicOnly(RootCertificate);

    /// <summary>The intermediate certificate, for the engine.</summary>
    internal X509Certificate2 Certificate { get; }

    /// <summary>The root certificate, for the engine.</summary>
    internal X509Certificate2 RootCertificate { get; }

    /// <summary>The intermediate's private key: for the engine only (InternalsVisibleTo), never a public member.</summary>
    internal AsymmetricAlgorithm PrivateKey { get; }

    /// <summary>Cluster and subject.</summary>
    public override string ToString() => $"{ClusterName}: {Subject}";
}
