using System.Security.Cryptography;
using k8s;
using k8s.Models;
using MeshCluster.Engine.Input;

namespace MeshCluster.Engine;

/// <summary>
/// First-use costs of the libraries (System.Text.Json's metadata for KubernetesClient's models, YamlDotNet's
/// parser, the crypto library) paid on a spare core while PowerShell finishes importing the module and the
/// script reaches its first call: an Azure DevOps step is one fresh process that imports and calls at once.
/// Best effort: nothing here may fail the import, and nothing here touches a cluster or a file.
/// </summary>
public static class Warmup
{
    private static int s_started;

    public static void Start()
    {
        if (Interlocked.Exchange(ref s_started, 1) != 0 || Environment.ProcessorCount < 2) return;
        _ = Task.Run(() =>
        {
            try
            {
                YamlTree.Parse("a: [b, {c: d}]\n", reason => new FormatException(reason));
                KubernetesJson.Deserialize<V1Service>("""{"metadata":{"name":"x"},"spec":{"ports":[{"port":1}]},"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.1"}]}}}""");
                KubernetesJson.Deserialize<V1PodList>("""{"metadata":{},"items":[{"metadata":{"name":"x"},"status":{"phase":"Running"}}]}""");
                KubernetesJson.Deserialize<V1DeploymentList>("""{"metadata":{},"items":[]}""");
                SHA256.HashData(new byte[1]);
            }
            catch (Exception)
            {
                // Only a head start; the real call does the same work if this could not.
            }
        });
    }
}
