using System.Management.Automation;
using MeshCluster.Engine.Discovery;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// Seed step 1: the primary's ingress gateway address, from Service istio-system/istio-ingressgateway.
/// </summary>
[Cmdlet(VerbsCommon.Get, "IstioDiscoveryAddress")]
[OutputType(typeof(IstioDiscoveryAddress))]
public sealed class GetIstioDiscoveryAddressCommand : KubeCmdlet
{
    public const string DefaultServiceName = "istio-ingressgateway";
    public const string DefaultNamespace = "istio-system";

    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string ServiceName { get; set; } = DefaultServiceName;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Namespace { get; set; } = DefaultNamespace;

    /// <summary>Wait for the load balancer to assign an address instead of failing at once.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>How long -Wait waits (default 3 minutes, as Istio's own test framework does).</summary>
    [Parameter]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(3);

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        RequirePositive(Timeout, MeshCluster.Engine.Errors.ErrorIds.TimeoutInvalid);

        var connection = Connect();
        var info = await DiscoveryAddressReader.GetAsync(connection, Namespace, ServiceName, Wait, Timeout, Reporter, cancellationToken)
            .ConfigureAwait(false);
        Emit(new IstioDiscoveryAddress(info.Address, info.IsHostname ? DiscoveryAddressType.Hostname : DiscoveryAddressType.IP,
            info.AllAddresses, info.ServiceName, info.Namespace, info.Context));
    }
}
