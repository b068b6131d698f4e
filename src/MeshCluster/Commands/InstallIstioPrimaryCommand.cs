using System.Management.Automation;
using MeshCluster.Engine.Primary;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// The "initial configuration" of Istio's multicluster guides: runs istioctl with the primary's IstioOperator (New-IstioPrimaryInstallSpec)
/// against -Context, through the istioctl engine Install-IstioRemote uses, refusing a form this istioctl would not install as meant.
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "IstioPrimary", DefaultParameterSetName = InputObjectSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(IstioPrimaryInstallResult))]
public sealed class InstallIstioPrimaryCommand : KubeCmdlet
{
    /// <summary>The parameter set of a spec from the pipeline.</summary>
    public const string InputObjectSet = "InputObject";

    /// <summary>The parameter set of a spec file.</summary>
    public const string PathSet = "Path";

    /// <summary>A spec from New-IstioPrimaryInstallSpec. With a Path, istioctl reads that file; else a temporary copy of its Yaml.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public IstioPrimaryInstallSpec? InputObject { get; set; }

    /// <summary>An IstioOperator file.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>istioctl to run; default $env:ISTIOCTL, else istioctl on PATH.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? IstioctlPath { get; set; }

    private string? _resolvedPath;
    private string? _resolvedIstioctl;

    /// <inheritdoc />
    protected override void BeginOnPipelineThread()
    {
        base.BeginOnPipelineThread();
        _resolvedPath = Path is null ? null : GetUnresolvedProviderPathFromPSPath(Path);
        _resolvedIstioctl = IstioctlPath is null ? null : GetUnresolvedProviderPathFromPSPath(IstioctlPath);
    }

    /// <inheritdoc />
    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        // istioctl connects on its own: only the context's name and files are needed, no client.
        var context = ResolveContext(Context);
        var request = new PrimaryInstallRequest(InputObject?.Yaml, ParameterSetName == PathSet ? _resolvedPath : InputObject?.Path, _resolvedIstioctl,
            context.Name, context.Files);
        var result = await PrimaryInstaller.InstallAsync(request, ShouldProcessAsync, Reporter, cancellationToken).ConfigureAwait(false);
        if (result is not null) Emit(result);
    }
}
