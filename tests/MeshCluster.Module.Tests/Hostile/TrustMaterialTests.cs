using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests.Hostile;

// Key files' modes are Unix's; the test ground runs on Linux only.

/// <summary>
/// Issue 20, point 8: trust material istiod would break on, through the module on the real clusters. A root whose pathlen leaves
/// workload certificates no room is refused with its own id and reported unsound; a weak RSA key and a key file others can read are
/// said before use; a cacerts of type kubernetes.io/tls is replaced as a new object under -Force only; nothing that can fail runs
/// after Publish-IstioClusterCertificate's write, and no warning about a change comes before a write that then fails.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TrustMaterialTests(ClustersFixture fixture) : TempFolderTest("i20-trust-")
{
    private const string Publish = "MeshCluster.Commands.PublishIstioClusterCertificateCommand";
    private readonly TestCluster _c1 = fixture.Clusters.Cluster1;

    private static string Pem(params X509Certificate2[] certificates) => string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n"));

    /// <summary>A cluster's four files, the key owner-only (as every tool writes it).</summary>
    private string WriteFolder(string name, X509Certificate2 ca, AsymmetricAlgorithm key, X509Certificate2 root)
    {
        var folder = Directory.CreateDirectory(Path.Combine(TempDir, name)).FullName;
        File.WriteAllText(Path.Combine(folder, "ca-cert.pem"), Pem(ca));
        WriteKey(Path.Combine(folder, "ca-key.pem"), key);
        File.WriteAllText(Path.Combine(folder, "root-cert.pem"), Pem(root));
        File.WriteAllText(Path.Combine(folder, "cert-chain.pem"), Pem(ca, root));
        return folder;
    }

    private static void WriteKey(string path, AsymmetricAlgorithm key)
    {
        File.WriteAllText(path, key.ExportPkcs8PrivateKeyPem() + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>Secret cacerts planted as another tool would: the four files, or cert-manager's form with <paramref name="type"/>.</summary>
    private async Task<V1Secret> PlantAsync(string ns, string folder, string type = "Opaque")
    {
        await _c1.Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } }, cancellationToken: Ct);
        byte[] F(string file) => File.ReadAllBytes(Path.Combine(folder, file));
        var data = type == "Opaque"
            ? new[] { "ca-cert.pem", "ca-key.pem", "root-cert.pem", "cert-chain.pem" }.ToDictionary(k => k, F)
            : new Dictionary<string, byte[]> { ["tls.crt"] = F("cert-chain.pem"), ["tls.key"] = F("ca-key.pem"), ["ca.crt"] = F("root-cert.pem") };
        return await _c1.Admin.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "cacerts", Labels = new Dictionary<string, string> { ["planted-by"] = "test" } },
            Type = type,
            Data = data,
        }, ns, cancellationToken: Ct);
    }

    private async Task<V1Secret?> ReadAsync(string ns)
    {
        try
        {
            return await _c1.Admin.CoreV1.ReadNamespacedSecretAsync("cacerts", ns, cancellationToken: Ct);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    [Fact]
    public async Task An_intermediate_under_a_root_with_pathlen_0_is_refused_with_its_id_and_reported_unsound()
    {
        var root = TrustIstiodTests.Ca("O=Istio, CN=Root CA", null, pathLength: 0);
        var intermediate = TrustIstiodTests.Ca("O=Istio, CN=Intermediate CA, L=cluster1", root, pathLength: 0);
        var folder = WriteFolder("pathlen", intermediate.Certificate, intermediate.Key, root.Certificate);
        var ns = fixture.UniqueName("i20-pathlen");
        using var ps = fixture.NewSession();

        var result = ps.Invoke("Publish-IstioClusterCertificate -Path $args[1] -Context $C1 -Namespace $args[0]", ns, folder);

        await TrustIstiodTests.AssertRefusedAsync(result, "ClusterCertificatePathLengthExceeded", folder, "the root 'CN=Root CA, O=Istio' says pathlen:0", _c1, ns);

        // Planted by another tool: Test-IstioMeshTrust calls it unsound (istiod would load it; its workloads' certificates fail).
        await PlantAsync(ns, folder);
        var trust = ps.Invoke("Test-IstioMeshTrust -Context $C1 -Namespace $args[0]; Test-IstioMeshTrust -Context $C1 -Namespace $args[0] -Quiet", ns);
        trust.AssertSucceeded();
        var status = trust.Output[0];
        Assert.Equal(("Invalid", false, false), (status.Prop("State")!.ToString(), status.Prop("SharesOneRoot"), status.Prop("MutualTrust")));
        Assert.Contains("says pathlen:0", (string)status.Prop("Problem")!);
        Assert.False((bool)trust.Output[1].BaseObject);
    }

    [Fact]
    public async Task A_1024_bit_RSA_root_is_warned_about_by_Get_Publish_and_Test_and_still_works()
    {
        using var rootKey = RSA.Create(1024);
        var request = new CertificateRequest("O=Legacy, CN=Root CA", rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, true));
        using var root = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(365));
        var rootFolder = Directory.CreateDirectory(Path.Combine(TempDir, "legacy")).FullName;
        File.WriteAllText(Path.Combine(rootFolder, "root-cert.pem"), Pem(root));
        WriteKey(Path.Combine(rootFolder, "root-key.pem"), rootKey);
        var ns = fixture.UniqueName("i20-weak");
        using var ps = fixture.NewSession();

        var read = ps.Invoke("$global:legacy = Get-IstioCertificateAuthority -Path $args[0]; $legacy", rootFolder);
        read.AssertSucceeded();
        Assert.Single(read.Output);
        Assert.Contains("its RSA key has 1024 bits, under the 2048", Assert.Single(read.Warnings));

        var published = ps.Invoke("$legacy | New-IstioClusterCertificate -ClusterName c1 -KeyAlgorithm Ecdsa | Publish-IstioClusterCertificate -Context $C1 -Namespace $args[0]", ns);
        published.AssertSucceeded();
        Assert.Equal("Created", Assert.Single(published.Output).Prop("Action")!.ToString());
        Assert.Contains(published.Warnings, w => w.Contains("The root 'CN=Root CA, O=Legacy': its RSA key has 1024 bits", StringComparison.Ordinal));

        var trust = ps.Invoke("Test-IstioMeshTrust -Context $C1 -Namespace $args[0]", ns);
        trust.AssertSucceeded();
        var status = Assert.Single(trust.Output);
        Assert.Equal(("Cacerts", true), (status.Prop("State")!.ToString(), status.Prop("SharesOneRoot")));
        Assert.Contains((string[])status.Prop("Notes")!, n => n.Contains("1024 bits", StringComparison.Ordinal));
    }

    [Fact]
    public void A_key_file_its_group_or_others_can_read_is_warned_about_before_use()
    {
        using var ps = fixture.NewSession();
        var certs = Path.Combine(TempDir, "certs");
        ps.Invoke("New-IstioCertificateAuthority -Path $args[0] -KeyAlgorithm Ecdsa | New-IstioClusterCertificate -ClusterName c1 -Path $args[0] -KeyAlgorithm Ecdsa",
            certs).AssertSucceeded();
        var rootKey = Path.Combine(certs, "root-key.pem");

        var ownerOnly = ps.Invoke("Get-IstioCertificateAuthority -Path $args[0]", certs);
        ownerOnly.AssertSucceeded();
        Assert.Empty(ownerOnly.Warnings);

        File.SetUnixFileMode(rootKey, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var group = ps.Invoke("Get-IstioCertificateAuthority -Path $args[0]", certs);
        group.AssertSucceeded();
        Assert.Contains($"The private key file '{rootKey}' can be read or written by its group (mode 0640)", Assert.Single(group.Warnings));

        File.SetUnixFileMode(rootKey, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var world = ps.Invoke("Get-IstioCertificateAuthority -Path $args[0]", certs);
        world.AssertSucceeded();
        Assert.Contains("by every user of this machine (mode 0644)", Assert.Single(world.Warnings));
        Assert.Single(world.Output);

        // A cluster's ca-key.pem likewise, before Publish sends it (-WhatIf: the warning comes from reading the folder).
        var caKey = Path.Combine(certs, "c1", "ca-key.pem");
        File.SetUnixFileMode(caKey, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var publish = ps.Invoke("Publish-IstioClusterCertificate -Path $args[0] -Context $C1 -Namespace $args[1] -WhatIf", Path.Combine(certs, "c1"), fixture.UniqueName("i20-keymode"));
        publish.AssertSucceeded();
        Assert.Contains(publish.Warnings, w => w.Contains($"The private key file '{caKey}' can be read or written by every user", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_kubernetes_io_tls_cacerts_is_a_conflict_without_Force_and_replaced_as_a_new_object_with_it()
    {
        var ns = fixture.UniqueName("i20-tls");
        using var ps = fixture.NewSession();
        var certs = Path.Combine(TempDir, "certs");
        ps.Invoke("$global:root = New-IstioCertificateAuthority -Path $args[0] -KeyAlgorithm Ecdsa; $root | New-IstioClusterCertificate -ClusterName c1, c2 -Path $args[0] -KeyAlgorithm Ecdsa",
            certs).AssertSucceeded();
        // cert-manager's form, holding cluster c2's intermediate of the same root.
        var planted = await PlantAsync(ns, Path.Combine(certs, "c2"), "kubernetes.io/tls");

        var refused = ps.Invoke("Publish-IstioClusterCertificate -Path $args[1] -Context $C1 -Namespace $args[0]", ns, Path.Combine(certs, "c1"));

        var error = Assert.Single(refused.Errors);
        Assert.Equal("ClusterCertificateConflict," + Publish, error.FullyQualifiedErrorId);
        Assert.Contains("is of type kubernetes.io/tls, and Kubernetes never changes a Secret's type", error.Exception.Message);
        Assert.Contains("Add -Force to delete it and create it anew", error.ErrorDetails.RecommendedAction);
        Assert.Empty(refused.Output);
        // No warning about a change that did not happen (the other cluster's intermediate is said only once it is replaced).
        Assert.Empty(refused.Warnings);
        var unchanged = (await ReadAsync(ns))!;
        Assert.Equal((planted.Metadata.Uid, planted.Metadata.ResourceVersion), (unchanged.Metadata.Uid, unchanged.Metadata.ResourceVersion));

        var forced = ps.Invoke("Publish-IstioClusterCertificate -Path $args[1] -Context $C1 -Namespace $args[0] -Force -Verbose", ns, Path.Combine(certs, "c1"));

        forced.AssertSucceeded();
        Assert.Equal("Updated", Assert.Single(forced.Output).Prop("Action")!.ToString());
        Assert.Contains(forced.Verbose, v => v.Contains("is of type kubernetes.io/tls, which Kubernetes never changes: deleting it", StringComparison.Ordinal));
        Assert.Contains("held the intermediate CA of cluster 'c2'; it now holds cluster 'c1''s", Assert.Single(forced.Warnings));
        var replaced = (await ReadAsync(ns))!;
        Assert.NotEqual(planted.Metadata.Uid, replaced.Metadata.Uid);
        Assert.Equal("Opaque", replaced.Type);
        Assert.Equal("test", replaced.Metadata.Labels["planted-by"]);
        Assert.Equal(new[] { "ca-cert.pem", "ca-key.pem", "cert-chain.pem", "root-cert.pem" }, replaced.Data.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(File.ReadAllBytes(Path.Combine(certs, "c1", "ca-cert.pem")), replaced.Data["ca-cert.pem"]);
        Assert.Equal(replaced.Metadata.ResourceVersion, forced.Output[0].Prop("ResourceVersion"));
    }

    /// <summary>A root and cacerts material for c1 and c2 under a temporary folder, c2's planted as the namespace's cacerts.</summary>
    private async Task<(string Certs, V1Secret Planted)> TwoClustersWithC2PlantedAsync(PowerShellSession ps, string ns)
    {
        var certs = Path.Combine(TempDir, "certs");
        ps.Invoke("New-IstioCertificateAuthority -Path $args[0] -KeyAlgorithm Ecdsa | New-IstioClusterCertificate -ClusterName c1, c2 -Path $args[0] -KeyAlgorithm Ecdsa",
            certs).AssertSucceeded();
        return (certs, await PlantAsync(ns, Path.Combine(certs, "c2")));
    }

    [Fact]
    public async Task A_write_that_fails_is_preceded_by_no_warning_about_it()
    {
        var ns = fixture.UniqueName("i20-failwrite");
        using var ps = fixture.NewSession();
        var (certs, planted) = await TwoClustersWithC2PlantedAsync(ps, ns);
        await using var proxy = FaultProxy.Start(_c1);
        proxy.Inject(Fault.Status(500), when: r => r.Method == "PUT" && r.Path.EndsWith("/secrets/cacerts", StringComparison.Ordinal));

        var result = ps.Invoke("Publish-IstioClusterCertificate -Path $args[1] -KubeConfig $args[2] -Context $args[3] -Namespace $args[0] -Force",
            ns, Path.Combine(certs, "c1"), proxy.KubeConfigPath, proxy.ContextName);

        Assert.Single(result.Errors);
        Assert.Empty(result.Output);
        Assert.DoesNotContain(result.Warnings, w => w.Contains("now holds", StringComparison.Ordinal));
        Assert.Contains(proxy.Requests, r => r.Method == "PUT");
        Assert.Equal(planted.Metadata.ResourceVersion, (await ReadAsync(ns))!.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Publish_reads_istiod_before_its_write_so_a_failing_read_changes_nothing_and_no_request_follows_the_write()
    {
        var ns = fixture.UniqueName("i20-order");
        using var ps = fixture.NewSession();
        var (certs, planted) = await TwoClustersWithC2PlantedAsync(ps, ns);
        await using var proxy = FaultProxy.Start(_c1);
        var garbage = proxy.Inject(Fault.GarbageBody(), when: r => r.Method == "GET" && r.Path.EndsWith("/deployments", StringComparison.Ordinal));
        const string command = "Publish-IstioClusterCertificate -Path $args[1] -KubeConfig $args[2] -Context $args[3] -Namespace $args[0]";
        object[] args = { ns, Path.Combine(certs, "c1"), proxy.KubeConfigPath, proxy.ContextName };

        // The istiod read fails: an error, and the Secret untouched (before, the write came first and the error after it).
        var failed = ps.Invoke(command, args);
        Assert.Single(failed.Errors);
        Assert.Empty(failed.Output);
        Assert.DoesNotContain(proxy.Requests, r => r.Method is "PUT" or "POST" or "DELETE");
        Assert.Equal(planted.Metadata.ResourceVersion, (await ReadAsync(ns))!.Metadata.ResourceVersion);

        // istiod not to be looked at (RBAC): the write goes on, its result comes back, the "cannot tell" warning after it; the write is the last request.
        garbage.Remove();
        proxy.Inject(Fault.Status(403), when: r => r.Method == "GET" && (r.Path.EndsWith("/deployments", StringComparison.Ordinal) || r.Path.EndsWith("/pods", StringComparison.Ordinal)));
        var written = ps.Invoke(command, args);
        written.AssertSucceeded();
        Assert.Equal("Updated", Assert.Single(written.Output).Prop("Action")!.ToString());
        Assert.Contains(written.Warnings, w => w.StartsWith("Cannot tell whether istiod runs", StringComparison.Ordinal));
        Assert.Equal("PUT", proxy.Requests[^1].Method);
        Assert.NotEqual(planted.Metadata.ResourceVersion, (await ReadAsync(ns))!.Metadata.ResourceVersion);
    }
}
