using System.Management.Automation;
using MeshCluster.Engine.Naming;
using MeshCluster.Engine.Trust;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// Rotates the mesh's root CA across clusters without downtime, one phase per call (TrustBoth, SignWithNew, RetireOld: the Istio
/// maintainers' procedure), so a scheduled pipeline can run them days apart. Every cluster is checked before any is changed.
/// </summary>
[Cmdlet(VerbsData.Update, "IstioMeshTrust", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(IstioMeshTrustUpdate))]
public sealed class UpdateIstioMeshTrustCommand : KubeConfigCmdlet
{
    /// <summary>Every cluster of the mesh (a phase must reach all before the next starts). Objects with a Context property bind by name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Context { get; set; } = null!;

    /// <summary>The new root (New-IstioCertificateAuthority or Get-IstioCertificateAuthority); its key signs only in SignWithNew.</summary>
    [Parameter(Mandatory = true)]
    [Alias("Root")]
    [ValidateNotNull]
    public IstioCertificateAuthority CertificateAuthority { get; set; } = null!;

    /// <summary>TrustBoth, SignWithNew or RetireOld.</summary>
    [Parameter(Mandatory = true)]
    public MeshTrustPhase Phase { get; set; }

    /// <summary>SignWithNew: the folder under which each cluster's new intermediate is written (&lt;Path&gt;/&lt;cluster&gt;/), as New-IstioClusterCertificate -Path.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>RetireOld: how long after the last cluster's SignWithNew (default 25 hours: the 24-hour workload certificate lifetime and a margin).</summary>
    [Parameter]
    public TimeSpan MinimumSoak { get; set; } = MeshTrustUpdater.DefaultSoak;

    /// <summary>Go on although istiod would not take the new bundle by itself (not installed yet, no ISTIO_MULTIROOT_MESH, ...), add a third root, or replace files under -Path.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Where istiod reads cacerts.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Namespace { get; set; } = IstioDefaults.Namespace;

    private string? _folder;
    private readonly List<string> _contexts = new();

    /// <inheritdoc />
    protected override void BeginOnPipelineThread()
    {
        // -Context takes several contexts, so this is a KubeConfigCmdlet, not a KubeCmdlet with its one -Context.
        base.BeginOnPipelineThread();
        _folder = Path is null ? null : TrustPath.Resolve(Path, GetUnresolvedProviderPathFromPSPath);
    }

    /// <inheritdoc />
    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        // All clusters are judged together before any changes: gather them, work at the end.
        _contexts.AddRange(Context.Where(c => !_contexts.Contains(c, StringComparer.Ordinal)));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override Task EndProcessingAsync(CancellationToken cancellationToken) =>
        MeshTrustUpdater.UpdateAsync(new MeshTrustUpdateRequest(_contexts, Namespace, CertificateAuthority, Phase, _folder, MinimumSoak, Force),
            (context, ct) => ConnectAsync(context, ct),
            ShouldProcessAsync, Emit, EmitError, Reporter, cancellationToken);
}
