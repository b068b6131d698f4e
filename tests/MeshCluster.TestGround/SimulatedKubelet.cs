using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace MeshCluster.TestGround;

/// <summary>What the simulated kubelet makes of a pod.</summary>
public enum PodFate
{
    Ready,
    CrashLoopBackOff,
    ImagePullBackOff,
    Unschedulable,
}

public sealed class SimulatedKubeletOptions
{
    /// <summary>How long after the pod appears its status is written.</summary>
    public TimeSpan ReadyAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Picks each pod's fate; default: every pod becomes Ready.</summary>
    public Func<V1Pod, PodFate>? Fate { get; set; }

    /// <summary>
    /// When set, no status is written before this task completes (nor before <see cref="ReadyAfter"/>):
    /// kubelets of many namespaces given one task make their pods ready at one moment the caller picks.
    /// </summary>
    public Task? Release { get; set; }
}

/// <summary>
/// Plays the scheduler and kubelet for the pods of one namespace, as KWOK does: it watches pods and
/// writes each new pod's status through the status subresource. Nothing runs; the real ReplicaSet
/// and Deployment controllers then count Ready pods as they would on a real cluster. The pods are
/// never bound to a node, so deleting one takes effect at once (no kubelet has to confirm it).
/// </summary>
public sealed class SimulatedKubelet : IAsyncDisposable
{
    private readonly IKubernetes _client;
    private readonly string _namespace;
    private readonly SimulatedKubeletOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, byte> _seen = new(StringComparer.Ordinal); // pod UIDs
    private readonly ConcurrentDictionary<string, DateTime> _readyAt = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<Task> _patches = new();
    private readonly Task _loop;
    private int _ipCounter;

    private SimulatedKubelet(IKubernetes client, string ns, SimulatedKubeletOptions options)
    {
        _client = client;
        _namespace = ns;
        _options = options;
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    public static SimulatedKubelet Start(IKubernetes client, string ns, SimulatedKubeletOptions? options = null) =>
        new(client, ns, options ?? new SimulatedKubeletOptions());

    /// <summary>Pod name → UTC time the API server accepted its Ready status.</summary>
    public IReadOnlyDictionary<string, DateTime> ReadyAt => _readyAt;

    public DateTime? LastReadyAt => _readyAt.IsEmpty ? null : _readyAt.Values.Max();

    /// <summary>Errors from status writes (other than pods deleted meanwhile); for diagnosing a test.</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    private async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var list = await _client.CoreV1.ListNamespacedPodAsync(_namespace, cancellationToken: ct).ConfigureAwait(false);
                foreach (var pod in list.Items) Consider(pod, ct);
                var events = _client.CoreV1.WatchListNamespacedPodAsync(_namespace, resourceVersion: list.Metadata.ResourceVersion,
                    timeoutSeconds: 50, cancellationToken: ct);
                await foreach (var (type, pod) in events.ConfigureAwait(false))
                {
                    if (type is WatchEventType.Added or WatchEventType.Modified) Consider(pod, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A dropped watch or 410 Gone: list again, as an informer does.
                Errors.Enqueue($"watch: {ex.GetType().Name}: {ex.Message}");
                try { await Task.Delay(200, ct).ConfigureAwait(false); } catch (OperationCanceledException) { return; }
            }
        }
    }

    private void Consider(V1Pod pod, CancellationToken ct)
    {
        // A pod whose status someone already wrote (conditions present) is not new.
        if (pod.Metadata?.Uid is not { } uid || pod.Metadata.DeletionTimestamp is not null) return;
        if (pod.Status?.Conditions is { Count: > 0 }) return;
        if (!_seen.TryAdd(uid, 0)) return;
        _patches.Add(Task.Run(() => WriteStatusAsync(pod, ct)));
    }

    private async Task WriteStatusAsync(V1Pod pod, CancellationToken ct)
    {
        try
        {
            await Task.Delay(_options.ReadyAfter, ct).ConfigureAwait(false);
            if (_options.Release is { } release) await release.WaitAsync(ct).ConfigureAwait(false);
            var fate = _options.Fate?.Invoke(pod) ?? PodFate.Ready;
            var status = StatusFor(pod, fate);
            var patch = new V1Pod { Status = status };
            await _client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), pod.Metadata.Name, _namespace,
                cancellationToken: ct).ConfigureAwait(false);
            if (fate == PodFate.Ready) _readyAt[pod.Metadata.Name] = DateTime.UtcNow;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            // Deleted before its turn (a rollout or a namespace deletion).
        }
        catch (Exception ex)
        {
            Errors.Enqueue($"{pod.Metadata.Name}: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private V1PodStatus StatusFor(V1Pod pod, PodFate fate)
    {
        var now = DateTime.UtcNow;
        var containers = pod.Spec?.Containers ?? new List<V1Container>();
        var initContainers = pod.Spec?.InitContainers ?? new List<V1Container>();
        V1PodCondition Condition(string type, bool value, string? reason = null, string? message = null) =>
            new() { Type = type, Status = value ? "True" : "False", LastTransitionTime = now, Reason = reason, Message = message };

        if (fate == PodFate.Unschedulable)
        {
            return new V1PodStatus
            {
                Phase = "Pending",
                Conditions = new List<V1PodCondition>
                {
                    Condition("PodScheduled", false, "Unschedulable", "0/1 nodes are available: 1 Insufficient cpu."),
                },
            };
        }

        var n = Interlocked.Increment(ref _ipCounter);
        var podIp = $"10.244.{(n / 250) % 250}.{n % 250 + 2}"; // a status value only; nothing listens there
        // A status as kubectl describes one, a group of fields a row; IDE0055 would put each field on a line of its own.
#pragma warning disable IDE0055
        var initStatuses = initContainers.Select(c => new V1ContainerStatus
        {
            Name = c.Name, Image = c.Image, ImageID = $"docker-pullable://{c.Image}", Ready = true, RestartCount = 0,
            State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 0, Reason = "Completed", StartedAt = now, FinishedAt = now } },
        }).ToList();

        V1ContainerStatus ContainerStatus(V1Container c) => fate switch
        {
            PodFate.Ready => new V1ContainerStatus
            {
                Name = c.Name, Image = c.Image, ImageID = $"docker-pullable://{c.Image}", ContainerID = $"containerd://{Guid.NewGuid():N}",
                Ready = true, Started = true, RestartCount = 0,
                State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = now } },
            },
            PodFate.CrashLoopBackOff => new V1ContainerStatus
            {
                Name = c.Name, Image = c.Image, ImageID = $"docker-pullable://{c.Image}", ContainerID = $"containerd://{Guid.NewGuid():N}",
                Ready = false, Started = false, RestartCount = 3,
                State = new V1ContainerState
                {
                    Waiting = new V1ContainerStateWaiting
                    {
                        Reason = "CrashLoopBackOff",
                        Message = $"back-off 40s restarting failed container={c.Name} pod={pod.Metadata.Name}_{pod.Metadata.NamespaceProperty}({pod.Metadata.Uid})",
                    },
                },
                LastState = new V1ContainerState
                {
                    Terminated = new V1ContainerStateTerminated { ExitCode = 1, Reason = "Error", StartedAt = now.AddSeconds(-2), FinishedAt = now.AddSeconds(-1) },
                },
            },
            _ => new V1ContainerStatus
            {
                Name = c.Name, Image = c.Image, Ready = false, Started = false, RestartCount = 0,
                State = new V1ContainerState
                {
                    Waiting = new V1ContainerStateWaiting { Reason = "ImagePullBackOff", Message = $"Back-off pulling image \"{c.Image}\"" },
                },
            },
        };
#pragma warning restore IDE0055

        var ready = fate == PodFate.Ready;
        var notReadyMessage = $"containers with unready status: [{string.Join(" ", containers.Select(c => c.Name))}]";
        return new V1PodStatus
        {
            Phase = fate == PodFate.ImagePullBackOff ? "Pending" : "Running",
            HostIP = "10.255.0.1",
            PodIP = podIp,
            PodIPs = new List<V1PodIP> { new() { Ip = podIp } },
            StartTime = now,
            QosClass = "BestEffort",
            Conditions = new List<V1PodCondition>
            {
                Condition("Initialized", true),
                Condition("Ready", ready, ready ? null : "ContainersNotReady", ready ? null : notReadyMessage),
                Condition("ContainersReady", ready, ready ? null : "ContainersNotReady", ready ? null : notReadyMessage),
                Condition("PodScheduled", true),
            },
            InitContainerStatuses = initStatuses.Count > 0 ? initStatuses : null,
            ContainerStatuses = containers.Select(ContainerStatus).ToList(),
        };
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try { await _loop.ConfigureAwait(false); } catch (OperationCanceledException) { }
        try { await Task.WhenAll(_patches).ConfigureAwait(false); } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
