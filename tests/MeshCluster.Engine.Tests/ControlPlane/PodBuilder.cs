using k8s.Models;

namespace MeshCluster.Engine.Tests.ControlPlane;

/// <summary>Hand-made pods and deployments in the shapes a kubelet and the deployment controller write.</summary>
internal static class PodBuilder
{
    public static readonly DateTime Now = new(2026, 1, 2, 12, 0, 0, DateTimeKind.Utc);

    public static V1Pod Pod(string name, string phase = "Running", params V1ContainerStatus[] containers)
    {
        var statuses = containers.Length == 0 ? new[] { Running("discovery") } : containers;
        return new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "istio-system", Uid = Guid.NewGuid().ToString(), CreationTimestamp = Now.AddMinutes(-136) },
            Spec = new V1PodSpec { Containers = statuses.Select(s => new V1Container { Name = s.Name, Image = "istio/pilot" }).ToList() },
            Status = new V1PodStatus
            {
                Phase = phase,
                ContainerStatuses = statuses.ToList(),
                Conditions = new List<V1PodCondition>
                {
                    new() { Type = "Ready", Status = statuses.All(s => s.Ready) ? "True" : "False" },
                    new() { Type = "PodScheduled", Status = "True" },
                },
            },
        };
    }

    public static V1ContainerStatus Running(string name, bool ready = true, int restarts = 0) => new()
    {
        Name = name,
        Ready = ready,
        RestartCount = restarts,
        Image = "istio/pilot",
        ImageID = "x",
        State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = Now } },
    };

    public static V1ContainerStatus Waiting(string name, string reason, string message, int restarts = 0) => new()
    {
        Name = name,
        Ready = false,
        RestartCount = restarts,
        Image = "istio/pilot",
        ImageID = "x",
        State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = reason, Message = message } },
    };

    public static V1ContainerStatus Terminated(string name, string? reason, int exitCode) => new()
    {
        Name = name,
        Ready = false,
        Image = "istio/pilot",
        ImageID = "x",
        State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { Reason = reason, ExitCode = exitCode } },
    };

    public static V1Pod Unschedulable(string name)
    {
        var pod = Pod(name, "Pending");
        pod.Status.ContainerStatuses = null;
        pod.Status.Conditions = new List<V1PodCondition>
        {
            new() { Type = "PodScheduled", Status = "False", Reason = "Unschedulable", Message = "0/1 nodes are available: 1 Insufficient cpu." },
        };
        return pod;
    }

    public static V1Pod OwnedByJob(V1Pod pod)
    {
        pod.Metadata.OwnerReferences = new List<V1OwnerReference> { new() { Kind = "Job", Name = "istio-init", ApiVersion = "batch/v1", Uid = "u" } };
        return pod;
    }

    public static V1Deployment Deployment(string name, int replicas = 1, long generation = 1, long observed = 1, int updated = 1, int available = 1) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Generation = generation },
        Spec = new V1DeploymentSpec { Replicas = replicas },
        Status = new V1DeploymentStatus { ObservedGeneration = observed, Replicas = replicas, UpdatedReplicas = updated, AvailableReplicas = available },
    };
}
