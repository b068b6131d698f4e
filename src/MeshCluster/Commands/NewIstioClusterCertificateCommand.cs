using System.Management.Automation;
using MeshCluster.Engine.Trust;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// The trust step of Istio's Add a Remote Cluster guide, part 2: one intermediate CA per cluster, signed by the mesh root, as the
/// Makefile's <c>make &lt;cluster&gt;-cacerts</c> makes it (the files in &lt;Path&gt;/&lt;cluster&gt;/ with the Makefile's names).
/// </summary>
[Cmdlet(VerbsCommon.New, "IstioClusterCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(IstioClusterCertificate))]
public sealed class NewIstioClusterCertificateCommand : AsyncCmdlet
{
    /// <summary>The clusters' names in the mesh (DNS-1123 labels): one intermediate each.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[] ClusterName { get; set; } = null!;

    /// <summary>The root that signs: from New-IstioCertificateAuthority or Get-IstioCertificateAuthority, through the pipeline.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [Alias("Root")]
    public IstioCertificateAuthority CertificateAuthority { get; set; } = null!;

    /// <summary>The folder under which each cluster gets &lt;cluster&gt;/ with its four files; without it nothing is written.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>3650 days, as the Makefile; never past the root's NotAfter.</summary>
    [Parameter]
    public TimeSpan ValidFor { get; set; } = CertificateFactory.DefaultValidity;

    /// <summary>Default: the root's algorithm.</summary>
    [Parameter]
    public CertificateKeyAlgorithm KeyAlgorithm { get; set; }

    /// <summary>RSA: 4096 unless given; ECDSA: 256 or 384.</summary>
    [Parameter]
    public int KeySize { get; set; }

    /// <summary>Replace a cluster's existing files.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private string? _folder;

    /// <inheritdoc />
    protected override void BeginOnPipelineThread() => _folder = Path is null ? null : TrustPath.Resolve(Path, GetUnresolvedProviderPathFromPSPath);

    /// <inheritdoc />
    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var bound = MyInvocation.BoundParameters;
        var request = new ClusterCertificateRequest(ClusterName, _folder, ValidFor,
            bound.ContainsKey(nameof(KeyAlgorithm)) ? KeyAlgorithm : null,
            bound.ContainsKey(nameof(KeySize)) ? KeySize : null, Force);
        return ClusterCertificateMaker.CreateAsync(CertificateAuthority, request, ShouldProcessAsync, Emit, Reporter, cancellationToken);
    }
}
