using System.Management.Automation;
using MeshCluster.Engine.Trust;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// The trust step of Istio's Add a Remote Cluster guide, part 1: the mesh root CA, as tools/certs/Makefile.selfsigned.mk's <c>make root-ca</c>
/// makes it, without openssl or make.
/// </summary>
[Cmdlet(VerbsCommon.New, "IstioCertificateAuthority", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(IstioCertificateAuthority))]
public sealed class NewIstioCertificateAuthorityCommand : AsyncCmdlet
{
    /// <summary>The folder for root-cert.pem and root-key.pem; without it nothing is written.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>O= of the subject.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Organization { get; set; } = CertificateFactory.DefaultOrganization;

    /// <summary>CN= of the subject.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string CommonName { get; set; } = CertificateFactory.DefaultRootCommonName;

    /// <summary>How long the root is valid: 3650 days, as the Makefile.</summary>
    [Parameter]
    public TimeSpan ValidFor { get; set; } = CertificateFactory.DefaultValidity;

    /// <summary>Rsa (the Makefile's) or Ecdsa.</summary>
    [Parameter]
    public CertificateKeyAlgorithm KeyAlgorithm { get; set; } = CertificateKeyAlgorithm.Rsa;

    /// <summary>RSA: 4096 unless given (2048 to 8192); ECDSA: 256 (P-256) or 384.</summary>
    [Parameter]
    public int KeySize { get; set; }

    /// <summary>Replace root-cert.pem and root-key.pem in -Path.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private string? _folder;

    /// <inheritdoc />
    protected override void BeginOnPipelineThread() => _folder = Path is null ? null : TrustPath.Resolve(Path, GetUnresolvedProviderPathFromPSPath);

    /// <inheritdoc />
    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var request = new CertificateAuthorityRequest(_folder, Organization, CommonName, ValidFor, KeyAlgorithm,
            MyInvocation.BoundParameters.ContainsKey(nameof(KeySize)) ? KeySize : null, Force);
        var root = await CertificateAuthorityMaker.CreateAsync(request, ShouldProcessAsync, Reporter, cancellationToken).ConfigureAwait(false);
        if (root is not null) Emit(root);
    }
}
