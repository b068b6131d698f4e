using System.Net;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Autorest;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>
/// Istio's "Add a Remote Cluster" guide in one script, trust first, on the two real clusters: the mesh root, one intermediate per
/// cluster published as its cacerts, then the guide's five steps in the form of Istio 1.24 and later (profile remote, the stand-in
/// as istioctl 1.26.8, as the README's walkthrough and the sandbox demo), then the check that both clusters share one root. It uses
/// istio-system itself (as WorkflowTests does) and runs in the stand-in's collection, alone; it leaves its secrets as it found them.
/// </summary>
[Collection(nameof(IstioctlStandInCollection))]
public sealed class TrustWorkflowTests(ClustersFixture fixture) : IAsyncLifetime
{
    /// <summary>The script of the README's walkthrough and the sandbox demo; $args[0] is the folder for the certificates.</summary>
    private const string Script = """
        $ErrorActionPreference = 'Stop'
        $certs = $args[0]

        # Configure trust: one root, one intermediate per cluster, each published as its cluster's cacerts.
        $root = New-IstioCertificateAuthority -Path $certs -KeyAlgorithm Ecdsa
        $clusterCerts = $root | New-IstioClusterCertificate -ClusterName cluster1, cluster2 -Path $certs -KeyAlgorithm Rsa -KeySize 2048
        $clusterCerts[0] | Publish-IstioClusterCertificate -Context $C1
        $clusterCerts[1] | Publish-IstioClusterCertificate -Context $C2

        # The guide's five steps, for Istio 1.24 and later.
        Get-IstioDiscoveryAddress -Context $C1 -Wait -Timeout 00:01:00 |
            New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -Profile Remote -PrimaryClusterName cluster1 |
            Install-IstioRemote -Context $C2 |
            Wait-IstioControlPlane -Timeout 00:02:00 |
            Publish-IstioRemoteSecret -PrimaryContext $C1

        # Both clusters trust one root.
        Test-IstioMeshTrust -Context $C1, $C2
        """;

    private readonly TestCluster _c1 = fixture.Clusters.Cluster1;
    private readonly TestCluster _c2 = fixture.Clusters.Cluster2;
    private readonly string _dir = Directory.CreateTempSubdirectory("trust-workflow-").FullName;

    private readonly string? _savedVersion = Environment.GetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION");

    public async ValueTask InitializeAsync()
    {
        // The remote profile, installed by the stand-in as a current istioctl renders it.
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.26.8");
        await CleanAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", _savedVersion);
        Directory.Delete(_dir, recursive: true);
        await CleanAsync();
    }

    [Fact]
    public async Task The_whole_guide_runs_trust_first_and_both_clusters_share_one_root()
    {
        await _c1.EnsureNamespaceAsync("istio-system", Ct);
        try
        {
            await LoadBalancerSimulator.CreateServiceAsync(_c1.Admin, "istio-system", "istio-ingressgateway", ct: Ct);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // Left by WorkflowTests: the same gateway.
        }

        await LoadBalancerSimulator.SetIngressAsync(_c1.Admin, "istio-system", "istio-ingressgateway", new (string?, string?)[] { ("192.0.2.10", null) }, Ct);
        await using var kubelet = SimulatedKubelet.Start(_c2.Admin, "istio-system", new SimulatedKubeletOptions { ReadyAfter = TimeSpan.FromMilliseconds(500) });
        using var ps = fixture.NewSession();
        ps.Invoke("$PSDefaultParameterValues['Install-IstioRemote:IstioctlPath'] = $args[0]", RepositoryLayout.IstioctlStandIn);

        var result = ps.Invoke(Script, Path.Combine(_dir, "certs"));

        result.AssertSucceeded();
        var types = result.Output.Select(o => o.BaseObject.GetType().Name).ToList();
        Assert.Equal(new[]
        {
            "IstioClusterCertificatePublication", "IstioClusterCertificatePublication", "IstioRemoteSecret", "IstioMeshTrustStatus", "IstioMeshTrustStatus",
        }, types);
        Assert.All(result.Output.Take(2), p => Assert.Equal("Created", p.Prop("Action")));
        Assert.Equal(("cluster2", "Created"), (result.Output[2].Prop("ClusterName"), result.Output[2].Prop("Action")));
        var trust = result.Output.Skip(3).ToList();
        Assert.All(trust, t => Assert.Equal(("Cacerts", true), (t.Prop("State"), t.Prop("SharesOneRoot"))));
        Assert.Equal(new[] { "cluster1", "cluster2" }, trust.Select(t => t.Prop("ClusterName")));
        Assert.Equal(trust[0].Prop("RootThumbprint"), trust[1].Prop("RootThumbprint"));

        // What istiod in each cluster would read: cacerts, intermediate of the one root, for its own cluster.
        var rootPem = await File.ReadAllTextAsync(Path.Combine(_dir, "certs", "root-cert.pem"), Ct);
        foreach (var (cluster, name) in new[] { (_c1, "cluster1"), (_c2, "cluster2") })
        {
            var secret = await cluster.Admin.CoreV1.ReadNamespacedSecretAsync("cacerts", "istio-system", cancellationToken: Ct);
            Assert.Equal(rootPem, System.Text.Encoding.UTF8.GetString(secret.Data["root-cert.pem"]));
            using var ca = X509CertificateLoader.LoadCertificate(secret.Data["ca-cert.pem"]);
            Assert.Equal($"L={name}, CN=Intermediate CA, O=Istio", ca.Subject);
        }

        // The install step ran after the trust step, in the remote (the remote profile's Service istiod, selecting no pods); the remote secret
        // reached the primary.
        Assert.Null((await _c2.Admin.CoreV1.ReadNamespacedServiceAsync("istiod", "istio-system", cancellationToken: Ct)).Spec.Selector);
        Assert.NotNull(await _c1.Admin.CoreV1.ReadNamespacedSecretAsync("istio-remote-secret-cluster2", "istio-system", cancellationToken: Ct));

        // The trust step again, from the files: nothing changes.
        var again = ps.Invoke("""
            $ErrorActionPreference = 'Stop'
            Publish-IstioClusterCertificate -Path ([IO.Path]::Combine($args[0], 'cluster1')) -Context $C1
            Publish-IstioClusterCertificate -Path ([IO.Path]::Combine($args[0], 'cluster2')) -Context $C2
            Test-IstioMeshTrust -Context $C1, $C2 -Quiet
            """, Path.Combine(_dir, "certs"));
        again.AssertSucceeded();
        Assert.Equal(new object[] { "Unchanged", "Unchanged", true }, new[] { again.Output[0].Prop("Action"), again.Output[1].Prop("Action"), again.Output[2].BaseObject });
    }

    /// <summary>What this test makes in istio-system, removed before and after (WorkflowTests expects to create its remote secret).</summary>
    private async Task CleanAsync()
    {
        static async Task Delete(Func<Task> delete)
        {
            try { await delete(); }
            catch (Exception) { /* not there, or 1.20's answer the typed client cannot read: gone either way */ }
        }

        await Delete(() => _c1.Admin.CoreV1.DeleteNamespacedSecretAsync("cacerts", "istio-system"));
        await Delete(() => _c2.Admin.CoreV1.DeleteNamespacedSecretAsync("cacerts", "istio-system"));
        await Delete(() => _c1.Admin.CoreV1.DeleteNamespacedSecretAsync("istio-remote-secret-cluster2", "istio-system"));
    }
}
