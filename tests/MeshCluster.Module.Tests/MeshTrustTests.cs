using k8s;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>Test-IstioMeshTrust across the two real clusters, each test in its own namespace.</summary>
public sealed class MeshTrustTests(ClustersFixture fixture)
{
    private const string Cmdlet = "MeshCluster.Commands.TestIstioMeshTrustCommand";
    private readonly TestCluster _c1 = fixture.Clusters.Cluster1;
    private readonly TestCluster _c2 = fixture.Clusters.Cluster2;

    private PowerShellSession Session()
    {
        var ps = fixture.NewSession();
        ps.Invoke("""
            $global:root = New-IstioCertificateAuthority -KeyAlgorithm Ecdsa
            $global:certs = $root | New-IstioClusterCertificate -ClusterName cluster1, cluster2
            $global:other = New-IstioCertificateAuthority -KeyAlgorithm Ecdsa | New-IstioClusterCertificate -ClusterName cluster2
            """).AssertSucceeded();
        return ps;
    }

    [Fact]
    public void Two_clusters_with_intermediates_of_one_root_share_it()
    {
        var ns = fixture.UniqueName("trust-one");
        using var ps = Session();

        // The publications bind by Context.
        var result = ps.Invoke("""
            $certs[0] | Publish-IstioClusterCertificate -Context $C1 -Namespace $args[0] | ForEach-Object { }
            $certs[1] | Publish-IstioClusterCertificate -Context $C2 -Namespace $args[0] |
                ForEach-Object { [pscustomobject]@{ Context = $C1 }; $_ } | Test-IstioMeshTrust -Namespace $args[0] -Verbose
            """, ns);

        result.AssertSucceeded();
        Assert.Equal(2, result.Output.Count);
        var root = ps.Invoke("$root.Thumbprint").Output[0].ToString();
        foreach (var (status, context, cluster, index) in new[] { (result.Output[0], "cluster1", "cluster1", 0), (result.Output[1], "cluster2", "cluster2", 1) })
        {
            Assert.Equal("MeshCluster.IstioMeshTrustStatus", status.TypeNames[0]);
            Assert.Equal((context, ns, "Cacerts", cluster, true), (status.Prop("Context"), status.Prop("Namespace"), status.Prop("State"), status.Prop("ClusterName"), status.Prop("SharesOneRoot")));
            Assert.Equal(root, status.Prop("RootThumbprint"));
            Assert.Equal("O=Istio, CN=Root CA", status.Prop("RootSubject"));
            Assert.Equal(ps.Invoke("$certs[$args[0]].Thumbprint", index).Output[0].ToString(), status.Prop("IntermediateThumbprint"));
            Assert.Equal(ps.Invoke("$certs[$args[0]].NotAfter", index).Output[0].BaseObject, status.Prop("IntermediateNotAfter"));
            Assert.Null(status.Prop("Problem"));
        }

        var quiet = ps.Invoke("Test-IstioMeshTrust -Context $C1, $C2 -Namespace $args[0] -Quiet", ns);
        quiet.AssertSucceeded();
        Assert.Equal(true, Assert.Single(quiet.Output).BaseObject);
        Assert.DoesNotContain("PRIVATE KEY", result.EverythingAsText());
    }

    [Fact]
    public async Task A_cluster_without_cacerts_is_reported_as_such_and_is_no_error()
    {
        var ns = fixture.UniqueName("trust-none");
        using var ps = Session();
        ps.Invoke("$certs[0] | Publish-IstioClusterCertificate -Context $C1 -Namespace $args[0]", ns).AssertSucceeded();
        await _c2.EnsureNamespaceAsync(ns, Ct);

        var result = ps.Invoke("Test-IstioMeshTrust -Context $C1, $C2 -Namespace $args[0]", ns);
        result.AssertSucceeded();
        Assert.Equal(("Cacerts", false), (result.Output[0].Prop("State"), result.Output[0].Prop("SharesOneRoot")));
        Assert.Equal("'cluster2' has no sound cacerts.", result.Output[0].Prop("Problem"));
        Assert.Equal(("NoCacerts", false), (result.Output[1].Prop("State"), result.Output[1].Prop("SharesOneRoot")));
        Assert.Null(result.Output[1].Prop("RootThumbprint"));
        Assert.Contains("self-signed", (string)result.Output[1].Prop("Problem")!);

        Assert.Equal(false, Assert.Single(ps.Invoke("Test-IstioMeshTrust -Context $C1, $C2 -Namespace $args[0] -Quiet", ns).Output).BaseObject);
    }

    [Fact]
    public async Task Different_roots_and_unusable_cacerts_are_told_apart()
    {
        var ns = fixture.UniqueName("trust-two");
        using var ps = Session();
        ps.Invoke("$certs[0] | Publish-IstioClusterCertificate -Context $C1 -Namespace $args[0]; $other | Publish-IstioClusterCertificate -Context $C2 -Namespace $args[0]", ns).AssertSucceeded();

        var two = ps.Invoke("Test-IstioMeshTrust -Context $C1, $C2 -Namespace $args[0]", ns);
        two.AssertSucceeded();
        Assert.All(two.Output, s => Assert.Equal(("Cacerts", false), (s.Prop("State"), s.Prop("SharesOneRoot"))));
        Assert.NotEqual(two.Output[0].Prop("RootThumbprint"), two.Output[1].Prop("RootThumbprint"));
        Assert.Contains("'cluster2' (" + two.Output[1].Prop("RootThumbprint") + ")", (string)two.Output[0].Prop("Problem")!);

        // cacerts with a key that is not its certificate's (written by hand, as a mistaken kubectl command would).
        var secret = await _c2.Admin.CoreV1.ReadNamespacedSecretAsync("cacerts", ns, cancellationToken: Ct);
        var c1 = await _c1.Admin.CoreV1.ReadNamespacedSecretAsync("cacerts", ns, cancellationToken: Ct);
        secret.Data["ca-key.pem"] = c1.Data["ca-key.pem"];
        await _c2.Admin.CoreV1.ReplaceNamespacedSecretAsync(secret, "cacerts", ns, cancellationToken: Ct);

        var invalid = ps.Invoke("Test-IstioMeshTrust -Context $C1, $C2 -Namespace $args[0]", ns);
        invalid.AssertSucceeded();
        Assert.Equal("Invalid", invalid.Output[1].Prop("State"));
        Assert.Equal("ca-key.pem is not the key of ca-cert.pem.", invalid.Output[1].Prop("Problem"));
        Assert.NotNull(invalid.Output[1].Prop("RootThumbprint")); // what it meant is still shown
        Assert.Equal("cluster2", invalid.Output[1].Prop("ClusterName"));
    }

    [Fact]
    public void An_unreadable_cluster_is_an_error_and_the_others_are_still_reported()
    {
        var ns = fixture.UniqueName("trust-err");
        using var ps = Session();
        ps.Invoke("$certs[0] | Publish-IstioClusterCertificate -Context $C1 -Namespace $args[0]", ns).AssertSucceeded();

        var result = ps.Invoke("Test-IstioMeshTrust -Context nosuchcontext, $C1 -Namespace $args[0]", ns);
        var error = Assert.Single(result.Errors);
        Assert.Equal("KubeContextNotFound," + Cmdlet, error.FullyQualifiedErrorId);
        var status = Assert.Single(result.Output);
        Assert.Equal("cluster1", status.Prop("Context"));

        var quiet = ps.Invoke("Test-IstioMeshTrust -Context nosuchcontext, $C1 -Namespace $args[0] -Quiet", ns);
        Assert.Equal(false, Assert.Single(quiet.Output).BaseObject);
        Assert.Single(quiet.Errors);

        var stop = ps.Invoke("Test-IstioMeshTrust -Context nosuchcontext, $C1 -Namespace $args[0] -ErrorAction Stop", ns);
        Assert.Equal("KubeContextNotFound," + Cmdlet, stop.Terminating!.ErrorRecord.FullyQualifiedErrorId);
    }
}
