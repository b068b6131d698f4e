using k8s.Models;

namespace MeshCluster.Engine.ControlPlane;

/// <summary>The judgement of a namespace's pods and deployments at one moment.</summary>
public sealed record ControlPlaneSnapshot(
    bool Ready,
    IReadOnlyList<V1Pod> Pods,
    int PodsReady,
    int PodsCounted,
    int DeploymentsAvailable,
    int DeploymentsTotal,
    IReadOnlyList<string> Problems)
{
    /// <summary>"1/2 pods ready, 0/2 deployments available": the progress text.</summary>
    public string Summary => $"{PodsReady}/{PodsCounted} pods ready, {DeploymentsAvailable}/{DeploymentsTotal} deployments available";

    /// <summary>0 to 100: ready pods and available deployments of all counted ones.</summary>
    public int Percent =>
        PodsCounted + DeploymentsTotal == 0 ? 0 : 100 * (PodsReady + DeploymentsAvailable) / (PodsCounted + DeploymentsTotal);
}

/// <summary>
/// Decides whether a control plane is ready, from its namespace's pods and Deployments:
/// at least one pod; every Deployment's updated replicas available (as istioctl's wait judges
/// them); every pod Running with all containers ready. Pods of finished Jobs and pods being
/// deleted do not count. Pure: tested on hand-made objects, called on every watch event.
/// </summary>
public static class ControlPlaneEvaluator
{
    public static ControlPlaneSnapshot Evaluate(IEnumerable<V1Pod> pods, IEnumerable<V1Deployment> deployments)
    {
        var sortedPods = pods.OrderBy(p => p.Metadata?.Name, StringComparer.Ordinal).ToArray();
        var sortedDeployments = deployments.OrderBy(d => d.Metadata?.Name, StringComparer.Ordinal).ToArray();
        var problems = new List<string>();

        var counted = 0;
        var ready = 0;
        foreach (var pod in sortedPods)
        {
            if (!Counts(pod)) continue;
            counted++;
            if (IsPodReady(pod)) ready++;
            else problems.Add(DescribePod(pod));
        }

        var available = 0;
        foreach (var deployment in sortedDeployments)
        {
            var problem = DeploymentProblem(deployment);
            if (problem is null) available++;
            else problems.Add(problem);
        }

        var isReady = counted > 0 && ready == counted && available == sortedDeployments.Length;
        return new ControlPlaneSnapshot(isReady, sortedPods, ready, counted, available, sortedDeployments.Length, problems);
    }

    /// <summary>The kubectl table of the pods, every pod listed (also the ones that do not count).</summary>
    public static IstioPodStatus[] Rows(IEnumerable<V1Pod> pods, DateTime now) =>
        pods.Select(p => new IstioPodStatus(p.Metadata?.Name ?? string.Empty, KubectlPodFormat.Ready(p), KubectlPodFormat.Status(p),
                KubectlPodFormat.Restarts(p), KubectlPodFormat.Age(p, now)))
            .ToArray();

    /// <summary>
    /// False for pods that are done or going away: a finished Job's pod (Succeeded, or Failed when a
    /// Job owns it: the Job retries elsewhere) and pods being deleted (a rollout's old pods; the
    /// Deployment check covers their replacements).
    /// </summary>
    public static bool Counts(V1Pod pod)
    {
        if (pod.Metadata?.DeletionTimestamp is not null) return false;
        var phase = pod.Status?.Phase;
        if (phase == "Succeeded") return false;
        var ownedByJob = pod.Metadata?.OwnerReferences?.Any(o => o.Kind == "Job") == true;
        return !(ownedByJob && phase == "Failed");
    }

    /// <summary>Running, and every container of the spec has a status that is ready and running.</summary>
    public static bool IsPodReady(V1Pod pod)
    {
        if (pod.Status?.Phase != "Running") return false;
        var statuses = pod.Status.ContainerStatuses ?? Array.Empty<V1ContainerStatus>();
        var names = pod.Spec?.Containers?.Select(c => c.Name).ToArray() ?? statuses.Select(s => s.Name).ToArray();
        if (names.Length == 0) return false;
        return names.All(n => statuses.Any(s => s.Name == n && s.Ready && s.State?.Running is not null));
    }

    /// <summary>
    /// Ready as istioctl's wait sees a Deployment: the controller has observed the newest spec, all
    /// replicas run the newest template, and that many are available. Null when available.
    /// </summary>
    public static string? DeploymentProblem(V1Deployment deployment)
    {
        var name = deployment.Metadata?.Name;
        var wanted = deployment.Spec?.Replicas ?? 1;
        var status = deployment.Status;
        var generation = deployment.Metadata?.Generation ?? 0;
        var observed = status?.ObservedGeneration ?? 0;
        var updated = status?.UpdatedReplicas ?? 0;
        var available = status?.AvailableReplicas ?? 0;

        string? problem = null;
        if (observed < generation)
            problem = $"the deployment controller has not yet seen generation {generation} (observed {observed})";
        else if (updated != wanted)
            problem = $"{updated} of {wanted} replicas updated";
        else if (available < wanted)
            problem = $"{available} of {wanted} replicas available";
        if (problem is null) return null;

        // A stuck rollout says why in its Progressing condition (ProgressDeadlineExceeded, ReplicaSetCreateError).
        var stuck = status?.Conditions?.FirstOrDefault(c => c.Type == "Progressing" && c.Status == "False");
        if (stuck is not null) problem += $" ({Join(stuck.Reason, stuck.Message)})";
        return $"deployment {name}: {problem}";
    }

    /// <summary>
    /// Why a pod is not ready, the way a person reading <c>kubectl describe</c> would say it:
    /// "istiod-xxx: container discovery waiting: CrashLoopBackOff: back-off 40s restarting failed container".
    /// </summary>
    public static string DescribePod(V1Pod pod)
    {
        var name = pod.Metadata?.Name;
        var status = pod.Status;
        var reasons = new List<string>();

        if (status?.Phase == "Failed")
        {
            reasons.Add("pod failed" + Suffix(Join(status.Reason, status.Message)));
        }

        var scheduled = status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
        if (scheduled is { Status: "False" })
        {
            reasons.Add("not scheduled" + Suffix(Join(scheduled.Reason ?? "Unschedulable", scheduled.Message)));
        }

        foreach (var init in status?.InitContainerStatuses ?? Array.Empty<V1ContainerStatus>())
        {
            if (init.State?.Terminated is { ExitCode: 0 }) continue;
            reasons.Add(DescribeContainer("init container", init) ?? $"init container {init.Name} not finished");
            break; // later init containers have not started
        }

        var statuses = status?.ContainerStatuses ?? Array.Empty<V1ContainerStatus>();
        foreach (var container in statuses)
        {
            if (container.Ready && container.State?.Running is not null) continue;
            reasons.Add(DescribeContainer("container", container) ?? $"container {container.Name} running but not ready");
        }

        var missing = (pod.Spec?.Containers ?? Array.Empty<V1Container>()).Select(c => c.Name)
            .Where(n => statuses.All(s => s.Name != n)).ToArray();
        if (reasons.Count == 0 && missing.Length > 0)
        {
            reasons.Add($"{status?.Phase ?? "Pending"}, container{(missing.Length == 1 ? "" : "s")} {string.Join(", ", missing)} not started");
        }

        if (reasons.Count == 0)
        {
            var readyCondition = status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
            reasons.Add(readyCondition is { Status: not "True" }
                ? "not ready" + Suffix(Join(readyCondition.Reason, readyCondition.Message))
                : $"phase {status?.Phase ?? "unknown"}");
        }

        return $"{name}: {string.Join("; ", reasons)}";
    }

    private static string? DescribeContainer(string kind, V1ContainerStatus c)
    {
        if (c.State?.Waiting is { } w)
            return $"{kind} {c.Name} waiting" + Suffix(Join(w.Reason, w.Message));
        if (c.State?.Terminated is { } t)
            return $"{kind} {c.Name} terminated" + Suffix(Join(t.Reason, t.Message)) + $" (exit code {t.ExitCode})";
        return null;
    }

    private static string Join(string? reason, string? message) =>
        string.Join(": ", new[] { reason, message?.Trim() }.Where(s => !string.IsNullOrEmpty(s)));

    private static string Suffix(string text) => text.Length == 0 ? string.Empty : ": " + text;
}
