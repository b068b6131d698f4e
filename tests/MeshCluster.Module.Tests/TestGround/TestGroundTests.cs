using System.Diagnostics;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests.TestGround;

/// <summary>The test ground itself: real API servers, controllers, and the simulated kubelet and load balancer.</summary>
public sealed class TestGroundTests(ClustersFixture fixture)
{
    private readonly TestClusters _clusters = fixture.Clusters;
    private static void Out(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    [Fact]
    public async Task Both_clusters_answer_with_their_own_identity()
    {
        foreach (var line in fixture.StartupLog) Out(line);
        Out($"Startup: {_clusters.StartupTime.TotalMilliseconds:0} ms");

        Assert.Equal(new[] { "cluster1", "cluster2" }, _clusters.All.Select(c => c.ContextName));
        Assert.NotEqual(_clusters.Cluster1.Server, _clusters.Cluster2.Server);
        var uids = new List<string>();
        foreach (var cluster in _clusters.All)
        {
            Assert.StartsWith("https://127.0.0.1:", cluster.Server);
            Assert.Contains("BEGIN CERTIFICATE", await File.ReadAllTextAsync(cluster.CaFile, Ct));
            var kubeSystem = await cluster.Admin.CoreV1.ReadNamespaceAsync("kube-system", cancellationToken: Ct);
            uids.Add(kubeSystem.Metadata.Uid);
            var version = await cluster.Admin.Version.GetCodeAsync(Ct);
            Assert.Equal("1", version.Major);
            Assert.StartsWith("20", version.Minor);
        }

        // Separate etcd prefixes: two clusters, not one seen twice.
        Assert.NotEqual(uids[0], uids[1]);
        var kubeconfig = await File.ReadAllTextAsync(_clusters.KubeConfigPath, Ct);
        Assert.Contains("current-context: cluster1", kubeconfig);
        Assert.DoesNotContain("insecure-skip-tls-verify", kubeconfig);
    }

    [Fact]
    public async Task The_CA_is_verified_and_a_wrong_CA_is_refused()
    {
        // The serving certificate chains to CaFile, not to the other cluster's CA.
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(_clusters.KubeConfigPath, currentContext: "cluster1");
        config.SslCaCerts = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection(
            System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(_clusters.Cluster2.CaFile, Ct)));
        using var wrong = new Kubernetes(config);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => wrong.CoreV1.ListNamespaceAsync(cancellationToken: Ct));
    }

    [Fact]
    public async Task Service_accounts_get_token_secrets_with_the_CA()
    {
        var cluster = _clusters.Cluster2;
        var ns = fixture.UniqueName("tg-sa");
        await cluster.EnsureNamespaceAsync(ns, Ct);
        await cluster.EnsureNamespaceAsync(ns, Ct); // idempotent
        var account = await cluster.Admin.CoreV1.ReadNamespacedServiceAccountAsync("default", ns, cancellationToken: Ct);
        var secret = await cluster.Admin.CoreV1.ReadNamespacedSecretAsync(Assert.Single(account.Secrets).Name, ns, cancellationToken: Ct);
        Assert.Equal("kubernetes.io/service-account-token", secret.Type);
        Assert.Equal(await File.ReadAllTextAsync(cluster.CaFile, Ct), System.Text.Encoding.UTF8.GetString(secret.Data["ca.crt"]));

        // The token authenticates as the service account (and RBAC forbids it the namespace list).
        var token = System.Text.Encoding.UTF8.GetString(secret.Data["token"]);
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(_clusters.KubeConfigPath, currentContext: cluster.ContextName);
        config.AccessToken = token;
        using var asAccount = new Kubernetes(config);
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => asAccount.CoreV1.ListNamespaceAsync(cancellationToken: Ct));
        Assert.Equal(HttpStatusCode.Forbidden, ex.Response.StatusCode);
        Assert.Contains($"system:serviceaccount:{ns}:default", ex.Response.Content);
    }

    [Fact]
    public async Task Load_balancer_status_is_written_through_the_status_subresource()
    {
        var cluster = _clusters.Cluster1;
        var ns = fixture.UniqueName("tg-lb");
        await cluster.EnsureNamespaceAsync(ns, Ct);
        var created = await LoadBalancerSimulator.CreateServiceAsync(cluster.Admin, ns, "istio-ingressgateway", ct: Ct);
        Assert.Equal("LoadBalancer", created.Spec.Type);
        Assert.Equal(new[] { 80, 15021, 15443 }, created.Spec.Ports.Select(p => p.Port));
        Assert.All(created.Spec.Ports, p => Assert.Equal("TCP", p.Protocol));

        await LoadBalancerSimulator.SetIngressAsync(cluster.Admin, ns, "istio-ingressgateway",
            new (string?, string?)[] { ("192.0.2.10", null), (null, "lb.example.test") }, Ct);
        var read = await cluster.Admin.CoreV1.ReadNamespacedServiceAsync("istio-ingressgateway", ns, cancellationToken: Ct);
        Assert.Collection(read.Status.LoadBalancer.Ingress,
            i => Assert.Equal("192.0.2.10", i.Ip),
            i => Assert.Equal("lb.example.test", i.Hostname));

        await LoadBalancerSimulator.SetIngressAsync(cluster.Admin, ns, "istio-ingressgateway", Array.Empty<(string?, string?)>(), Ct);
        read = await cluster.Admin.CoreV1.ReadNamespacedServiceAsync("istio-ingressgateway", ns, cancellationToken: Ct);
        Assert.True(read.Status?.LoadBalancer?.Ingress is null or { Count: 0 });
    }

    [Fact]
    public async Task A_deployment_becomes_available_with_the_simulated_kubelet()
    {
        var cluster = _clusters.Cluster2;
        var ns = fixture.UniqueName("tg-deploy");
        await cluster.EnsureNamespaceAsync(ns, Ct);
        await using var kubelet = SimulatedKubelet.Start(cluster.Admin, ns, new SimulatedKubeletOptions { ReadyAfter = TimeSpan.FromMilliseconds(300) });

        var stopwatch = Stopwatch.StartNew();
        await cluster.Admin.AppsV1.CreateNamespacedDeploymentAsync(TestWorkloads.Deployment("istiod", 2), ns, cancellationToken: Ct);
        var deployment = await WaitDeploymentAsync(cluster.Admin, ns, "istiod", d => d.Status?.AvailableReplicas == 2, TimeSpan.FromSeconds(60));
        Out($"Deployment available after {stopwatch.ElapsedMilliseconds} ms; last pod Ready at +{(kubelet.LastReadyAt!.Value - DateTime.UtcNow + stopwatch.Elapsed).TotalMilliseconds:0} ms");

        Assert.Equal(2, deployment.Status.ReadyReplicas);
        Assert.Equal(2, deployment.Status.UpdatedReplicas);
        Assert.Equal(2, kubelet.ReadyAt.Count);
        var pods = await cluster.Admin.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: Ct);
        Assert.All(pods.Items, p =>
        {
            Assert.Equal("Running", p.Status.Phase);
            Assert.Contains(p.Status.Conditions, c => c.Type == "Ready" && c.Status == "True");
            Assert.True(Assert.Single(p.Status.ContainerStatuses).Ready);
            Assert.StartsWith("10.", p.Status.PodIP);
        });
        Assert.Empty(kubelet.Errors);
    }

    [Theory]
    [InlineData(PodFate.CrashLoopBackOff, "Running", "CrashLoopBackOff")]
    [InlineData(PodFate.ImagePullBackOff, "Pending", "ImagePullBackOff")]
    [InlineData(PodFate.Unschedulable, "Pending", "Unschedulable")]
    public async Task Failing_pods_keep_a_deployment_unavailable(PodFate fate, string phase, string reason)
    {
        var cluster = _clusters.Cluster2;
        var ns = fixture.UniqueName("tg-fate");
        await cluster.EnsureNamespaceAsync(ns, Ct);
        await using var kubelet = SimulatedKubelet.Start(cluster.Admin, ns, new SimulatedKubeletOptions
        {
            ReadyAfter = TimeSpan.FromMilliseconds(100),
            Fate = _ => fate,
        });
        await cluster.Admin.AppsV1.CreateNamespacedDeploymentAsync(TestWorkloads.Deployment("istiod", 1), ns, cancellationToken: Ct);

        V1Pod pod;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var pods = await cluster.Admin.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: Ct);
            if (pods.Items.FirstOrDefault(p => p.Status?.Conditions is { Count: > 0 }) is { } p) { pod = p; break; }
            Assert.True(DateTime.UtcNow < deadline, "no pod got a status");
            await Task.Delay(100, Ct);
        }

        Assert.Equal(phase, pod.Status.Phase);
        if (fate == PodFate.Unschedulable)
        {
            var scheduled = Assert.Single(pod.Status.Conditions, c => c.Type == "PodScheduled");
            Assert.Equal("False", scheduled.Status);
            Assert.Equal(reason, scheduled.Reason);
            Assert.StartsWith("0/1 nodes are available", scheduled.Message);
        }
        else
        {
            var status = Assert.Single(pod.Status.ContainerStatuses);
            Assert.Equal(reason, status.State.Waiting.Reason);
            Assert.False(status.Ready);
            if (fate == PodFate.CrashLoopBackOff)
            {
                Assert.Equal(3, status.RestartCount);
                Assert.False(string.IsNullOrEmpty(status.State.Waiting.Message));
            }
        }

        // The real controllers saw the pod and still count nothing available.
        var deployment = await WaitDeploymentAsync(cluster.Admin, ns, "istiod", d => d.Status?.Replicas == 1, TimeSpan.FromSeconds(30));
        Assert.True(deployment.Status.AvailableReplicas is null or 0);
        Assert.Empty(kubelet.ReadyAt);
    }

    [Fact]
    public async Task Attaches_to_running_clusters_named_by_the_environment_and_stops_nothing()
    {
        var previous = Environment.GetEnvironmentVariable(TestClusters.AttachVariable);
        Environment.SetEnvironmentVariable(TestClusters.AttachVariable, _clusters.KubeConfigPath);
        try
        {
            var attached = await TestClusters.StartAsync(ct: Ct);
            Assert.True(attached.Attached);
            Assert.Equal(_clusters.KubeConfigPath, attached.KubeConfigPath);
            Assert.Equal(_clusters.All.Select(c => c.Server), attached.All.Select(c => c.Server));
            for (var i = 0; i < 2; i++)
            {
                Assert.Equal(await File.ReadAllTextAsync(_clusters.All[i].CaFile, Ct), await File.ReadAllTextAsync(attached.All[i].CaFile, Ct));
                await attached.All[i].Admin.CoreV1.ReadNamespaceAsync("default", cancellationToken: Ct);
            }

            // A test ground's own kubeconfig: the CA key beside it is found, so a fault proxy chains to the cluster's CA.
            await using (var proxy = FaultProxy.Start(attached.Cluster2))
            {
                Assert.True(proxy.ChainsToClusterCa);
            }

            await attached.DisposeAsync();
        }
        finally
        {
            Environment.SetEnvironmentVariable(TestClusters.AttachVariable, previous);
        }

        // Still running.
        await _clusters.Cluster1.Admin.CoreV1.ReadNamespaceAsync("default", cancellationToken: Ct);
        Assert.True(File.Exists(_clusters.KubeConfigPath));
    }

    [Fact]
    public async Task A_fault_proxy_on_clusters_whose_CA_key_is_unknown_brings_its_own_CA_that_its_kubeconfig_trusts()
    {
        // A kubeconfig elsewhere (no pki folder beside it), as for clusters the test ground did not start.
        var dir = Directory.CreateTempSubdirectory("meshcluster-foreign-");
        var previous = Environment.GetEnvironmentVariable(TestClusters.AttachVariable);
        try
        {
            var kubeConfig = Path.Combine(dir.FullName, "kubeconfig");
            File.Copy(_clusters.KubeConfigPath, kubeConfig);
            Environment.SetEnvironmentVariable(TestClusters.AttachVariable, kubeConfig);
            var attached = await TestClusters.StartAsync(new TestClustersOptions { WorkDir = Path.Combine(dir.FullName, "work") }, Ct);
            await using (var proxy = FaultProxy.Start(attached.Cluster2))
            {
                Assert.False(proxy.ChainsToClusterCa);
                Assert.NotEqual(await File.ReadAllTextAsync(attached.Cluster2.CaFile, Ct), await File.ReadAllTextAsync(proxy.CaFile, Ct));
                using var client = ProxyClients.Kube(proxy.KubeConfigPath, proxy.ContextName);
                Assert.Equal("default", (await client.CoreV1.ReadNamespaceAsync("default", cancellationToken: Ct)).Metadata.Name);
                Assert.Single(proxy.Requests);
            }

            await attached.DisposeAsync();
        }
        finally
        {
            Environment.SetEnvironmentVariable(TestClusters.AttachVariable, previous);
            dir.Delete(recursive: true);
        }
    }

    private static async Task<V1Deployment> WaitDeploymentAsync(IKubernetes client, string ns, string name, Func<V1Deployment, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var deployment = await client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: Ct);
            if (done(deployment)) return deployment;
            Assert.True(DateTime.UtcNow < deadline, $"Deployment {ns}/{name} did not reach the expected status: {KubernetesJson.Serialize(deployment.Status)}");
            await Task.Delay(100, Ct);
        }
    }
}
