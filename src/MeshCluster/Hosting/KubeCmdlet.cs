using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.KubeConfig;

namespace MeshCluster.Hosting;

/// <summary>A cmdlet that talks to one cluster, picked by -Context and -KubeConfig through the shared resolver.</summary>
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

    /// <summary>A -Timeout must be positive: a terminating error with the cmdlet's own id otherwise.</summary>
    private protected static void RequirePositive(TimeSpan timeout, string errorId)
    {
        if (timeout <= TimeSpan.Zero)
        {
            throw new MeshClusterException(errorId, ErrorCategory.InvalidArgument, $"-Timeout must be positive; it is {timeout}.", timeout, terminating: true);
        }
    }

    /// <summary>Resolves -Context/-KubeConfig; a kubeconfig problem is a terminating error.</summary>
    private protected KubeConnection Connect(string? context = null) =>
        KubeContextResolver.Resolve(ResolvedKubeConfig, context ?? Context, Reporter);

    /// <summary>-KubeConfig made absolute against PowerShell's current location, not the process's.</summary>
    private protected string? ResolvedKubeConfig { get; private set; }

    protected override void BeginOnPipelineThread()
    {
        ResolvedKubeConfig = KubeConfig is null
            ? null
            : string.Join(Path.PathSeparator, KubeConfig.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.StartsWith('~') ? p : GetUnresolvedProviderPathFromPSPath(p)));
    }
}
