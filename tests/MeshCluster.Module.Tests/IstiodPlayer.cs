using k8s;
using k8s.Models;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>
/// Plays a cluster's istiod through the real API as Istio's chart renders its Deployment
/// (manifests/charts/istio-control/istio-discovery/templates/deployment.yaml: labels app=istiod and istio.io/rev, container
/// "discovery" with args and env). The test ground has no images: the Deployment's pods stay Pending, which is all the module reads.
/// </summary>
internal static class IstiodPlayer
{
    public static Task<V1Deployment> DeployAsync(TestCluster cluster, string ns, IDictionary<string, string> env, string image = "docker.io/istio/pilot:1.26.0",
        string name = "istiod", CancellationToken ct = default)
    {
        var labels = new Dictionary<string, string> { ["app"] = "istiod", ["istio.io/rev"] = name == "istiod" ? "default" : name["istiod-".Length..] };
        return cluster.Admin.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1DeploymentSpec
            {
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        Containers = new List<V1Container>
                        {
                            new()
                            {
                                Name = "discovery",
                                Image = image,
                                Args = new List<string> { "discovery", "--monitoringAddr=:15014", "--domain", "cluster.local" },
                                Env = env.Select(e => new V1EnvVar { Name = e.Key, Value = e.Value }).ToList(),
                            },
                        },
                    },
                },
            },
        }, ns, cancellationToken: ct);
    }

    /// <summary>Sets (or replaces) one variable of the discovery container, as an upgrade with a changed value would (a strategic merge: env merges by name).</summary>
    public static Task SetEnvAsync(TestCluster cluster, string ns, string variable, string value, string name = "istiod", CancellationToken ct = default)
    {
        var patch = new
        {
            spec = new { template = new { spec = new { containers = new[] { new { name = "discovery", env = new[] { new { name = variable, value } } } } } } },
        };
        return cluster.Admin.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), name, ns, cancellationToken: ct);
    }
}
