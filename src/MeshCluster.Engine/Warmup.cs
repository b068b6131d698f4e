using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.Input;

namespace MeshCluster.Engine;

/// <summary>
/// First-use costs that a pipeline step's first call pays before its request can go out, paid on a spare core while PowerShell
/// finishes importing the module and binds the call's parameters: an Azure DevOps step is one fresh process that imports and
/// calls at once. Only what that first call needs (issue 21): YamlDotNet's parser (the kubeconfig), KubernetesClient's JSON
/// options (its client's constructor builds them: one generated method of about 60 KB of machine code) and the hot reads'
/// shapes. Nothing for a cmdlet's later work: on two cores that would only take the core the call itself needs.
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
                RuntimeHelpers.RunClassConstructor(typeof(KubernetesJson).TypeHandle);
                JsonSerializer.Deserialize("""{"metadata":{"name":"x"},"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.1"}]}}}""", ShapeJson.Default.ServiceShape);
            }
            catch (Exception)
            {
                // Only a head start; the real call does the same work if this could not.
            }
        });
    }
}
