using System.Management.Automation;
using MeshCluster.Engine.Naming;
using MeshCluster.Engine.Primary;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// Exposes the primary's istiod to remotes on the east-west gateway, as Istio's samples/multicluster/expose-istiod.yaml does (Gateway
/// istiod-gateway, VirtualService istiod-vs: TLS passthrough on 15012 and 15017), server-side applied and idempotent.
/// </summary>
[Cmdlet(VerbsData.Publish, "IstioControlPlane", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(IstioControlPlaneExposure))]
public sealed class PublishIstioControlPlaneCommand : KubeCmdlet
{
    /// <summary>The primary's context; binds from Install-IstioPrimary's or Wait-IstioControlPlane's output.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    [ValidateNotNullOrEmpty]
    public override string? Context { get; set; }

    /// <summary>istiod's namespace, where the Gateway and VirtualService go.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Namespace { get; set; } = IstioDefaults.Namespace;

    /// <summary>The gateway's labels, label=value[,label=value]: expose-istiod.yaml's istio=eastwestgateway by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string GatewaySelector { get; set; } = Engine.Primary.GatewaySelector.Default;

    /// <inheritdoc />
    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var (context, ns, selector) = (Context, Namespace, GatewaySelector);
        var connection = await ConnectAsync(context, cancellationToken).ConfigureAwait(false);
        var result = await ControlPlaneExposer.ExposeAsync(connection, ns, selector, ShouldProcessAsync, Reporter, cancellationToken).ConfigureAwait(false);
        if (result is not null) Emit(result);
    }
}
