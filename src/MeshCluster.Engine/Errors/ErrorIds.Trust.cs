namespace MeshCluster.Engine.Errors;

/// <summary>The trust step: New-/Get-IstioCertificateAuthority, New-/Publish-IstioClusterCertificate, Test-IstioMeshTrust.</summary>
public static partial class ErrorIds
{
    /// <summary>root-cert.pem or root-key.pem already exists in -Path (never overwritten without -Force).</summary>
    public const string CertificateAuthorityExists = nameof(CertificateAuthorityExists);

    /// <summary>The folder, root-cert.pem or root-key.pem does not exist.</summary>
    public const string CertificateAuthorityNotFound = nameof(CertificateAuthorityNotFound);

    /// <summary>root-cert.pem holds no certificate, or root-key.pem no readable (unencrypted RSA or EC) key.</summary>
    public const string CertificateAuthorityInvalid = nameof(CertificateAuthorityInvalid);

    /// <summary>root-key.pem is not the key of root-cert.pem.</summary>
    public const string CertificateAuthorityKeyMismatch = nameof(CertificateAuthorityKeyMismatch);

    /// <summary>The certificate is no CA (basicConstraints CA:false or missing, no keyCertSign, or pathlen:0 which allows no intermediate).</summary>
    public const string CertificateAuthorityNotCA = nameof(CertificateAuthorityNotCA);

    /// <summary>The root's NotAfter has passed.</summary>
    public const string CertificateAuthorityExpired = nameof(CertificateAuthorityExpired);

    /// <summary>The root's NotBefore lies in the future.</summary>
    public const string CertificateAuthorityNotYetValid = nameof(CertificateAuthorityNotYetValid);

    /// <summary>-KeySize does not fit -KeyAlgorithm (RSA 2048 to 8192 in steps of 1024; ECDSA 256 or 384).</summary>
    public const string CertificateKeySizeInvalid = nameof(CertificateKeySizeInvalid);

    /// <summary>-ValidFor is shorter than one day (istiod signs workload certificates for 24 hours).</summary>
    public const string CertificateValidityInvalid = nameof(CertificateValidityInvalid);

    /// <summary>A folder where a file should be, a file where a folder should be, or a -Path no file system accepts (a NUL or another invalid character).</summary>
    public const string CertificatePathInvalid = nameof(CertificatePathInvalid);

    /// <summary>A certificate or key file could not be written (permissions, read-only or missing volume).</summary>
    public const string CertificateFileWriteFailed = nameof(CertificateFileWriteFailed);

    /// <summary>A certificate or key file exists but could not be read.</summary>
    public const string CertificateFileReadFailed = nameof(CertificateFileReadFailed);

    /// <summary>A certificate or key file larger than 1 MiB, or without end (a device, a pipe): none is, and a Secret holds at most 1 MiB. Not read past that.</summary>
    public const string CertificateFileTooLarge = nameof(CertificateFileTooLarge);

    /// <summary>
    /// A CA above the intermediate has a pathLenConstraint that leaves no room for the workload certificates the intermediate signs (a root
    /// with pathlen:0 over an intermediate): istiod loads it, but every workload certificate fails verification. Nothing was written.
    /// </summary>
    public const string ClusterCertificatePathLengthExceeded = nameof(ClusterCertificatePathLengthExceeded);

    /// <summary>The cluster's folder already holds ca-cert.pem, ca-key.pem, root-cert.pem or cert-chain.pem (never overwritten without -Force).</summary>
    public const string ClusterCertificateExists = nameof(ClusterCertificateExists);

    /// <summary>Publish-IstioClusterCertificate -Path: the folder or one of its four files does not exist.</summary>
    public const string ClusterCertificateNotFound = nameof(ClusterCertificateNotFound);

    /// <summary>The material would not work in istiod: chain, key, pathlen or validity is wrong. Nothing was written.</summary>
    public const string ClusterCertificateInvalid = nameof(ClusterCertificateInvalid);

    /// <summary>The cluster's cacerts chains to a different root; replacing it needs -Force.</summary>
    public const string ClusterCertificateConflict = nameof(ClusterCertificateConflict);
}
