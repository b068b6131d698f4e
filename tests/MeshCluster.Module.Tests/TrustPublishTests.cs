using System.Management.Automation;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>
/// Publish-IstioClusterCertificate against the real API servers: the cacerts Secret as kubectl create secret makes it, idempotence, the
/// refusal of another root and -Force, bad material refused before any request. Each test uses its own namespace.
/// </summary>
public sealed class TrustPublishTests(ClustersFixture fixture) : TempFolderTest("trust-publish-")
{
    private const string Cmdlet = "MeshCluster.Commands.PublishIstioClusterCertificateCommand";
    private static readonly string[] Four = { "ca-cert.pem", "ca-key.pem", "cert-chain.pem", "root-cert.pem" };
    private readonly TestCluster _c1 = fixture.Clusters.Cluster1;

    private string P(string relative) => Path.Combine(TempDir, relative);

    /// <summary>A session with $root (ECDSA, in ./certs) and $certs (c1, c2; RSA 2048) made.</summary>
    private PowerShellSession Session()
    {
        var ps = fixture.NewSession();
        ps.Invoke("""
            $global:root = New-IstioCertificateAuthority -Path $args[0] -KeyAlgorithm Ecdsa
            $global:certs = $root | New-IstioClusterCertificate -ClusterName c1, c2 -Path $args[0] -KeyAlgorithm Rsa -KeySize 2048
            """, P("certs")).AssertSucceeded();
        return ps;
    }

    [Fact]
    public async Task Publishes_cacerts_as_kubectl_does_then_unchanged_then_updated_then_refuses_another_root_unless_forced()
    {
        var ns = fixture.UniqueName("cacerts");
        using var ps = Session();

        // 1. Created, with the namespace (the trust step comes before the install).
        var created = ps.Invoke("$DebugPreference = 'Continue'; $certs[0] | Publish-IstioClusterCertificate -Context $C1 -Namespace $args[0] -Verbose", ns);
        created.AssertSucceeded();
        var first = Assert.Single(created.Output);
        Assert.Equal("MeshCluster.IstioClusterCertificatePublication", first.TypeNames[0]);
        Assert.Equal(("cluster1", "c1", ns, "cacerts", "Created", true),
            (first.Prop("Context"), first.Prop("ClusterName"), first.Prop("Namespace"), first.Prop("SecretName"), first.Prop("Action"), first.Prop("NamespaceCreated")));
        Assert.Equal(ps.Invoke("$root.Thumbprint").Output[0].ToString(), first.Prop("RootThumbprint"));
        Assert.Equal(ps.Invoke("$certs[0].Thumbprint").Output[0].ToString(), first.Prop("Thumbprint"));
        Assert.Null(first.Prop("PreviousRootThumbprint"));
        Assert.Empty(created.Warnings);
        Assert.NotEmpty(created.Progress);

        // The Secret: type Opaque, the four files' bytes under their names, as kubectl create secret generic --from-file makes it.
        var secret = await _c1.Admin.CoreV1.ReadNamespacedSecretAsync("cacerts", ns, cancellationToken: Ct);
        Assert.Equal("Opaque", secret.Type);
        Assert.Equal(Four, secret.Data.Keys.Order(StringComparer.Ordinal));
        foreach (var key in Four) Assert.Equal(File.ReadAllBytes(P($"certs/c1/{key}")), secret.Data[key]);
        Assert.Equal(secret.Metadata.ResourceVersion, first.Prop("ResourceVersion"));
        AssertNoKey(created);

        // 2. The same again, this time from the folder: nothing sent, same resourceVersion.
        var again = ps.Invoke("Publish-IstioClusterCertificate -Path $args[1] -Context $C1 -Namespace $args[0]", ns, P("certs/c1"));
        again.AssertSucceeded();
        Assert.Equal(("Unchanged", secret.Metadata.ResourceVersion, false), (again.Output[0].Prop("Action"), again.Output[0].Prop("ResourceVersion"), again.Output[0].Prop("NamespaceCreated")));
        Assert.Equal(secret.Metadata.ResourceVersion, (await ReadAsync(ns))!.Metadata.ResourceVersion);

        // 3. Another intermediate of the same root: replaced in place; that it is another cluster's draws a warning.
        var updated = ps.Invoke("$certs[1] | Publish-IstioClusterCertificate -Context $C1 -Namespace $args[0]", ns);
        updated.AssertSucceeded();
        Assert.Equal(("Updated", "c2"), (updated.Output[0].Prop("Action"), updated.Output[0].Prop("ClusterName")));
        Assert.Contains("held the intermediate CA of cluster 'c1'; it now holds cluster 'c2''s", Assert.Single(updated.Warnings));
        var afterUpdate = (await ReadAsync(ns))!;
        Assert.Equal(secret.Metadata.Uid, afterUpdate.Metadata.Uid);
        Assert.Equal(File.ReadAllBytes(P("certs/c2/ca-cert.pem")), afterUpdate.Data["ca-cert.pem"]);

        // 4. An intermediate of another root: refused, naming both roots, nothing changed.
        ps.Invoke("$global:other = New-IstioCertificateAuthority -KeyAlgorithm Ecdsa | New-IstioClusterCertificate -ClusterName c1").AssertSucceeded();
        var refused = ps.Invoke("$other | Publish-IstioClusterCertificate -Context $C1 -Namespace $args[0]", ns);
        var error = Assert.Single(refused.Errors);
        Assert.Equal("ClusterCertificateConflict," + Cmdlet, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Assert.Equal($"cluster1:{ns}/cacerts", error.TargetObject);
        var ours = ps.Invoke("$root.Thumbprint").Output[0].ToString()!;
        var theirs = ps.Invoke("$other.RootThumbprint").Output[0].ToString()!;
        Assert.Contains(ours, error.Exception.Message);
        Assert.Contains(theirs, error.Exception.Message);
        Assert.Contains("-Force", error.ErrorDetails!.RecommendedAction);
        Assert.Empty(refused.Output);
        Assert.Equal(afterUpdate.Metadata.ResourceVersion, (await ReadAsync(ns))!.Metadata.ResourceVersion);

        // 5. -Force: replaced, and the old root is named.
        var forced = ps.Invoke("$other | Publish-IstioClusterCertificate -Context $C1 -Namespace $args[0] -Force", ns);
        forced.AssertSucceeded();
        Assert.Equal(("Replaced", ours, theirs), (forced.Output[0].Prop("Action"), forced.Output[0].Prop("PreviousRootThumbprint"), forced.Output[0].Prop("RootThumbprint")));
        Assert.NotEqual(afterUpdate.Metadata.ResourceVersion, (await ReadAsync(ns))!.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Unsound_material_is_refused_before_any_request_and_nothing_is_written()
    {
        var ns = fixture.UniqueName("cacerts-bad");
        using var ps = Session();
        // c1's folder with c2's key: what a copy mistake looks like.
        File.Copy(P("certs/c2/ca-key.pem"), P("certs/c1/ca-key.pem"), overwrite: true);

        var result = ps.Invoke("Publish-IstioClusterCertificate -Path $args[1] -Context $C1 -Namespace $args[0]", ns, P("certs/c1"));
        var error = Assert.Single(result.Errors);
        Assert.Equal("ClusterCertificateInvalid," + Cmdlet, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Equal(P("certs/c1"), error.TargetObject);
        Assert.Contains("ca-key.pem is not the key of ca-cert.pem", error.Exception.Message);
        Assert.Null(await ReadNamespaceAsync(ns));

        // A chain that ends in another root.
        File.Copy(P("certs/c2/ca-key.pem"), P("certs/c2/ca-key.pem.bak"));
        ps.Invoke("New-IstioCertificateAuthority -Path $args[0] -KeyAlgorithm Ecdsa", P("foreign")).AssertSucceeded();
        File.Copy(P("foreign/root-cert.pem"), P("certs/c2/root-cert.pem"), overwrite: true);
        var foreign = ps.Invoke("Publish-IstioClusterCertificate -Path $args[1] -Context $C1 -Namespace $args[0] -ErrorAction Stop", ns, P("certs/c2"));
        Assert.Equal("ClusterCertificateInvalid," + Cmdlet, foreign.Terminating!.ErrorRecord.FullyQualifiedErrorId);
        Assert.Contains("does not verify to a root of root-cert.pem", foreign.Terminating.Message);

        // Missing files and a folder that is no folder.
        File.Delete(P("certs/c2/cert-chain.pem"));
        var missing = ps.Invoke("Publish-IstioClusterCertificate -Path $args[1] -Context $C1 -Namespace $args[0]", ns, P("certs/c2"));
        Assert.Equal("ClusterCertificateNotFound," + Cmdlet, Assert.Single(missing.Errors).FullyQualifiedErrorId);
        Assert.Contains("No cert-chain.pem in", missing.Errors[0].Exception.Message);
        var file = ps.Invoke("Publish-IstioClusterCertificate -Path $args[1] -Context $C1 -Namespace $args[0]", ns, P("certs/root-cert.pem"));
        Assert.Equal("CertificatePathInvalid," + Cmdlet, Assert.Single(file.Errors).FullyQualifiedErrorId);
        Assert.Null(await ReadNamespaceAsync(ns));
    }

    [Fact]
    public async Task WhatIf_writes_nothing_and_a_running_istiod_draws_the_restart_warning()
    {
        var ns = fixture.UniqueName("cacerts-istiod");
        using var ps = Session();

        var whatIf = ps.Invoke("$certs[0] | Publish-IstioClusterCertificate -Context $C1 -Namespace $args[0] -WhatIf", ns);
        whatIf.AssertSucceeded();
        Assert.Empty(whatIf.Output);
        Assert.Null(await ReadNamespaceAsync(ns));

        // istiod in the namespace (its pod stays Pending without a kubelet: it is there, and will read cacerts when it starts).
        await _c1.EnsureNamespaceAsync(ns, Ct);
        await _c1.Admin.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "istiod-test", Labels = new Dictionary<string, string> { ["app"] = "istiod" } },
            Spec = new V1PodSpec { Containers = new List<V1Container> { new() { Name = "discovery", Image = "docker.io/istio/pilot:1.24.0" } } },
        }, ns, cancellationToken: Ct);

        var published = ps.Invoke("$certs[0] | Publish-IstioClusterCertificate -Context $C1 -Namespace $args[0]", ns);
        published.AssertSucceeded();
        Assert.Equal(("Created", false), (published.Output[0].Prop("Action"), published.Output[0].Prop("NamespaceCreated")));
        var warning = Assert.Single(published.Warnings);
        Assert.Contains("restart it", warning);
        Assert.Contains($"kubectl rollout restart deployment/istiod -n {ns} --context cluster1", warning);

        // Unchanged: nothing new for istiod, no warning.
        var again = ps.Invoke("$certs[0] | Publish-IstioClusterCertificate -Context $C1 -Namespace $args[0]", ns);
        Assert.Empty(again.Warnings);
        Assert.Equal("Unchanged", again.Output[0].Prop("Action"));
    }

    [Fact]
    public void Context_is_required_and_the_inputs_are_exclusive()
    {
        using var ps = Session();
        var noContext = ps.Invoke("$certs[0] | Publish-IstioClusterCertificate -Namespace x");
        Assert.NotNull(noContext.FirstError);
        Assert.Contains("MissingMandatory", noContext.FirstError!.FullyQualifiedErrorId);

        var both = ps.Invoke("$certs[0] | Publish-IstioClusterCertificate -Path $args[0] -Context $C1", P("certs/c1"));
        Assert.NotNull(both.FirstError);
    }

    private static void AssertNoKey(PowerShellResult result)
    {
        var text = result.EverythingAsText();
        Assert.DoesNotContain("PRIVATE KEY", text);
        Assert.DoesNotContain("MII", text); // every base64 DER of a key starts so
    }

    private async Task<V1Secret?> ReadAsync(string ns)
    {
        try { return await _c1.Admin.CoreV1.ReadNamespacedSecretAsync("cacerts", ns, cancellationToken: Ct); }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound) { return null; }
    }

    private async Task<V1Namespace?> ReadNamespaceAsync(string ns)
    {
        try { return await _c1.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct); }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound) { return null; }
    }
}
