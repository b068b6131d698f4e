using System.Management.Automation;
using MeshCluster.Engine.KubeConfig;

namespace MeshCluster.Hosting;

/// <summary>
/// A cmdlet that runs istioctl with an IstioOperator spec against -Context: the spec from the pipeline (its Path, else its Yaml)
/// or from -Path, and -IstioctlPath, resolved against PowerShell's location. istioctl connects on its own, so only the context's
/// name and files are resolved here; what the install does is the subclass's (one engine call).
/// </summary>
/// <typeparam name="TSpec">The spec type the previous step writes (New-Istio...InstallSpec's output).</typeparam>
public abstract class IstioctlInstallCmdlet<TSpec> : KubeCmdlet
    where TSpec : class
{
    /// <summary>The parameter set of a spec from the pipeline.</summary>
    public const string InputObjectSet = "InputObject";

    /// <summary>The parameter set of a spec file.</summary>
    public const string PathSet = "Path";

    /// <summary>A spec from the matching New-Istio...InstallSpec. With a Path, istioctl reads that file; else a temporary copy of its Yaml.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public TSpec? InputObject { get; set; }

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

    /// <summary>The Yaml and Path of a piped spec.</summary>
    private protected abstract (string Yaml, string? Path) Read(TSpec spec);

    /// <summary>Runs the engine's install; null when -WhatIf or the user declined.</summary>
    private protected abstract Task<object?> InstallAsync(string? yaml, string? specPath, string? istioctl, KubeContext context,
        CancellationToken cancellationToken);

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
        var context = ResolveContext(Context);
        var (yaml, specPath) = InputObject is null ? (null, null) : Read(InputObject);
        var result = await InstallAsync(yaml, ParameterSetName == PathSet ? _resolvedPath : specPath, _resolvedIstioctl, context, cancellationToken)
            .ConfigureAwait(false);
        if (result is not null) Emit(result);
    }
}
