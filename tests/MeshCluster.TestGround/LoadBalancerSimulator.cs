using k8s;
using k8s.Models;

namespace MeshCluster.TestGround;

/// <summary>
/// Plays a cloud load balancer through the real API: creates an ingress-gateway-like Service and
/// writes the addresses a cloud controller would into its status subresource.
/// </summary>
public static class LoadBalancerSimulator
{
    /// <summary>
    /// A Service like istio-ingressgateway: ports http2 80, status-port 15021, tls 15443, each with
    /// protocol TCP (Kubernetes 1.20 rejects server-side apply of ports without it).
    /// </summary>
    public static Task<V1Service> CreateServiceAsync(IKubernetes client, string ns, string name, string type = "LoadBalancer",
        CancellationToken ct = default)
    {
        var labels = new Dictionary<string, string> { ["app"] = name, ["istio"] = "ingressgateway" };
        var service = new V1Service
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
            Spec = new V1ServiceSpec
            {
                Type = type,
                Selector = new Dictionary<string, string>(labels),
                Ports = new List<V1ServicePort>
                {
                    new() { Name = "http2", Port = 80, TargetPort = 8080, Protocol = "TCP" },
                    new() { Name = "status-port", Port = 15021, TargetPort = 15021, Protocol = "TCP" },
                    new() { Name = "tls", Port = 15443, TargetPort = 15443, Protocol = "TCP" },
                },
            },
        };
        return client.CoreV1.CreateNamespacedServiceAsync(service, ns, cancellationToken: ct);
    }

    /// <summary>
    /// Sets status.loadBalancer.ingress to exactly these entries, in order (an empty list clears it),
    /// through the status subresource as a cloud controller does.
    /// </summary>
    public static async Task SetIngressAsync(IKubernetes client, string ns, string name, IEnumerable<(string? Ip, string? Hostname)> entries,
        CancellationToken ct = default)
    {
        var ingress = entries.Select(e => new V1LoadBalancerIngress { Ip = e.Ip, Hostname = e.Hostname }).ToList();
        // A merge patch replaces the whole list, so the result is exactly `entries`.
        var patch = new V1Service { Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = ingress } } };
        await client.CoreV1.PatchNamespacedServiceStatusAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), name, ns, cancellationToken: ct)
            .ConfigureAwait(false);
    }
}
