using System.Management.Automation;
using MeshCluster.Engine.ControlPlane;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Naming;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// The step "verify that the control plane of Cluster_2 is ready" of Istio's Add a Remote Cluster guide: waits, event-driven, until the
/// namespace's pods are running and ready and its Deployments available.
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "IstioControlPlane")]
[OutputType(typeof(IstioControlPlaneStatus))]
public sealed class WaitIstioControlPlaneCommand : FanOutCmdlet
{
    /// <summary>Required: waiting on whatever cluster happens to be current would prove nothing.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    [ValidateNotNullOrEmpty]
    public override string? Context { get; set; }

    /// <summary>Only carried through to the output, for Publish-IstioRemoteSecret's -Name.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? ClusterName { get; set; }

    /// <summary>The control plane's namespace.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Namespace { get; set; } = IstioDefaults.Namespace;

    /// <summary>Default 300 s, istioctl's --readiness-timeout.</summary>
    [Parameter]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(300);

    private protected override PipelineItem NextItem()
    {
        var (context, clusterName, ns, timeout) = (Context, ClusterName, Namespace, Timeout);
        return new(context, async cancellationToken =>
        {
            RequireTimeout(timeout, ErrorIds.ControlPlaneTimeoutInvalid);
            // Not ready: an error and no output, so a pipeline does not go on to publish a broken cluster's secret.
            var connection = await ConnectAsync(context, cancellationToken).ConfigureAwait(false);
            Emit(await ControlPlaneWaiter.WaitAsync(connection, ns, clusterName, timeout, Reporter, cancellationToken).ConfigureAwait(false));
        });
    }
}
