using System.Management.Automation;
using MeshCluster.Engine.ControlPlane;
using MeshCluster.Engine.Errors;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// Seed step "verify that the control plane of Cluster_2 is ready": waits, event-driven, until the
/// namespace's pods are running and ready and its Deployments available.
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "IstioControlPlane")]
[OutputType(typeof(IstioControlPlaneStatus))]
public sealed class WaitIstioControlPlaneCommand : KubeCmdlet
{
    public const string DefaultNamespace = "istio-system";

    /// <summary>Required: waiting on whatever cluster happens to be current would prove nothing.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    [ValidateNotNullOrEmpty]
    public override string? Context { get; set; }

    /// <summary>Only carried through to the output, for Publish-IstioRemoteSecret's -Name.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? ClusterName { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Namespace { get; set; } = DefaultNamespace;

    /// <summary>Default 300 s, istioctl's --readiness-timeout.</summary>
    [Parameter]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(300);

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        RequirePositive(Timeout, ErrorIds.ControlPlaneTimeoutInvalid);

        var connection = Connect();
        var result = await ControlPlaneWaiter.WaitAsync(connection, Namespace, Timeout, Reporter, cancellationToken).ConfigureAwait(false);
        var status = new IstioControlPlaneStatus(result.Context, ClusterName, result.Namespace, result.Ready,
            result.Rows.Select(r => new IstioPodStatus(r.Name, r.Ready, r.Status, r.Restarts, r.Age)).ToArray(),
            result.Snapshot.DeploymentsAvailable, result.Snapshot.DeploymentsTotal);

        // Not ready: no output, so a pipeline does not go on to publish a broken cluster's secret.
        if (!result.Ready) throw ControlPlaneWaiter.NotReadyError(result, status);
        Emit(status);
    }
}
