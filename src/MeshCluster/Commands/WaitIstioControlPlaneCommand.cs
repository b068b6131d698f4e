using System.Management.Automation;
using MeshCluster.Engine.ControlPlane;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Input;
using MeshCluster.Engine.Naming;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// The step "verify that the control plane of Cluster_2 is ready" of Istio's Add a Remote Cluster guide: waits, event-driven, until the
/// namespace's pods are running and ready and its Deployments available, or, for an Istio 1.24+ remote-profile cluster (no pods), until
/// the objects the remote needs are in place. The form comes from the install result (-Form), else from the cluster.
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

    /// <summary>Istiod or Remote: what to wait for. Bound from Install-IstioRemote's result; without it, read from the cluster.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public ControlPlaneForm? Form { get; set; }

    /// <summary>The remote form: the network its injection path must name.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Network { get; set; }

    /// <summary>The remote form: the primary's discovery address, where Service istiod must point.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? RemotePilotAddress { get; set; }

    /// <summary>Default 300 s, istioctl's --readiness-timeout.</summary>
    [Parameter]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(300);

    private protected override PipelineItem NextItem()
    {
        var (context, timeout) = (Context, Timeout);
        var target = new ControlPlaneTarget(Namespace, NullIfEmpty(ClusterName), Form, NullIfEmpty(Network), NullIfEmpty(RemotePilotAddress));
        return new(context, async cancellationToken =>
        {
            TimeoutRule.Require(timeout, ErrorIds.ControlPlaneTimeoutInvalid);
            // Not ready: an error and no output, so a pipeline does not go on to publish a broken cluster's secret.
            var connection = await ConnectAsync(context, cancellationToken).ConfigureAwait(false);
            Emit(await ControlPlaneWaiter.WaitAsync(connection, target, timeout, Reporter, cancellationToken).ConfigureAwait(false));
        });
    }

    // A property bound from a previous step may be present but empty (a spec without a network): that means "unknown".
    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
