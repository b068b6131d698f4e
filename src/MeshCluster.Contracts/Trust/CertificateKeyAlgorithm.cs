namespace MeshCluster;

/// <summary>The key type of a mesh CA certificate.</summary>
public enum CertificateKeyAlgorithm
{
    /// <summary>RSA (Istio's Makefile: 4096 bits).</summary>
    Rsa,

    /// <summary>ECDSA on NIST P-256 (or P-384): keys made in milliseconds instead of seconds.</summary>
    Ecdsa,
}
