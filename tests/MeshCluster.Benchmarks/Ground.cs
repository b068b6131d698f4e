using k8s;
using MeshCluster.TestGround;

namespace MeshCluster.Benchmarks;

/// <summary>
/// The test ground as the groups use it: the two clusters, their kubeconfig, the module, and one
/// gateway Service per cluster (what Get-IstioDiscoveryAddress and kubectl read) with an address set
/// by the load balancer simulator.
/// </summary>
internal sealed class Ground
{
    public const string GatewayNamespace = "bench-gw";
    public const string GatewayService = "istio-ingressgateway";
    public const string Cluster1Address = "192.0.2.10";
    public const string Cluster2Address = "192.0.2.20";

    private Ground(TestClusters clusters, string manifest)
    {
        Clusters = clusters;
        Manifest = manifest;
    }

    public TestClusters Clusters { get; }
    public TestCluster Cluster1 => Clusters.Cluster1;
    public TestCluster Cluster2 => Clusters.Cluster2;
    public string KubeConfig => Clusters.KubeConfigPath;
    /// <summary>The module measured: the built out/MeshCluster, or --module's.</summary>
    public string Manifest { get; }

    public static async Task<Ground> PrepareAsync(TestClusters clusters, string manifest)
    {
        foreach (var (cluster, address) in new[] { (clusters.Cluster1, Cluster1Address), (clusters.Cluster2, Cluster2Address) })
        {
            await cluster.EnsureNamespaceAsync(GatewayNamespace);
            await LoadBalancerSimulator.CreateServiceAsync(cluster.Admin, GatewayNamespace, GatewayService);
            await LoadBalancerSimulator.SetIngressAsync(cluster.Admin, GatewayNamespace, GatewayService, new (string?, string?)[] { (address, null) });
        }

        return new Ground(clusters, manifest);
    }

    /// <summary>The admin token of a context of the test ground's kubeconfig (for the raw HttpClient GET).</summary>
    public string TokenOf(string context) =>
        KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeConfig, currentContext: context).AccessToken
        ?? throw new InvalidOperationException($"context {context} has no token");

    /// <summary>A name no earlier run used (the API server keeps deleted namespaces a while).</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Deletes a namespace without waiting (1.20's delete answer cannot always be read; the delete happened).</summary>
    public static async Task DeleteNamespaceAsync(TestCluster cluster, string ns)
    {
        try { await cluster.Admin.CoreV1.DeleteNamespaceAsync(ns); } catch (Exception) { /* see above */ }
    }
}
