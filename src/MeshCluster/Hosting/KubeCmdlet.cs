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

    /// <summary>A -Timeout must be positive: a terminating error with the cmdlet's own id otherwise.</summary>
    private protected static void RequirePositive(TimeSpan timeout, string errorId)
    {
        if (timeout <= TimeSpan.Zero)
        {
            throw new MeshClusterException(errorId, ErrorCategory.InvalidArgument, $"-Timeout must be positive; it is {timeout}.", timeout, terminating: true);
        }
    }

    /// <summary>The context, checked, without a client (no credential plugin runs); a kubeconfig problem is a terminating error.</summary>
    private protected KubeContext ResolveContext(string? context = null) => KubeContextResolver.Resolve(KubeConfigFiles, context ?? Context);

    /// <summary>A client for the context (cached for the session).</summary>
    private protected KubeConnection Connect(string? context = null) => KubeClientFactory.Connect(ResolveContext(context), Reporter);

    /// <inheritdoc />
    protected override void BeginOnPipelineThread() =>
        _kubeConfigFiles = KubeConfigFiles.Resolve(
            KubeConfigArgument.WithDrivesResolved(KubeConfig, IsFileSystemDrive, GetUnresolvedProviderPathFromPSPath),
            GetUnresolvedProviderPathFromPSPath);

    private bool IsFileSystemDrive(string name) =>
        SessionState.Drive.GetAll().Any(d => d.Provider.Name == "FileSystem" && string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));
}
