using System.Management.Automation;
using MeshCluster.Engine.Install;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// Seed step 3: runs istioctl (manifest apply before 1.7, install from 1.7) against the remote's -Context.
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "IstioRemote", DefaultParameterSetName = InputObjectSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(IstioRemoteInstallResult))]
public sealed class InstallIstioRemoteCommand : KubeCmdlet
{
    public const string InputObjectSet = "InputObject";
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

    protected override void BeginOnPipelineThread()
    {
        base.BeginOnPipelineThread();
        _resolvedPath = Path is null ? null : GetUnresolvedProviderPathFromPSPath(Path);
        _resolvedIstioctl = IstioctlPath is null ? null : GetUnresolvedProviderPathFromPSPath(IstioctlPath);
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var connection = Connect();
        var request = new RemoteInstallRequest(
            InputObject?.Yaml,
            ParameterSetName == PathSet ? _resolvedPath : InputObject?.Path,
            _resolvedIstioctl,
            connection.ContextName,
            connection.KubeConfigFiles);

        var outcome = await RemoteInstaller.InstallAsync(request, ShouldProcessAsync, Reporter, cancellationToken).ConfigureAwait(false);
        if (outcome is not null)
        {
            Emit(new IstioRemoteInstallResult(outcome.ClusterName, outcome.Context, outcome.Namespace, outcome.IstioctlVersion,
                outcome.IstioctlPath, outcome.Arguments.ToArray(), outcome.ExitCode, outcome.Duration, outcome.SpecPath));
        }
    }
}
