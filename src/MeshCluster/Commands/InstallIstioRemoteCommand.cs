using System.Management.Automation;
using MeshCluster.Engine.Install;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// Step 3 of Istio's Add a Remote Cluster guide: runs istioctl (manifest apply before 1.7, install from 1.7) against the remote's -Context.
/// A Remote-profile spec that names its primary first gets the remote's namespace annotated topology.istio.io/controlPlaneClusters.
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "IstioRemote", DefaultParameterSetName = InputObjectSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(IstioRemoteInstallResult))]
public sealed class InstallIstioRemoteCommand : KubeCmdlet
{
    /// <summary>The parameter set of a spec from the pipeline.</summary>
    public const string InputObjectSet = "InputObject";

    /// <summary>The parameter set of a spec file.</summary>
    public const string PathSet = "Path";

    /// <summary>A spec from New-IstioRemoteInstallSpec. With a Path, istioctl reads that file; else a temporary copy of its Yaml.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public IstioRemoteInstallSpec? InputObject { get; set; }

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
        var request = new RemoteInstallRequest(
            InputObject?.Yaml,
            ParameterSetName == PathSet ? _resolvedPath : InputObject?.Path,
            _resolvedIstioctl,
            context.Name,
            context.Files);

        // A spec naming its primary (profile Remote) has the remote's namespace annotated first: only then is a client made.
        var result = await RemoteInstaller.InstallAsync(request, ShouldProcessAsync, Reporter, cancellationToken,
            async (ns, primary, ct) => await ControlPlaneClustersAnnotation.EnsureAsync(await ConnectAsync(context.Name, ct).ConfigureAwait(false), ns, primary, Reporter, ct)
                .ConfigureAwait(false)).ConfigureAwait(false);
        if (result is not null) Emit(result);
    }
}
