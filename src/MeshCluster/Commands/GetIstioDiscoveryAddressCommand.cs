using System.Management.Automation;
using MeshCluster.Engine.Discovery;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Input;
using MeshCluster.Engine.Naming;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// Step 1 of Istio's Add a Remote Cluster guide: the primary's ingress gateway address, from Service istio-system/istio-ingressgateway.
/// </summary>
[Cmdlet(VerbsCommon.Get, "IstioDiscoveryAddress")]
[OutputType(typeof(IstioDiscoveryAddress))]
public sealed class GetIstioDiscoveryAddressCommand : FanOutCmdlet
{
    /// <summary>The gateway Istio's guide reads.</summary>
    public const string DefaultServiceName = "istio-ingressgateway";

    /// <summary>The gateway Service.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string ServiceName { get; set; } = DefaultServiceName;

    /// <summary>The gateway Service's namespace.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Namespace { get; set; } = IstioDefaults.Namespace;

    /// <summary>Wait for the load balancer to assign an address instead of failing at once.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>How long -Wait waits (default 3 minutes, as Istio's own test framework does).</summary>
    [Parameter]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(3);

    private protected override PipelineItem NextItem()
    {
        var (context, ns, service, wait, timeout) = (Context, Namespace, ServiceName, Wait.IsPresent, Timeout);
        return new(context, async cancellationToken =>
        {
            TimeoutRule.Require(timeout, ErrorIds.TimeoutInvalid);
            var connection = await ConnectAsync(context, cancellationToken).ConfigureAwait(false);
            Emit(await DiscoveryAddressReader.GetAsync(connection, ns, service, wait, timeout, Reporter, cancellationToken).ConfigureAwait(false));
        });
    }
}
