using k8s.Models;

namespace MeshCluster.TestGround;

/// <summary>Objects the tests deploy, shaped like Istio's own (what istioctl would install).</summary>
public static class TestWorkloads
{
    /// <summary>A Deployment whose pods carry the given containers (default: istiod's "discovery").</summary>
    public static V1Deployment Deployment(string name, int replicas, params string[] containers)
    {
        if (containers.Length == 0) containers = new[] { "discovery" };
        var labels = new Dictionary<string, string> { ["app"] = name };
        return new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        Containers = containers.Select(c => new V1Container { Name = c, Image = "docker.io/istio/pilot:1.7.0" }).ToList(),
                    },
                },
            },
        };
    }
}
