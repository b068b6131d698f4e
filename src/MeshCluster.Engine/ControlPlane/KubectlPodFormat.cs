using k8s.Models;

namespace MeshCluster.Engine.ControlPlane;

/// <summary>
/// The columns of <c>kubectl get pod</c> (READY, STATUS, RESTARTS, AGE), computed as kubectl's
/// printer does (pkg/printers/internalversion printPod, apimachinery duration.HumanDuration), so the
/// cmdlet's table reads like the one Istio's guide shows.
/// </summary>
public static class KubectlPodFormat
{
    /// <summary>"ready/total": containers ready and running, of the containers in the spec.</summary>
    public static string Ready(V1Pod pod)
    {
        var total = pod.Spec?.Containers?.Count ?? pod.Status?.ContainerStatuses?.Count ?? 0;
        var ready = (pod.Status?.ContainerStatuses ?? Array.Empty<V1ContainerStatus>())
            .Count(c => c.Ready && c.State?.Running is not null);
        return $"{ready}/{total}";
    }

    /// <summary>The STATUS column: a container's waiting/terminated reason if any, else the phase.</summary>
    public static string Status(V1Pod pod)
    {
        var status = pod.Status;
        var reason = !string.IsNullOrEmpty(status?.Reason) ? status!.Reason : status?.Phase ?? "Unknown";

        var initializing = false;
        var inits = status?.InitContainerStatuses ?? Array.Empty<V1ContainerStatus>();
        var initCount = pod.Spec?.InitContainers?.Count ?? inits.Count;
        for (var i = 0; i < inits.Count; i++)
        {
            var state = inits[i].State;
            if (state?.Terminated is { ExitCode: 0 }) continue;
            initializing = true;
            if (state?.Terminated is { } t)
            {
                reason = string.IsNullOrEmpty(t.Reason)
                    ? (t.Signal is { } s && s != 0 ? $"Init:Signal:{s}" : $"Init:ExitCode:{t.ExitCode}")
                    : "Init:" + t.Reason;
            }
            else if (state?.Waiting is { Reason: { Length: > 0 } w } && w != "PodInitializing")
            {
                reason = "Init:" + w;
            }
            else
            {
                reason = $"Init:{i}/{initCount}";
            }

            break;
        }

        if (!initializing)
        {
            var hasRunning = false;
            var containers = status?.ContainerStatuses ?? Array.Empty<V1ContainerStatus>();
            // kubectl walks the containers backwards, so the first container's reason wins.
            for (var i = containers.Count - 1; i >= 0; i--)
            {
                var c = containers[i];
                if (c.State?.Waiting is { Reason: { Length: > 0 } waiting })
                {
                    reason = waiting;
                }
                else if (c.State?.Terminated is { } t)
                {
                    reason = !string.IsNullOrEmpty(t.Reason) ? t.Reason
                        : t.Signal is { } s && s != 0 ? $"Signal:{s}" : $"ExitCode:{t.ExitCode}";
                }
                else if (c.Ready && c.State?.Running is not null)
                {
                    hasRunning = true;
                }
            }

            if (reason == "Completed" && hasRunning)
            {
                reason = HasCondition(pod, "Ready") ? "Running" : "NotReady";
            }
        }

        if (pod.Metadata?.DeletionTimestamp is not null)
        {
            reason = status?.Reason == "NodeLost" ? "Unknown" : "Terminating";
        }

        return reason;
    }

    /// <summary>The RESTARTS column: restarts of the app containers (of the init containers while initializing).</summary>
    public static int Restarts(V1Pod pod)
    {
        var inits = pod.Status?.InitContainerStatuses ?? Array.Empty<V1ContainerStatus>();
        var initRestarts = 0;
        foreach (var c in inits)
        {
            initRestarts += c.RestartCount;
            if (c.State?.Terminated is { ExitCode: 0 }) continue;
            return initRestarts; // still initializing: kubectl shows the init containers' restarts
        }

        return (pod.Status?.ContainerStatuses ?? Array.Empty<V1ContainerStatus>()).Sum(c => c.RestartCount);
    }

    /// <summary>Time since the pod was created, as of <paramref name="now"/> (UTC).</summary>
    public static TimeSpan Age(V1Pod pod, DateTime now) =>
        pod.Metadata?.CreationTimestamp is { } created ? now - DateTime.SpecifyKind(created, DateTimeKind.Utc) : TimeSpan.Zero;

    internal static bool HasCondition(V1Pod pod, string type) =>
        pod.Status?.Conditions?.Any(c => c.Type == type && c.Status == "True") == true;
}
