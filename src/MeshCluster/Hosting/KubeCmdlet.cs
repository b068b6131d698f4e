using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.KubeConfig;

namespace MeshCluster.Hosting;

/// <summary>A cmdlet that talks to a cluster, picked by -Context and -KubeConfig through the shared resolver.</summary>
public abstract class KubeCmdlet : AsyncCmdlet
{
    /// <summary>The kubeconfig context; default: the kubeconfig's current-context.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    [ValidateNotNullOrEmpty]
    public virtual string? Context { get; set; }

    /// <summary>The kubeconfig file(s); default: $env:KUBECONFIG, else ~/.kube/config.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KubeConfig { get; set; }

    private KubeConfigFiles? _kubeConfigFiles;

    /// <summary>-KubeConfig (or its defaults) as files, relative paths made absolute against PowerShell's location.</summary>
    private protected KubeConfigFiles KubeConfigFiles => _kubeConfigFiles ?? throw new InvalidOperationException("Resolved in BeginProcessing.");

    /// <summary>The longest -Timeout: a week, as kubectl wait's longest.</summary>
    private protected static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(7);

    /// <summary>A -Timeout must be positive and at most <see cref="MaxTimeout"/>: a terminating error with the cmdlet's own id otherwise.</summary>
    private protected static void RequireTimeout(TimeSpan timeout, string errorId)
    {
        if (timeout <= TimeSpan.Zero || timeout > MaxTimeout)
        {
            throw new MeshClusterException(errorId, ErrorCategory.InvalidArgument,
                $"-Timeout must be positive and at most {MaxTimeout.TotalDays:0} days; it is {timeout}.", timeout, terminating: true);
        }
    }

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
