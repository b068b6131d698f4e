using k8s.Models;

namespace MeshCluster.Engine.ControlPlane;

/// <summary>
/// The columns of <c>kubectl get pod</c> (READY, STATUS, RESTARTS, AGE), computed as kubectl's
/// printer does (pkg/printers/internalversion printPod, apimachinery duration.HumanDuration), so the
/// cmdlet's table reads like the one the seed shows.
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

    /// <summary>kubectl's AGE text (duration.HumanDuration): 5s, 119s, 3m20s, 136m, 5h12m, 2d3h, 30d, 2y10d.</summary>
    public static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)Math.Truncate(d.TotalSeconds);
        // A clock a second off still reads as "now".
        if (seconds < -1) return "<invalid>";
        if (seconds < 0) return "0s";
        if (seconds < 60 * 2) return $"{seconds}s";

        var minutes = seconds / 60;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? $"{minutes}m" : $"{minutes}m{s}s";
        }

        if (minutes < 60 * 3) return $"{minutes}m";

        var hours = minutes / 60;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? $"{hours}h" : $"{hours}h{m}m";
        }

        if (hours < 48) return $"{hours}h";
        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? $"{hours / 24}d" : $"{hours / 24}d{h}h";
        }

        if (hours < 24 * 365 * 2) return $"{hours / 24}d";
        if (hours < 24 * 365 * 8)
        {
            var dy = hours / 24 % 365;
            return dy == 0 ? $"{hours / 24 / 365}y" : $"{hours / 24 / 365}y{dy}d";
        }

        return $"{hours / 24 / 365}y";
    }

    internal static bool HasCondition(V1Pod pod, string type) =>
        pod.Status?.Conditions?.Any(c => c.Type == type && c.Status == "True") == true;
}
