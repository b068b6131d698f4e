using System.Management.Automation;

namespace MeshCluster.Hosting;

/// <summary>A cmdlet that talks to one cluster per input, picked by -Context (bound by property name) in the -KubeConfig of <see cref="KubeConfigCmdlet"/>.</summary>
public abstract class KubeCmdlet : KubeConfigCmdlet
{
    /// <summary>The kubeconfig context; default: the kubeconfig's current-context.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    [ValidateNotNullOrEmpty]
    public virtual string? Context { get; set; }
}
