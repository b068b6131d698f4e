using System.Management.Automation;

namespace MeshCluster.Hosting;

/// <summary>
/// A cmdlet that talks to many clusters: its pipeline inputs are worked on at once, up to -ThrottleLimit,
/// each result written as it completes (so in completion order, each naming its context). A failure for one
/// input is a non-terminating error and the others go on; with -ErrorAction Stop the first failure cancels the rest.
/// </summary>
public abstract class FanOutCmdlet : KubeCmdlet
{
    /// <summary>How many inputs are worked on at once (8, as PowerShell's own fan-out cmdlets default to).</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int ThrottleLimit { get; set; } = 8;

    private protected sealed override int MaxConcurrency => ThrottleLimit;

    /// <summary>Each input's work, made from the parameters bound for it (see <see cref="AsyncCmdlet"/>).</summary>
    private protected abstract override PipelineItem NextItem();
}
