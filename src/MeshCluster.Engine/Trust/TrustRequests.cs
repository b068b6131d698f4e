namespace MeshCluster.Engine.Trust;

/// <summary>What New-IstioCertificateAuthority was asked for. <see cref="Folder"/> is absolute (the cmdlet resolves it).</summary>
public sealed record CertificateAuthorityRequest(
    string? Folder,
    string Organization,
    string CommonName,
    TimeSpan ValidFor,
    CertificateKeyAlgorithm KeyAlgorithm,
    int? KeySize,
    bool Force);

/// <summary>What New-IstioClusterCertificate was asked for: one intermediate per name, all under one root.</summary>
public sealed record ClusterCertificateRequest(
    IReadOnlyList<string> ClusterNames,
    string? Folder,
    TimeSpan ValidFor,
    CertificateKeyAlgorithm? KeyAlgorithm,
    int? KeySize,
    bool Force);
