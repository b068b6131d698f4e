using System.Text;
using k8s;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>
/// Istio's "Add a Remote Cluster" guide as one pipeline on the two real clusters. The only test that
/// uses istio-system itself (the others isolate themselves in their own namespaces). The guide's form
/// runs with the guide's istioctl (1.7.8): istioctl 1.24+ is refused it (InstallFormRefusalTests). The
/// stand-in's version is process-wide, hence the stand-in's collection.
/// </summary>
[Collection(nameof(IstioctlStandInCollection))]
public sealed class WorkflowTests : IDisposable
{
    private readonly string? _savedVersion = Environment.GetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION");

    public void Dispose() => Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", _savedVersion);

    private const string Pipeline = """
        Get-IstioDiscoveryAddress -Context $C1 -Wait -Timeout 00:01:00 |
            New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 |
            Install-IstioRemote -Context $C2 |
            Wait-IstioControlPlane -Timeout 00:02:00 |
            Publish-IstioRemoteSecret -PrimaryContext $C1
        """;

    private readonly ClustersFixture _fixture;

    public WorkflowTests(ClustersFixture fixture)
    {
        _fixture = fixture;
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.7.8");
    }

    [Fact]
    public async Task The_whole_guide_runs_as_one_pipeline_and_twice_changes_nothing()
    {
        var c1 = _fixture.Clusters.Cluster1;
        var c2 = _fixture.Clusters.Cluster2;
        await c1.EnsureNamespaceAsync("istio-system", Ct);
        try
        {
            await LoadBalancerSimulator.CreateServiceAsync(c1.Admin, "istio-system", "istio-ingressgateway", ct: Ct);
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            // Left by TrustWorkflowTests (the same collection, either order): the same gateway, its address taken back for the wait below.
            await LoadBalancerSimulator.SetIngressAsync(c1.Admin, "istio-system", "istio-ingressgateway", Array.Empty<(string?, string?)>(), Ct);
        }
        await using var kubelet = SimulatedKubelet.Start(c2.Admin, "istio-system", new SimulatedKubeletOptions { ReadyAfter = TimeSpan.FromMilliseconds(500) });
        using var ps = _fixture.NewSession();
        // -IstioctlPath through the session's defaults: $env:ISTIOCTL would leak into the parallel tests.
        ps.Invoke("$PSDefaultParameterValues['Install-IstioRemote:IstioctlPath'] = $args[0]", RepositoryLayout.IstioctlStandIn);

        // The load balancer assigns the address while the pipeline already waits for it.
        var assign = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2), Ct);
            await LoadBalancerSimulator.SetIngressAsync(c1.Admin, "istio-system", "istio-ingressgateway", new (string?, string?)[] { ("192.0.2.10", null) }, Ct);
        }, Ct);

        var first = ps.Invoke("$ErrorActionPreference = 'Stop'\n" + Pipeline);
        await assign;
        first.AssertSucceeded();
        var published = Assert.Single(first.Output);
        Assert.Equal("MeshCluster.IstioRemoteSecret", published.BaseObject.GetType().FullName);
        Assert.Equal("Created", published.Prop("Action"));
        Assert.Equal("istio-remote-secret-cluster2", published.Prop("SecretName"));
        Assert.Equal("cluster2", published.Prop("ClusterName"));

        // What the primary's istiod would do: find the secret by label, read its kubeconfig, list pods in cluster2.
        var secrets = await c1.Admin.CoreV1.ListNamespacedSecretAsync("istio-system", labelSelector: "istio/multiCluster=true", cancellationToken: Ct);
        var secret = Assert.Single(secrets.Items, s => s.Metadata.Name == "istio-remote-secret-cluster2");
        var kubeconfig = Encoding.UTF8.GetString(Assert.Single(secret.Data).Value);
        var path = Path.Combine(Path.GetTempPath(), $"remote-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, kubeconfig, Ct);
        try
        {
            var remote = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
            var pods = await remote.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: Ct);
            Assert.Contains(pods.Items, p => p.Metadata.NamespaceProperty == "istio-system" && p.Metadata.Name.StartsWith("istiod-"));
        }
        finally
        {
            File.Delete(path);
        }

        // The install step ran: istiod is available in the remote.
        var deployment = await c2.Admin.AppsV1.ReadNamespacedDeploymentAsync("istiod", "istio-system", cancellationToken: Ct);
        Assert.Equal(1, deployment.Status.AvailableReplicas);

        // Twice: the same pipeline again leaves the remote secret as it was.
        var rv = secret.Metadata.ResourceVersion;
        var second = ps.Invoke("$ErrorActionPreference = 'Stop'\n" + Pipeline);
        second.AssertSucceeded();
        Assert.Equal("Unchanged", Assert.Single(second.Output).Prop("Action"));
        var again = await c1.Admin.CoreV1.ReadNamespacedSecretAsync("istio-remote-secret-cluster2", "istio-system", cancellationToken: Ct);
        Assert.Equal(rv, again.Metadata.ResourceVersion);
    }
}
