using System.Diagnostics;
using System.Management.Automation;
using System.Net;
using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>
/// Wait-IstioControlPlane against real API servers: the real deployment and replicaset controllers
/// make the pods, the simulated kubelet moves them to Ready (or CrashLoopBackOff...).
/// </summary>
public sealed class WaitControlPlaneTests(ClustersFixture fixture)
{
    private const string Cmdlet = "MeshCluster.Commands.WaitIstioControlPlaneCommand";
    private readonly TestCluster _cluster = fixture.Clusters.Cluster2;
    private static void Out(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    [Fact]
    public async Task Guide_pair_becomes_ready_and_the_status_reads_like_kubectl()
    {
        var ns = await NamespaceAsync("cp-ready");
        using var session = fixture.NewSession();
        await using var kubelet = SimulatedKubelet.Start(_cluster.Admin, ns, new SimulatedKubeletOptions { ReadyAfter = TimeSpan.FromSeconds(1) });
        await CreateGuideDeploymentsAsync(ns);

        var result = session.Invoke("Wait-IstioControlPlane -Context $C2 -Namespace $args[0] -ClusterName remote2 -Timeout 00:01:00", ns);

        result.AssertSucceeded();
        var status = Assert.Single(result.Output);
        Assert.Equal("MeshCluster.IstioControlPlaneStatus", status.TypeNames[0]);
        Assert.Equal("cluster2", status.Prop("Context"));
        Assert.Equal("remote2", status.Prop("ClusterName"));
        Assert.Equal(ns, status.Prop("Namespace"));
        Assert.Equal(true, status.Prop("Ready"));
        Assert.Equal(2, status.Prop("Deployments"));
        Assert.Equal(2, status.Prop("DeploymentsAvailable"));

        var pods = Pods(status);
        Assert.Equal(2, pods.Count);
        Assert.Equal("MeshCluster.IstioPodStatus", pods[0].TypeNames[0]);
        Assert.Matches("^istiod-[a-z0-9]+-[a-z0-9]+$", (string)pods[0].Prop("Name")!);
        Assert.Matches("^prometheus-[a-z0-9]+-[a-z0-9]+$", (string)pods[1].Prop("Name")!);
        Assert.Equal(new object?[] { "1/1", "Running", 0 }, new[] { pods[0].Prop("Ready"), pods[0].Prop("Status"), pods[0].Prop("Restarts") });
        Assert.Equal(new object?[] { "2/2", "Running", 0 }, new[] { pods[1].Prop("Ready"), pods[1].Prop("Status"), pods[1].Prop("Restarts") });
        var age = Assert.IsType<TimeSpan>(pods[0].Prop("Age"));
        Assert.InRange(age, TimeSpan.Zero, TimeSpan.FromMinutes(1));

        // The same rows kubectl prints for the namespace.
        AssertMatchesKubectl(ns, pods);

        // The view's AGE column, through the module's own formatter.
        var ageText = session.Invoke("[MeshCluster.IstioPodStatus]::FormatAge([TimeSpan]::FromMinutes(136))");
        Assert.Equal("136m", Assert.Single(ageText.Output).BaseObject);

        // Progress went from not ready to ready, showing pods and deployments.
        var statuses = result.Progress.Where(p => p.RecordType == ProgressRecordType.Processing).Select(p => p.StatusDescription).ToList();
        foreach (var s in statuses) Out("progress: " + s);
        Assert.Contains(statuses, s => Regex.IsMatch(s, @"^cluster2/\S+: [01]/\d pods ready, [01]/\d deployments available$"));
        Assert.Contains($"cluster2/{ns}: 2/2 pods ready, 2/2 deployments available", statuses);
        Assert.Contains(result.Progress, p => p.RecordType == ProgressRecordType.Completed);
        Assert.Empty(kubelet.Errors);
        await DeleteNamespaceAsync(ns);
    }

    [Fact]
    public async Task CrashLoopBackOff_times_out_naming_the_pod_and_reason()
    {
        var ns = await NamespaceAsync("cp-crash");
        using var session = fixture.NewSession();
        await using var kubelet = SimulatedKubelet.Start(_cluster.Admin, ns, new SimulatedKubeletOptions
        {
            ReadyAfter = TimeSpan.FromMilliseconds(200),
            Fate = p => p.Metadata.Name.StartsWith("istiod-", StringComparison.Ordinal) ? PodFate.CrashLoopBackOff : PodFate.Ready,
        });
        await CreateGuideDeploymentsAsync(ns);
        // The controller-manager makes the pods a moment later (later on a busy host): the snapshot is taken once both exist.
        await WaitForPodsAsync(ns, 2);
        var before = await SnapshotAsync(ns);

        var result = session.Invoke("Wait-IstioControlPlane -Context $C2 -Namespace $args[0] -Timeout 00:00:03", ns);

        Assert.Empty(result.Output);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("ControlPlaneNotReady,", error.FullyQualifiedErrorId);
        Assert.EndsWith(Cmdlet, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
        var message = error.Exception.Message;
        Out(message);
        var istiod = (await _cluster.Admin.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "app=istiod", cancellationToken: Ct)).Items.Single().Metadata.Name;
        Assert.Contains($"{istiod}: container discovery waiting: CrashLoopBackOff: back-off 40s restarting failed container", message);
        Assert.Contains("deployment istiod: 0 of 1 replicas available", message);
        Assert.DoesNotContain("prometheus-", message); // the ready pod is not blamed

        // The target is the status with Ready False: the pods' table of what went wrong.
        var target = PSObject.AsPSObject(error.TargetObject);
        Assert.Equal("MeshCluster.IstioControlPlaneStatus", target.TypeNames[0]);
        Assert.Equal(false, target.Prop("Ready"));
        var crashed = Pods(target).Single(p => (string)p.Prop("Name")! == istiod);
        Assert.Equal("CrashLoopBackOff", crashed.Prop("Status"));
        Assert.Equal(3, crashed.Prop("Restarts"));
        AssertMatchesKubectl(ns, Pods(target));

        // A wait reads only: nothing in the namespace changed because of it.
        Assert.Equal(before, await SnapshotAsync(ns));
        result.AssertNoSecret(fixture.AdminTokens);
        await DeleteNamespaceAsync(ns);
    }

    [Theory]
    [InlineData(PodFate.Unschedulable, "not scheduled: Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.")]
    [InlineData(PodFate.ImagePullBackOff, "container discovery waiting: ImagePullBackOff: Back-off pulling image \"docker.io/istio/pilot:1.7.0\"")]
    public async Task Other_failures_are_named_with_their_reason(PodFate fate, string expected)
    {
        var ns = await NamespaceAsync("cp-" + fate.ToString().ToLowerInvariant());
        using var session = fixture.NewSession();
        await using var kubelet = SimulatedKubelet.Start(_cluster.Admin, ns, new SimulatedKubeletOptions
        {
            ReadyAfter = TimeSpan.FromMilliseconds(200),
            Fate = p => p.Metadata.Name.StartsWith("istiod-", StringComparison.Ordinal) ? fate : PodFate.Ready,
        });
        await CreateGuideDeploymentsAsync(ns);

        var result = session.Invoke("Wait-IstioControlPlane -Context $C2 -Namespace $args[0] -Timeout 00:00:03", ns);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("ControlPlaneNotReady,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
        Out(error.Exception.Message);
        Assert.Matches($@"istiod-[a-z0-9]+-[a-z0-9]+: {Regex.Escape(expected)}", error.Exception.Message);
        Assert.Empty(result.Output);
        await DeleteNamespaceAsync(ns);
    }

    [Fact]
    public async Task Deployment_with_one_of_two_replicas_crashing_is_not_ready()
    {
        var ns = await NamespaceAsync("cp-half");
        using var session = fixture.NewSession();
        var count = 0;
        await using var kubelet = SimulatedKubelet.Start(_cluster.Admin, ns, new SimulatedKubeletOptions
        {
            ReadyAfter = TimeSpan.FromMilliseconds(200),
            Fate = _ => Interlocked.Increment(ref count) == 1 ? PodFate.Ready : PodFate.CrashLoopBackOff,
        });
        await _cluster.Admin.AppsV1.CreateNamespacedDeploymentAsync(TestWorkloads.Deployment("istiod", 2, "discovery"), ns, cancellationToken: Ct);

        var result = session.Invoke("Wait-IstioControlPlane -Context $C2 -Namespace $args[0] -Timeout 00:00:03", ns);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("ControlPlaneNotReady,", error.FullyQualifiedErrorId);
        Assert.Contains("(1/2 pods ready, 0/1 deployments available)", error.Exception.Message);
        Assert.Contains("deployment istiod: 1 of 2 replicas available", error.Exception.Message);
        await DeleteNamespaceAsync(ns);
    }

    [Fact]
    public async Task Empty_namespace_says_it_has_no_pods()
    {
        var ns = await NamespaceAsync("cp-empty");
        using var session = fixture.NewSession();

        var result = session.Invoke("Wait-IstioControlPlane -Context $C2 -Namespace $args[0] -Timeout 00:00:01", ns);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("ControlPlaneNotReady,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
        Assert.Contains($"namespace '{ns}' of context 'cluster2'", error.Exception.Message);
        Assert.Contains("the namespace has no pods (was Istio installed?)", error.Exception.Message);
        Assert.Equal($"cluster2/{ns}", error.TargetObject?.ToString());
        Assert.Empty(result.Warnings);
        Assert.Empty(result.Output);
        await DeleteNamespaceAsync(ns);
    }

    [Fact]
    public async Task Missing_namespace_warns_at_once_then_fails_as_not_found()
    {
        var ns = fixture.UniqueName("cp-missing");
        using var session = fixture.NewSession();

        var result = session.Invoke("Wait-IstioControlPlane -Context $C2 -Namespace $args[0] -Timeout 00:00:01", ns);

        var warning = Assert.Single(result.Warnings);
        Assert.Contains($"The namespace '{ns}' does not exist in context 'cluster2' (yet)", warning);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("ControlPlaneNamespaceNotFound,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal($"cluster2/{ns}", error.TargetObject?.ToString());
        Assert.Contains("Was Istio installed there?", error.Exception.Message);
        Assert.Empty(result.Output);

        // Waiting created nothing.
        var gone = await Assert.ThrowsAsync<HttpOperationException>(() => _cluster.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct));
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
    }

    [Fact]
    public async Task A_namespace_created_during_the_wait_is_waited_for()
    {
        var ns = fixture.UniqueName("cp-late");
        using var session = fixture.NewSession();
        var wait = session.InvokeAsync("Wait-IstioControlPlane -Context $C2 -Namespace $args[0] -Timeout 00:01:00", null, ns);

        await Task.Delay(TimeSpan.FromMilliseconds(500), Ct); // let the wait start on the missing namespace
        await _cluster.EnsureNamespaceAsync(ns, Ct);
        await using var kubelet = SimulatedKubelet.Start(_cluster.Admin, ns, new SimulatedKubeletOptions { ReadyAfter = TimeSpan.FromMilliseconds(200) });
        await _cluster.Admin.AppsV1.CreateNamespacedDeploymentAsync(TestWorkloads.Deployment("istiod", 1, "discovery"), ns, cancellationToken: Ct);
        var result = await wait;

        result.AssertSucceeded();
        Assert.Single(result.Warnings);
        Assert.Equal(true, Assert.Single(result.Output).Prop("Ready"));
        await DeleteNamespaceAsync(ns);
    }

    [Fact]
    public async Task Pipeline_binds_Context_ClusterName_and_Namespace_by_property_name()
    {
        var ns = await NamespaceAsync("cp-pipe");
        using var session = fixture.NewSession();
        await using var kubelet = SimulatedKubelet.Start(_cluster.Admin, ns, new SimulatedKubeletOptions { ReadyAfter = TimeSpan.FromMilliseconds(300) });
        await _cluster.Admin.AppsV1.CreateNamespacedDeploymentAsync(TestWorkloads.Deployment("istiod", 1, "discovery"), ns, cancellationToken: Ct);

        var result = session.Invoke("[pscustomobject]@{Context='cluster2'; ClusterName='cluster2'; Namespace=$args[0]} | Wait-IstioControlPlane -Timeout 00:01:00", ns);

        result.AssertSucceeded();
        var status = Assert.Single(result.Output);
        Assert.Equal("cluster2", status.Prop("Context"));
        Assert.Equal("cluster2", status.Prop("ClusterName"));
        Assert.Equal(ns, status.Prop("Namespace"));
        Assert.Equal(true, status.Prop("Ready"));
        await DeleteNamespaceAsync(ns);
    }

    [Fact]
    public async Task Completed_job_pod_is_ignored()
    {
        var ns = await NamespaceAsync("cp-job");
        var jobPod = await CreateCompletedJobPodAsync(ns);
        using var session = fixture.NewSession();
        await using var kubelet = SimulatedKubelet.Start(_cluster.Admin, ns, new SimulatedKubeletOptions { ReadyAfter = TimeSpan.FromMilliseconds(300) });
        await _cluster.Admin.AppsV1.CreateNamespacedDeploymentAsync(TestWorkloads.Deployment("istiod", 1, "discovery"), ns, cancellationToken: Ct);

        var result = session.Invoke("Wait-IstioControlPlane -Context $C2 -Namespace $args[0] -Timeout 00:01:00", ns);

        result.AssertSucceeded();
        var status = Assert.Single(result.Output);
        Assert.Equal(true, status.Prop("Ready"));
        var pods = Pods(status);
        Assert.Equal(2, pods.Count); // listed, as kubectl lists it, but not waited for
        var job = pods.Single(p => (string)p.Prop("Name")! == jobPod);
        Assert.Equal("Completed", job.Prop("Status"));
        Assert.Equal("0/1", job.Prop("Ready"));
        AssertMatchesKubectl(ns, pods);
        await DeleteNamespaceAsync(ns);
    }

    [Fact]
    public async Task Ctrl_C_stops_the_wait_within_a_second()
    {
        var ns = await NamespaceAsync("cp-stop");
        using var session = fixture.NewSession();
        await using var kubelet = SimulatedKubelet.Start(_cluster.Admin, ns, new SimulatedKubeletOptions
        {
            ReadyAfter = TimeSpan.FromMilliseconds(200),
            Fate = _ => PodFate.CrashLoopBackOff,
        });
        await _cluster.Admin.AppsV1.CreateNamespacedDeploymentAsync(TestWorkloads.Deployment("istiod", 1, "discovery"), ns, cancellationToken: Ct);

        var result = await session.InvokeAsync("Wait-IstioControlPlane -Context $C2 -Namespace $args[0] -Timeout 00:05:00", TimeSpan.FromSeconds(2), ns);

        Assert.NotNull(result.StopRequestedAt);
        var stoppedAfter = result.Duration - TimeSpan.FromSeconds(2);
        Out($"Stopped {stoppedAfter.TotalMilliseconds:0} ms after the stop request.");
        Assert.True(result.Stopped is not null || result.Terminating is not null, "the pipeline should have been stopped");
        Assert.Empty(result.Output);
        Assert.Empty(result.Errors);
        Assert.InRange(stoppedAfter, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        await DeleteNamespaceAsync(ns);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("([TimeSpan]::MaxValue)")]
    public void Timeout_must_be_positive_and_at_most_a_week(string timeout)
    {
        using var session = fixture.NewSession();
        var result = session.Invoke($"Wait-IstioControlPlane -Context $C2 -Timeout {timeout}");
        var error = result.FirstError;
        Assert.NotNull(error);
        Assert.StartsWith("ControlPlaneTimeoutInvalid,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(timeout == "0" ? TimeSpan.Zero : TimeSpan.MaxValue, error.TargetObject);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void Context_is_required()
    {
        using var session = fixture.NewSession();
        var result = session.Invoke("Wait-IstioControlPlane -Namespace istio-system");
        var error = result.FirstError;
        Assert.NotNull(error);
        Assert.StartsWith("MissingMandatoryParameter,", error.FullyQualifiedErrorId);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void Unknown_context_is_a_kubeconfig_error()
    {
        using var session = fixture.NewSession();
        var result = session.Invoke("Wait-IstioControlPlane -Context no-such-context -Timeout 00:00:01");
        var error = result.FirstError;
        Assert.NotNull(error);
        Assert.StartsWith("KubeContextNotFound,", error.FullyQualifiedErrorId);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void Help_is_complete()
    {
        using var session = fixture.NewSession();
        var result = session.Invoke("Get-Help Wait-IstioControlPlane -Full");
        var help = Assert.Single(result.Output);
        Assert.Contains("control plane", help.Properties["Synopsis"].Value?.ToString());
        var text = session.Invoke("$h = Get-Help Wait-IstioControlPlane -Full; @($h.examples.example).Count; @($h.parameters.parameter | ForEach-Object { $_.name }) -join ','");
        Assert.True((int)text.Output[0].BaseObject >= 1);
        var names = ((string)text.Output[1].BaseObject).Split(',');
        foreach (var p in new[] { "Context", "ClusterName", "Namespace", "Timeout", "KubeConfig" }) Assert.Contains(p, names);
    }

    // ---- helpers ----

    private async Task<string> NamespaceAsync(string prefix)
    {
        var ns = fixture.UniqueName(prefix);
        await _cluster.EnsureNamespaceAsync(ns, Ct);
        return ns;
    }

    private async Task DeleteNamespaceAsync(string ns)
    {
        try { await _cluster.Admin.CoreV1.DeleteNamespaceAsync(ns, cancellationToken: Ct); }
        catch (Exception ex) { Out($"cleanup of {ns}: {ex.GetType().Name}"); }
    }

    /// <summary>The guide's pair: istiod (1 container) and prometheus (2 containers, the second a sidecar).</summary>
    private async Task CreateGuideDeploymentsAsync(string ns)
    {
        await _cluster.Admin.AppsV1.CreateNamespacedDeploymentAsync(TestWorkloads.Deployment("istiod", 1, "discovery"), ns, cancellationToken: Ct);
        await _cluster.Admin.AppsV1.CreateNamespacedDeploymentAsync(TestWorkloads.Deployment("prometheus", 1, "prometheus", "istio-proxy"), ns, cancellationToken: Ct);
    }

    /// <summary>
    /// A Job (no job controller runs) and a pod it owns, already Succeeded, written before the
    /// simulated kubelet starts so it leaves the pod alone.
    /// </summary>
    private async Task<string> CreateCompletedJobPodAsync(string ns)
    {
        var labels = new Dictionary<string, string> { ["job"] = "istio-init" };
        var container = new V1Container { Name = "init", Image = "docker.io/istio/pilot:1.7.0" };
        var job = await _cluster.Admin.BatchV1.CreateNamespacedJobAsync(new V1Job
        {
            Metadata = new V1ObjectMeta { Name = "istio-init" },
            Spec = new V1JobSpec
            {
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec { RestartPolicy = "Never", Containers = new List<V1Container> { container } },
                },
            },
        }, ns, cancellationToken: Ct);
        var pod = await _cluster.Admin.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = "istio-init-x7k2p",
                Labels = labels,
                OwnerReferences = new List<V1OwnerReference>
                {
                    new() { ApiVersion = "batch/v1", Kind = "Job", Name = job.Metadata.Name, Uid = job.Metadata.Uid, Controller = true },
                },
            },
            Spec = new V1PodSpec { RestartPolicy = "Never", Containers = new List<V1Container> { container } },
        }, ns, cancellationToken: Ct);
        var now = DateTime.UtcNow;
        var status = new V1PodStatus
        {
            Phase = "Succeeded",
            Conditions = new List<V1PodCondition>
            {
                new() { Type = "PodScheduled", Status = "True", LastTransitionTime = now },
                new() { Type = "Ready", Status = "False", Reason = "PodCompleted", LastTransitionTime = now },
            },
            ContainerStatuses = new List<V1ContainerStatus>
            {
                new()
                {
                    Name = "init", Image = container.Image, ImageID = "docker-pullable://" + container.Image, Ready = false, RestartCount = 0,
                    State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 0, Reason = "Completed", StartedAt = now, FinishedAt = now } },
                },
            },
        };
        await _cluster.Admin.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch(new V1Pod { Status = status }, V1Patch.PatchType.MergePatch),
            pod.Metadata.Name, ns, cancellationToken: Ct);
        return pod.Metadata.Name;
    }

    private async Task WaitForPodsAsync(string ns, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await _cluster.Admin.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: Ct)).Items.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The controller-manager made fewer than {count} pods in namespace '{ns}' within 60 s.");
            await Task.Delay(100, Ct);
        }
    }

    private async Task<string> SnapshotAsync(string ns)
    {
        var deployments = await _cluster.Admin.AppsV1.ListNamespacedDeploymentAsync(ns, cancellationToken: Ct);
        var pods = await _cluster.Admin.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: Ct);
        return string.Join(",", deployments.Items.Select(d => $"{d.Metadata.Name}@{d.Metadata.Generation}")
            .Concat(pods.Items.Select(p => p.Metadata.Name).Order()));
    }

    /// <summary>NAME, READY, STATUS and RESTARTS as kubectl 1.32 prints them for the namespace.</summary>
    private void AssertMatchesKubectl(string ns, IReadOnlyList<PSObject> pods)
    {
        var psi = new ProcessStartInfo("kubectl", new[] { "--kubeconfig", fixture.KubeConfigPath, "--context", "cluster2", "-n", ns, "get", "pod", "--no-headers" })
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Out("kubectl get pod:" + Environment.NewLine + stdout);
        var rows = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(c => $"{c[0]} {c[1]} {c[2]} {c[3]}")
            .ToArray();
        var ours = pods.Select(p => $"{p.Prop("Name")} {p.Prop("Ready")} {p.Prop("Status")} {p.Prop("Restarts")}").ToArray();
        Assert.Equal(rows, ours);
    }

    private static IReadOnlyList<PSObject> Pods(PSObject status) =>
        ((System.Collections.IEnumerable)status.Prop("Pods")!).Cast<object>().Select(PSObject.AsPSObject).ToList();
}
