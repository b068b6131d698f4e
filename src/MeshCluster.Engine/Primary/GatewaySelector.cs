using System.Management.Automation;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;

namespace MeshCluster.Engine.Primary;

/// <summary>A gateway selector as expose-istiod.yaml's Gateway writes it (istio: eastwestgateway), given as "istio=eastwestgateway[,k=v]".</summary>
public static partial class GatewaySelector
{
    public const string Default = EastWestGateway.SelectorKey + "=" + EastWestGateway.SelectorValue;

    // A label key (optional DNS prefix and '/', then a name of 63 at most) and a label value.
    [GeneratedRegex(@"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Key();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Value();

    /// <summary>The pairs, in order; GatewaySelectorInvalid for anything else.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(string? text)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var part in (text ?? string.Empty).Split(','))
        {
            var eq = part.IndexOf('=');
            var key = eq < 0 ? part.Trim() : part[..eq].Trim();
            var value = eq < 0 ? null : part[(eq + 1)..].Trim();
            if (value is null || !Key().IsMatch(key) || !Value().IsMatch(value) || pairs.Any(p => p.Key == key))
            {
                throw new MeshClusterException(ErrorIds.GatewaySelectorInvalid, ErrorCategory.InvalidArgument,
                    $"-GatewaySelector '{text}' is not a list of label=value pairs separated by ',' (each label once), such as {Default}.", target: text);
            }

            pairs.Add(new(key, value));
        }

        return pairs;
    }

    public static string Format(IEnumerable<KeyValuePair<string, string>> pairs) => string.Join(',', pairs.Select(p => $"{p.Key}={p.Value}"));

    /// <summary>
    /// The gateway Services of <paramref name="ns"/> whose labels carry the selector's pairs (the Services of the Deployment the Gateway
    /// selects: the gateway charts label the Service as its pods); EastWestGatewayNotFound when there is none.
    /// </summary>
    public static async Task<IReadOnlyList<V1Service>> FindServicesAsync(KubeConnection connection, string ns, IReadOnlyList<KeyValuePair<string, string>> selector,
        CancellationToken ct)
    {
        var text = Format(selector);
        var list = await KubeApi.CallAsync(connection, $"listing Services {text} in namespace '{ns}'",
            c => c.Client.CoreV1.ListNamespacedServiceAsync(ns, labelSelector: text, cancellationToken: c.Token), ct).ConfigureAwait(false);
        var services = list.Items.OrderBy(s => s.Metadata.Name, StringComparer.Ordinal).ToList();
        if (services.Count == 0)
        {
            throw new MeshClusterException(ErrorIds.EastWestGatewayNotFound, ErrorCategory.ObjectNotFound,
                $"No Service labelled {text} in namespace '{ns}' of context '{connection.ContextName}': the east-west gateway is not installed. " +
                "Install it with New-IstioPrimaryInstallSpec -EastWestGatewayOnly -Network <network> | Install-IstioPrimary, or give -GatewaySelector.",
                target: text);
        }

        return services;
    }

    /// <summary>The first load-balancer address (ip, else hostname), as Istio's own code takes it; null while pending.</summary>
    public static string? Address(V1Service service) =>
        service.Status?.LoadBalancer?.Ingress?.Select(i => string.IsNullOrEmpty(i.Ip) ? i.Hostname : i.Ip).FirstOrDefault(a => !string.IsNullOrEmpty(a));
}
