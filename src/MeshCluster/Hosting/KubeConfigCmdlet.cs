using System.Management.Automation;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.KubeConfig;

namespace MeshCluster.Hosting;

/// <summary>
/// A cmdlet that reads a kubeconfig: -KubeConfig, resolved once on the pipeline thread into <see cref="KubeConfigFiles"/>
/// (relative paths and PowerShell drives against PowerShell's location), and contexts resolved and connected through the
/// shared resolver. How a context is chosen is the subclass's: one -Context (<see cref="KubeCmdlet"/>) or several.
/// </summary>
public abstract class KubeConfigCmdlet : AsyncCmdlet
{
    /// <summary>The kubeconfig file(s); default: $env:KUBECONFIG, else ~/.kube/config.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KubeConfig { get; set; }

    private KubeConfigFiles? _kubeConfigFiles;

    /// <summary>-KubeConfig (or its defaults) as files, relative paths made absolute against PowerShell's location.</summary>
    private protected KubeConfigFiles KubeConfigFiles => _kubeConfigFiles ?? throw new InvalidOperationException("Resolved in BeginProcessing.");

    /// <summary>The context (null: the kubeconfig's current-context), checked, without a client (no credential plugin runs);
    /// a kubeconfig problem is a terminating error. Callers pass the value they took for their input, never read -Context late.</summary>
    private protected KubeContext ResolveContext(string? context) => KubeContextResolver.Resolve(KubeConfigFiles, context);

    /// <summary>A client for the context (null: current-context), cached for the session; a credential plugin runs here, cancellable.</summary>
    private protected Task<KubeConnection> ConnectAsync(string? context, CancellationToken cancellationToken) =>
        KubeClientFactory.ConnectAsync(ResolveContext(context), Reporter, cancellationToken);

    /// <inheritdoc />
    protected override void BeginOnPipelineThread() =>
        _kubeConfigFiles = KubeConfigFiles.Resolve(
            KubeConfigArgument.WithDrivesResolved(KubeConfig, IsFileSystemDrive, GetUnresolvedProviderPathFromPSPath),
            GetUnresolvedProviderPathFromPSPath);

    private bool IsFileSystemDrive(string name) =>
        SessionState.Drive.GetAll().Any(d => d.Provider.Name == "FileSystem" && string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));
}
