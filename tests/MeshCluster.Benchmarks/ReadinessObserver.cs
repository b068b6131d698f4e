using System.Collections.Concurrent;
using k8s;
using k8s.Models;

namespace MeshCluster.Benchmarks;

/// <summary>
/// The benchmark's own watches on the pods and Deployments that carry one label (server-side filtered,
/// so other runs' objects and their deletion cost it nothing): when this process first saw each pod
/// Ready and each Deployment available.
/// A watch event can arrive before the simulated kubelet has read the answer to its status write (on
/// a loaded machine, long before), so "when a pod became Ready" is taken as the earlier of the two.
/// </summary>
internal sealed class ReadinessObserver : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _watches;

    /// <param name="labelSelector">"key=value" that the run's Deployments and their pods carry.</param>
    public ReadinessObserver(IKubernetes client, string labelSelector)
    {
        _watches = new[]
        {
            WatchAsync("pods", async ct =>
            {
                var list = await client.CoreV1.ListPodForAllNamespacesAsync(labelSelector: labelSelector, cancellationToken: ct);
                await foreach (var (type, pod) in client.CoreV1.WatchListPodForAllNamespacesAsync(labelSelector: labelSelector, resourceVersion: list.Metadata.ResourceVersion,
                                   timeoutSeconds: 300, cancellationToken: ct))
                {
                    if (type is (WatchEventType.Added or WatchEventType.Modified) && IsReady(pod)) Record(PodsReady, pod.Metadata);
                }
            }),
            WatchAsync("deployments", async ct =>
            {
                var list = await client.AppsV1.ListDeploymentForAllNamespacesAsync(labelSelector: labelSelector, cancellationToken: ct);
                await foreach (var (type, d) in client.AppsV1.WatchListDeploymentForAllNamespacesAsync(labelSelector: labelSelector, resourceVersion: list.Metadata.ResourceVersion,
                                   timeoutSeconds: 300, cancellationToken: ct))
                {
                    if (type is (WatchEventType.Added or WatchEventType.Modified) && IsAvailable(d)) Record(DeploymentsAvailable, d.Metadata);
                }
            }),
        };
    }

    /// <summary>"ns/pod" → UTC time this process first saw it Ready.</summary>
    public ConcurrentDictionary<string, DateTime> PodsReady { get; } = new(StringComparer.Ordinal);

    /// <summary>"ns/deployment" → UTC time this process first saw it available (as istioctl's wait judges it).</summary>
    public ConcurrentDictionary<string, DateTime> DeploymentsAvailable { get; } = new(StringComparer.Ordinal);

    private static void Record(ConcurrentDictionary<string, DateTime> seen, V1ObjectMeta meta) =>
        seen.TryAdd($"{meta.NamespaceProperty}/{meta.Name}", DateTime.UtcNow);

    private Task WatchAsync(string what, Func<CancellationToken, Task> watch) => Task.Run(async () =>
    {
        try
        {
            await watch(_stop.Token);
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // The kubelet's own times then stand alone; the latency itself is still measured.
            Console.WriteLine($"  wait: the benchmark's watch on {what} stopped: {ex.GetType().Name}: {ex.Message}");
        }
    });

    private static bool IsReady(V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is null && pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private static bool IsAvailable(V1Deployment d)
    {
        var want = d.Spec?.Replicas ?? 1;
        var s = d.Status;
        return s is not null && (s.ObservedGeneration ?? 0) >= (d.Metadata.Generation ?? 0) && (s.UpdatedReplicas ?? 0) >= want && (s.AvailableReplicas ?? 0) >= want;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_watches);
        _stop.Dispose();
    }
}
