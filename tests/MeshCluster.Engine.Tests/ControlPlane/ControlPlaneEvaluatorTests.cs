using MeshCluster.Engine.ControlPlane;
using static MeshCluster.Engine.Tests.ControlPlane.PodBuilder;

namespace MeshCluster.Engine.Tests.ControlPlane;

public class ControlPlaneEvaluatorTests
{
    [Fact]
    public void Guide_pair_is_ready()
    {
        var s = ControlPlaneEvaluator.Evaluate(
            new[] { Pod("prometheus-b54c6f66b-q8hbt", "Running", Running("prometheus"), Running("istio-proxy")), Pod("istiod-f756bbfc4-thkmk") },
            new[] { Deployment("istiod"), Deployment("prometheus") });
        Assert.True(s.Ready);
        Assert.Equal((2, 2, 2, 2), (s.PodsReady, s.PodsCounted, s.DeploymentsAvailable, s.DeploymentsTotal));
        Assert.Empty(s.Problems);
        Assert.Equal("istiod-f756bbfc4-thkmk", s.Pods[0].Metadata.Name); // sorted as kubectl sorts
        Assert.Equal("2/2 pods ready, 2/2 deployments available", s.Summary);
    }

    [Fact]
    public void No_pods_is_not_ready()
    {
        var s = ControlPlaneEvaluator.Evaluate(Array.Empty<k8s.Models.V1Pod>(), Array.Empty<k8s.Models.V1Deployment>());
        Assert.False(s.Ready);
        Assert.Equal(0, s.Percent);
    }

    [Fact]
    public void CrashLoopBackOff_is_named_with_container_and_message()
    {
        var s = ControlPlaneEvaluator.Evaluate(
            new[] { Pod("istiod-xxx", "Running", Waiting("discovery", "CrashLoopBackOff", "back-off 40s restarting failed container")) },
            new[] { Deployment("istiod", available: 0) });
        Assert.False(s.Ready);
        Assert.Equal(new[]
        {
            "istiod-xxx: container discovery waiting: CrashLoopBackOff: back-off 40s restarting failed container",
            "deployment istiod: 0 of 1 replicas available",
        }, s.Problems);
    }

    [Fact]
    public void Unschedulable_pod_says_not_scheduled()
    {
        var problem = ControlPlaneEvaluator.DescribePod(Unschedulable("istiod-2"));
        Assert.Equal("istiod-2: not scheduled: Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.", problem);
    }

    [Fact]
    public void ImagePullBackOff_pod_is_named()
    {
        var pod = Pod("istiod-3", "Pending", Waiting("discovery", "ImagePullBackOff", "Back-off pulling image \"istio/pilot\""));
        Assert.False(ControlPlaneEvaluator.IsPodReady(pod));
        Assert.Equal("istiod-3: container discovery waiting: ImagePullBackOff: Back-off pulling image \"istio/pilot\"", ControlPlaneEvaluator.DescribePod(pod));
    }

    [Fact]
    public void Running_but_unready_container_and_missing_status_are_not_ready()
    {
        Assert.False(ControlPlaneEvaluator.IsPodReady(Pod("p", "Running", Running("a"), Running("b", ready: false))));
        Assert.Equal("p: container b running but not ready", ControlPlaneEvaluator.DescribePod(Pod("p", "Running", Running("a"), Running("b", ready: false))));

        var missing = Pod("q", "Pending");
        missing.Status.ContainerStatuses = null;
        Assert.False(ControlPlaneEvaluator.IsPodReady(missing));
        Assert.Equal("q: Pending, container discovery not started", ControlPlaneEvaluator.DescribePod(missing));
    }

    [Fact]
    public void Finished_job_pods_and_deleted_pods_do_not_count()
    {
        var completed = Pod("istio-init-abc", "Succeeded", Terminated("init", "Completed", 0));
        var failedJobPod = OwnedByJob(Pod("istio-init-def", "Failed", Terminated("init", "Error", 1)));
        var deleting = Pod("istiod-old", "Running", Waiting("discovery", "CrashLoopBackOff", "x"));
        deleting.Metadata.DeletionTimestamp = Now;
        var s = ControlPlaneEvaluator.Evaluate(new[] { completed, failedJobPod, deleting, Pod("istiod-new") }, new[] { Deployment("istiod") });
        Assert.True(s.Ready);
        Assert.Equal((1, 1), (s.PodsReady, s.PodsCounted));

        var rows = ControlPlaneEvaluator.Rows(s.Pods, Now);
        Assert.Equal(4, rows.Length); // the table still lists them, as kubectl does
        Assert.Equal("Completed", rows.Single(r => r.Name == "istio-init-abc").Status);
        Assert.False(ControlPlaneEvaluator.Counts(completed));
    }

    [Fact]
    public void Failed_pod_without_job_owner_counts_and_blocks()
    {
        var s = ControlPlaneEvaluator.Evaluate(new[] { Pod("bare", "Failed", Terminated("a", "Error", 1)) }, Array.Empty<k8s.Models.V1Deployment>());
        Assert.False(s.Ready);
        Assert.StartsWith("bare: pod failed; container a terminated: Error (exit code 1)", s.Problems.Single());
    }

    [Theory]
    [InlineData(1, 2, 1, 1, 1, "deployment istiod: the deployment controller has not yet seen generation 2 (observed 1)")]
    [InlineData(2, 1, 1, 1, 1, "deployment istiod: 1 of 2 replicas updated")]
    [InlineData(2, 1, 1, 2, 1, "deployment istiod: 1 of 2 replicas available")]
    [InlineData(2, 1, 1, 2, 2, null)]
    [InlineData(1, 3, 3, 1, 5, null)]
    public void Deployment_readiness_follows_istioctl(int replicas, long generation, long observed, int updated, int available, string? expected) =>
        Assert.Equal(expected, ControlPlaneEvaluator.DeploymentProblem(Deployment("istiod", replicas, generation, observed, updated, available)));

    [Fact]
    public void Stuck_rollout_says_why()
    {
        var d = Deployment("istiod", available: 0);
        d.Status.Conditions = new List<k8s.Models.V1DeploymentCondition>
        {
            new() { Type = "Progressing", Status = "False", Reason = "ProgressDeadlineExceeded", Message = "ReplicaSet \"istiod-1\" has timed out progressing." },
        };
        Assert.Equal("deployment istiod: 0 of 1 replicas available (ProgressDeadlineExceeded: ReplicaSet \"istiod-1\" has timed out progressing.)",
            ControlPlaneEvaluator.DeploymentProblem(d));
    }

    [Fact]
    public void Pods_ready_but_deployment_not_yet_available_is_not_ready()
    {
        var s = ControlPlaneEvaluator.Evaluate(new[] { Pod("istiod-1") }, new[] { Deployment("istiod", replicas: 2, updated: 2, available: 1) });
        Assert.False(s.Ready);
        Assert.Equal(50, s.Percent);
    }
}
