using System.Management.Automation;
using MeshCluster.Engine.Trust;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// Reads an existing mesh root CA (root-cert.pem and root-key.pem: from New-IstioCertificateAuthority, Istio's Makefile or a corporate
/// PKI) so that New-IstioClusterCertificate can sign more clusters' intermediates with it.
/// </summary>
[Cmdlet(VerbsCommon.Get, "IstioCertificateAuthority")]
[OutputType(typeof(IstioCertificateAuthority))]
public sealed class GetIstioCertificateAuthorityCommand : AsyncCmdlet
{
    /// <summary>The folder holding root-cert.pem and root-key.pem.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    private string? _folder;

    /// <inheritdoc />
    protected override void BeginOnPipelineThread() => _folder = TrustPath.Resolve(Path, GetUnresolvedProviderPathFromPSPath);

    /// <inheritdoc />
    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        Reporter.Verbose($"Reading {CertificateAuthorityStore.CertificateFile} and {CertificateAuthorityStore.KeyFile} in {Engine.Printable.Quote(_folder)}.");
        var root = CertificateAuthorityStore.Read(_folder!, CertificateFactory.Now(), Reporter);
        Reporter.Verbose($"Root CA '{root.Subject}' ({root.KeyAlgorithm} {root.KeySize}), SHA-256 {root.Thumbprint}, valid until {root.NotAfter:u}.");
        Emit(root);
        return Task.CompletedTask;
    }
}
