using MeshCluster.Engine.ControlPlane;
using static MeshCluster.Engine.Tests.ControlPlane.PodBuilder;

namespace MeshCluster.Engine.Tests.ControlPlane;

public class KubectlPodFormatTests
{
    [Theory]
    [InlineData(0, "0s")]
    [InlineData(5, "5s")]
    [InlineData(119, "119s")]
    [InlineData(120, "2m")]
    [InlineData(200, "3m20s")]
    [InlineData(136 * 60, "136m")]
    [InlineData(179 * 60 + 59, "179m")]
    [InlineData(3 * 3600, "3h")]
    [InlineData(5 * 3600 + 12 * 60, "5h12m")]
    [InlineData(8 * 3600 + 30 * 60, "8h")]
    [InlineData(47 * 3600, "47h")]
    [InlineData(51 * 3600, "2d3h")]
    [InlineData(72 * 3600, "3d")]
    [InlineData(30 * 86400, "30d")]
    [InlineData(740 * 86400, "2y10d")]
    [InlineData(9 * 365 * 86400, "9y")]
    [InlineData(-1, "0s")]
    [InlineData(-5, "<invalid>")]
    public void HumanDuration_prints_like_kubectl(long seconds, string expected) =>
        Assert.Equal(expected, IstioPodStatus.FormatAge(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Running_pod_reads_like_the_guide()
    {
        var pod = Pod("prometheus-b54c6f66b-q8hbt", "Running", Running("prometheus"), Running("istio-proxy"));
        Assert.Equal("2/2", KubectlPodFormat.Ready(pod));
        Assert.Equal("Running", KubectlPodFormat.Status(pod));
        Assert.Equal(0, KubectlPodFormat.Restarts(pod));
        Assert.Equal("136m", IstioPodStatus.FormatAge(KubectlPodFormat.Age(pod, Now)));
    }

    [Fact]
    public void Waiting_reason_replaces_the_phase_and_restarts_add_up()
    {
        var pod = Pod("istiod-1", "Running", Waiting("discovery", "CrashLoopBackOff", "back-off 40s", restarts: 3), Running("sidecar", restarts: 1));
        Assert.Equal("CrashLoopBackOff", KubectlPodFormat.Status(pod));
        Assert.Equal("1/2", KubectlPodFormat.Ready(pod));
        Assert.Equal(4, KubectlPodFormat.Restarts(pod));
    }

    [Fact]
    public void First_container_reason_wins_as_kubectl_walks_backwards()
    {
        var pod = Pod("p", "Running", Waiting("a", "ImagePullBackOff", "m"), Waiting("b", "CrashLoopBackOff", "m"));
        Assert.Equal("ImagePullBackOff", KubectlPodFormat.Status(pod));
    }

    [Fact]
    public void Terminated_without_reason_shows_exit_code()
    {
        Assert.Equal("ExitCode:2", KubectlPodFormat.Status(Pod("p", "Running", Terminated("a", null, 2))));
        Assert.Equal("Completed", KubectlPodFormat.Status(Pod("p", "Succeeded", Terminated("a", "Completed", 0))));
    }

    [Fact]
    public void Pending_without_statuses_shows_phase_and_zero_of_n()
    {
        var pod = Unschedulable("istiod-2");
        Assert.Equal("Pending", KubectlPodFormat.Status(pod));
        Assert.Equal("0/1", KubectlPodFormat.Ready(pod));
    }

    [Fact]
    public void Init_container_waiting_shows_init_prefix()
    {
        var pod = Pod("p", "Pending", Waiting("discovery", "PodInitializing", ""));
        pod.Spec.InitContainers = new List<k8s.Models.V1Container> { new() { Name = "istio-init" } };
        pod.Status.InitContainerStatuses = new List<k8s.Models.V1ContainerStatus> { Waiting("istio-init", "CrashLoopBackOff", "m", restarts: 2) };
        Assert.Equal("Init:CrashLoopBackOff", KubectlPodFormat.Status(pod));
        Assert.Equal(2, KubectlPodFormat.Restarts(pod));

        pod.Status.InitContainerStatuses = new List<k8s.Models.V1ContainerStatus> { Running("istio-init", ready: false) };
        Assert.Equal("Init:0/1", KubectlPodFormat.Status(pod));
    }

    [Fact]
    public void Deleted_pod_shows_terminating()
    {
        var pod = Pod("p");
        pod.Metadata.DeletionTimestamp = Now;
        Assert.Equal("Terminating", KubectlPodFormat.Status(pod));
    }
}
