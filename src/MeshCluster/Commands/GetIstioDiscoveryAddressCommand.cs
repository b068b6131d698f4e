using System.Management.Automation;
using MeshCluster.Engine.Discovery;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Input;
using MeshCluster.Engine.Naming;
using MeshCluster.Engine.Primary;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// Step 1 of Istio's Add a Remote Cluster guide: the primary's ingress gateway address, from Service istio-system/istio-ingressgateway.
/// </summary>
[Cmdlet(VerbsCommon.Get, "IstioDiscoveryAddress", DefaultParameterSetName = ServiceNameSet)]
[OutputType(typeof(IstioDiscoveryAddress))]
public sealed class GetIstioDiscoveryAddressCommand : FanOutCmdlet
{
    /// <summary>The gateway Istio's guide reads.</summary>
    public const string DefaultServiceName = "istio-ingressgateway";

    /// <summary>The parameter set of a gateway Service by name.</summary>
    public const string ServiceNameSet = "ServiceName";

    /// <summary>The parameter set of a gateway found by its labels (Istio 1.24+: the east-west gateway).</summary>
    public const string SelectorSet = "GatewaySelector";

    /// <summary>The gateway Service.</summary>
    [Parameter(Position = 0, ParameterSetName = ServiceNameSet)]
    [ValidateNotNullOrEmpty]
    public string ServiceName { get; set; } = DefaultServiceName;

    /// <summary>
    /// The gateway by its labels, label=value[,label=value]: istio=eastwestgateway reads the east-west gateway of Istio 1.24+ primary-remote
    /// without knowing its Service's name (the first match by name; the result's ServiceName says which).
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = SelectorSet)]
    [ValidateNotNullOrEmpty]
    public string? GatewaySelector { get; set; }

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
        var (context, ns, service, wait, timeout, selector) = (Context, Namespace, ServiceName, Wait.IsPresent, Timeout, GatewaySelector);
        return new(context, async cancellationToken =>
        {
            TimeoutRule.Require(timeout, ErrorIds.TimeoutInvalid);
            var connection = await ConnectAsync(context, cancellationToken).ConfigureAwait(false);
            if (selector is not null) service = await EastWestDiscovery.ServiceNameAsync(connection, ns, selector, Reporter, cancellationToken).ConfigureAwait(false);
            Emit(await DiscoveryAddressReader.GetAsync(connection, ns, service, wait, timeout, Reporter, cancellationToken).ConfigureAwait(false));
        });
    }
}
