using MeshCluster.Engine.Http;
using MeshCluster.Engine.Naming;

namespace MeshCluster.Engine.Primary;

/// <summary>
/// The discovery address of Istio 1.24+ primary-remote is the east-west gateway's load-balancer address (istio.io primary-remote:
/// "the remote's remotePilotAddress"): Get-IstioDiscoveryAddress -GatewaySelector finds that gateway's Service by its labels.
/// </summary>
public static class EastWestDiscovery
{
    /// <summary>The name of the first Service (by name) whose labels carry the selector; EastWestGatewayNotFound when none does.</summary>
    public static async Task<string> ServiceNameAsync(KubeConnection connection, string ns, string selectorText, IOperationReporter reporter, CancellationToken ct)
    {
        KubeNameRule.RequireNamespace(ns, "-Namespace");
        var selector = GatewaySelector.Parse(selectorText);
        var services = await GatewaySelector.FindServicesAsync(connection, ns, selector, ct).ConfigureAwait(false);
        var name = services[0].Metadata.Name;
        reporter.Verbose($"Reading the gateway Service {ns}/{name} (labelled {GatewaySelector.Format(selector)}) in context '{connection.ContextName}'" +
                         (services.Count > 1 ? $"; {services.Count - 1} more match: {string.Join(", ", services.Skip(1).Select(s => s.Metadata.Name))}." : "."));
        if (services.Count > 1)
        {
            reporter.Warning($"{services.Count} Services in namespace '{ns}' are labelled {GatewaySelector.Format(selector)}; reading {name}, the first by name. " +
                             "Give -ServiceName to read another.");
        }

        return name;
    }
}
