using System.Diagnostics;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Models;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>
/// A root rotation across both real clusters through the module (Update-IstioMeshTrust), each phase's cacerts read back and checked
/// with openssl: the bundle holds both roots in phases 1-2, the chain ends in the new root from phase 2, one root in phase 3, and a
/// workload certificate signed by either cluster's intermediate verifies against every cluster's bundle at every phase. Each cluster's
/// istiod is played by its Deployment as Istio's chart renders it (ISTIO_MULTIROOT_MESH=true) and its mesh config by ConfigMap istio
/// (meshConfig.defaultConfig.proxyMetadata.PROXY_CONFIG_XDS_AGENT: "true"), as Istio's own rotation test installs them
/// (tests/integration/security/cacert_rotation/main_test.go). Every test has namespaces of its own.
/// </summary>
public sealed class MeshTrustRotationTests(ClustersFixture fixture) : IDisposable
{
    private const string Cmdlet = "MeshCluster.Commands.UpdateIstioMeshTrustCommand";
    private readonly TestCluster[] _clusters = { fixture.Clusters.Cluster1, fixture.Clusters.Cluster2 };
    private readonly string _dir = Directory.CreateTempSubdirectory("trust-rotation-").FullName;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Both clusters with cacerts of $old (one intermediate each) and an istiod ready for a rotation; $new made, not published.</summary>
    private async Task<(PowerShellSession Ps, string Ns)> MeshAsync(string prefix, bool multiRoot = true, bool xdsAgent = true, bool istiod = true)
    {
        var ns = fixture.UniqueName(prefix);
        foreach (var cluster in _clusters)
        {
            await cluster.EnsureNamespaceAsync(ns, Ct);
            if (!istiod) continue;
            var env = new Dictionary<string, string> { ["CLUSTER_ID"] = cluster.ContextName };
            if (multiRoot) env["ISTIO_MULTIROOT_MESH"] = "true";
            await IstiodPlayer.DeployAsync(cluster, ns, env, "docker.io/istio/pilot:1.26.0", ct: Ct);
            var mesh = "defaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012\n" + (xdsAgent ? "  proxyMetadata:\n    PROXY_CONFIG_XDS_AGENT: \"true\"\n" : string.Empty) +
                       "trustDomain: cluster.local\n";
            await cluster.Admin.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = "istio", Labels = new Dictionary<string, string> { ["istio.io/rev"] = "default" } },
                Data = new Dictionary<string, string> { ["mesh"] = mesh, ["meshNetworks"] = "networks: {}" },
            }, ns, cancellationToken: Ct);
        }

        var ps = fixture.NewSession();
        ps.Invoke("""
            $global:ns = $args[0]
            $global:old = New-IstioCertificateAuthority -KeyAlgorithm Ecdsa
            $certs = $old | New-IstioClusterCertificate -ClusterName cluster1, cluster2
            $null = $certs[0] | Publish-IstioClusterCertificate -Context $C1 -Namespace $ns
            $null = $certs[1] | Publish-IstioClusterCertificate -Context $C2 -Namespace $ns
            $global:new = New-IstioCertificateAuthority -KeyAlgorithm Ecdsa -CommonName 'Root CA 2'
            """, ns).AssertSucceeded();
        return (ps, ns);
    }

    private static string Update(string phase, string extra = "") =>
        $"$DebugPreference = 'Continue'; Update-IstioMeshTrust -Context $C1, $C2 -CertificateAuthority $new -Phase {phase} -Namespace $ns {extra}";

    private Task<V1Secret[]> SecretsAsync(string ns) =>
        Task.WhenAll(_clusters.Select(c => c.Admin.CoreV1.ReadNamespacedSecretAsync("cacerts", ns, cancellationToken: Ct)));

    private static string Text(V1Secret secret, string key) => Encoding.UTF8.GetString(secret.Data[key]);

    private static IReadOnlyList<string> Roots(V1Secret secret) =>
        PemCertificates(Text(secret, "root-cert.pem")).Select(c => c.GetCertHashString(HashAlgorithmName.SHA256)).ToList();

    private static List<X509Certificate2> PemCertificates(string pem)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        return collection.ToList();
    }

    /// <summary>
    /// For each cluster, a workload certificate signed by its intermediate (as istiod signs one, sent with cert-chain.pem); each must verify
    /// with openssl against every cluster's root-cert.pem: what keeps mTLS working inside and across clusters.
    /// </summary>
    private void AssertEveryWorkloadVerifiesEverywhere(V1Secret[] secrets, string step)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_dir, step)).FullName;
        for (var i = 0; i < secrets.Length; i++)
        {
            var issuer = PemCertificates(Text(secrets[i], "ca-cert.pem"))[0];
            using var issuerKey = ECDsa.Create();
            issuerKey.ImportFromPem(Text(secrets[i], "ca-key.pem"));
            using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("O=cluster.local", leafKey, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddUri(new Uri($"spiffe://cluster.local/ns/default/sa/app{i}"));
            request.CertificateExtensions.Add(san.Build(true));
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            using var leaf = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), DateTimeOffset.UtcNow.AddMinutes(-1),
                DateTimeOffset.UtcNow.AddHours(24), RandomNumberGenerator.GetBytes(16));
            var leafFile = Path.Combine(dir, $"leaf{i}.pem");
            var chainFile = Path.Combine(dir, $"chain{i}.pem");
            File.WriteAllText(leafFile, leaf.ExportCertificatePem() + "\n");
            File.WriteAllBytes(chainFile, secrets[i].Data["cert-chain.pem"]);
            for (var j = 0; j < secrets.Length; j++)
            {
                var bundle = Path.Combine(dir, $"bundle{j}.pem");
                File.WriteAllBytes(bundle, secrets[j].Data["root-cert.pem"]);
                var (code, output) = OpenSsl("verify", "-CAfile", bundle, "-untrusted", chainFile, leafFile);
                Assert.True(code == 0 && output.Contains(": OK", StringComparison.Ordinal),
                    $"{step}: a workload certificate of cluster {i + 1} does not verify against cluster {j + 1}'s bundle: {output}");
            }
        }
    }

    /// <summary>The chain cacerts sends with every workload certificate ends in <paramref name="rootPem"/> (openssl, anchored in that root alone).</summary>
    private void AssertChainEndsIn(V1Secret secret, string rootPem, string step)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_dir, step + "-chain")).FullName;
        var rootFile = Path.Combine(dir, "root.pem");
        var caFile = Path.Combine(dir, "ca.pem");
        File.WriteAllText(rootFile, rootPem);
        File.WriteAllBytes(caFile, secret.Data["ca-cert.pem"]);
        var (code, output) = OpenSsl("verify", "-CAfile", rootFile, caFile);
        Assert.True(code == 0, $"{step}: ca-cert.pem does not verify to the expected root alone: {output}");
    }

    private static (int Code, string Output) OpenSsl(params string[] args)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    private static void AssertRefused(PowerShellResult result, string id, params string[] contexts)
    {
        Assert.Empty(result.Output);
        Assert.NotEmpty(result.Errors);
        Assert.All(result.Errors, e => Assert.Equal(id + "," + Cmdlet, e.FullyQualifiedErrorId));
        Assert.Equal(contexts.Order(), result.Errors.Select(e => ((string)e.TargetObject).Split(':')[0]).Order());
        Assert.All(result.Errors, e => Assert.Contains("Nothing was changed in any cluster", e.Exception.Message));
    }

    private static void AssertSameVersions(V1Secret[] before, V1Secret[] after) =>
        Assert.Equal(before.Select(s => s.Metadata.ResourceVersion), after.Select(s => s.Metadata.ResourceVersion));

    [Fact]
    public async Task A_whole_rotation_across_both_clusters_keeps_every_workload_verifiable_at_every_phase()
    {
        var (ps, ns) = await MeshAsync("rotate");
        using var _ = ps;
        var oldRoot = ps.Invoke("$old.Thumbprint").Output[0].BaseObject.ToString()!;
        var newRoot = ps.Invoke("$new.Thumbprint").Output[0].BaseObject.ToString()!;
        var newPem = ps.Invoke("$new.CertificatePem").Output[0].BaseObject.ToString()!;
        var start = await SecretsAsync(ns);
        AssertEveryWorkloadVerifiesEverywhere(start, "0-start");

        // Phase 1: both roots trusted, the same intermediate; istiod's byte-for-byte rule: the new bundle contains the old one.
        var trustBoth = ps.Invoke(Update("TrustBoth", "-Verbose"));
        trustBoth.AssertSucceeded();
        Assert.Equal(2, trustBoth.Output.Count);
        Assert.All(trustBoth.Output, o => Assert.Equal(("TrustBoth", "Updated", oldRoot, newRoot), (o.Prop("Phase"), o.Prop("Action"), o.Prop("OldRoot"), o.Prop("NewRoot"))));
        Assert.All(trustBoth.Output, o => Assert.NotNull(o.Prop("ChangedAt")));
        var phase1 = await SecretsAsync(ns);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(new[] { oldRoot, newRoot }, Roots(phase1[i]));
            Assert.StartsWith(Text(start[i], "root-cert.pem"), Text(phase1[i], "root-cert.pem"), StringComparison.Ordinal);
            Assert.Equal(start[i].Data["cert-chain.pem"], phase1[i].Data["cert-chain.pem"]);
            Assert.Equal(start[i].Data["ca-key.pem"], phase1[i].Data["ca-key.pem"]);
            Assert.Equal("TrustBoth", phase1[i].Metadata.Annotations["meshcluster.io/rotation-phase"]);
            AssertChainEndsIn(phase1[i], ps.Invoke("$old.CertificatePem").Output[0].BaseObject.ToString()!, $"1-{i}");
        }

        AssertEveryWorkloadVerifiesEverywhere(phase1, "1-trustboth");
        Assert.True((bool)ps.Invoke("Test-IstioMeshTrust -Context $C1, $C2 -Namespace $ns -Quiet").Output[0].BaseObject);

        // Applied already: Unchanged, nothing sent.
        var again = ps.Invoke(Update("TrustBoth"));
        again.AssertSucceeded();
        Assert.All(again.Output, o => Assert.Equal("Unchanged", o.Prop("Action")));
        AssertSameVersions(phase1, await SecretsAsync(ns));

        // Out of order: RetireOld before SignWithNew is refused for both, nothing changes.
        AssertRefused(ps.Invoke(Update("RetireOld", "-MinimumSoak 0")), "MeshTrustPhaseOutOfOrder", "cluster1", "cluster2");
        AssertSameVersions(phase1, await SecretsAsync(ns));

        // Phase 2: a new intermediate from the new root per cluster, written under -Path as New-IstioClusterCertificate writes it.
        var folder = Path.Combine(_dir, "phase2");
        var signed = ps.Invoke(Update("SignWithNew", $"-Path '{folder}'"));
        signed.AssertSucceeded();
        Assert.All(signed.Output, o => Assert.Equal(("SignWithNew", "Updated"), (o.Prop("Phase"), o.Prop("Action"))));
        var next = (DateTime)signed.Output[0].Prop("NextPhaseNotBefore")!;
        Assert.InRange(next - DateTime.UtcNow, TimeSpan.FromHours(24.9), TimeSpan.FromHours(25.01));
        var phase2 = await SecretsAsync(ns);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(new[] { oldRoot, newRoot }, Roots(phase2[i]));
            Assert.Equal(phase1[i].Data["root-cert.pem"], phase2[i].Data["root-cert.pem"]);
            var chain = PemCertificates(Text(phase2[i], "cert-chain.pem"));
            Assert.Equal(newRoot, chain[^1].GetCertHashString(HashAlgorithmName.SHA256));
            AssertChainEndsIn(phase2[i], newPem, $"2-{i}");
            var files = Path.Combine(folder, $"cluster{i + 1}");
            Assert.Equal(files, signed.Output[i].Prop("CertificatePath"));
            Assert.Equal(File.ReadAllBytes(Path.Combine(files, "ca-cert.pem")), phase2[i].Data["ca-cert.pem"]);
            Assert.Contains($"L=cluster{i + 1}", PemCertificates(Text(phase2[i], "ca-cert.pem"))[0].Subject);
        }

        AssertEveryWorkloadVerifiesEverywhere(phase2, "2-signwithnew");
        Assert.True((bool)ps.Invoke("Test-IstioMeshTrust -Context $C1, $C2 -Namespace $ns -Quiet").Output[0].BaseObject);

        // The soak is not over (default: 25 hours): refused for both, with the time it is due; nothing changes.
        var early = ps.Invoke(Update("RetireOld"));
        AssertRefused(early, "MeshTrustSoakNotOver", "cluster1", "cluster2");
        Assert.Contains("RetireOld is not due for context", early.Errors[0].Exception.Message);
        AssertSameVersions(phase2, await SecretsAsync(ns));

        // Phase 3: the new root alone, its bytes exactly as the bundle held them (contained in it, as istiod asks).
        var retired = ps.Invoke(Update("RetireOld", "-MinimumSoak 0"));
        retired.AssertSucceeded();
        Assert.All(retired.Output, o => Assert.Equal(("RetireOld", "Updated", oldRoot), (o.Prop("Phase"), o.Prop("Action"), o.Prop("OldRoot"))));
        Assert.All(retired.Output, o => Assert.Null(o.Prop("NextPhaseNotBefore")));
        var phase3 = await SecretsAsync(ns);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(new[] { newRoot }, Roots(phase3[i]));
            Assert.Equal(newPem, Text(phase3[i], "root-cert.pem"));
            Assert.Contains(Text(phase3[i], "root-cert.pem"), Text(phase2[i], "root-cert.pem"), StringComparison.Ordinal);
            Assert.Equal(phase2[i].Data["cert-chain.pem"], phase3[i].Data["cert-chain.pem"]);
        }

        AssertEveryWorkloadVerifiesEverywhere(phase3, "3-retireold");
        Assert.True((bool)ps.Invoke("Test-IstioMeshTrust -Context $C1, $C2 -Namespace $ns -Quiet").Output[0].BaseObject);
        var done = ps.Invoke(Update("RetireOld"));
        done.AssertSucceeded();
        Assert.All(done.Output, o => Assert.Equal("Unchanged", o.Prop("Action")));
        AssertSameVersions(phase3, await SecretsAsync(ns));

        // No private key in any stream or serialization.
        var keys = phase3.Select(s => Text(s, "ca-key.pem")).Concat(phase1.Select(s => Text(s, "ca-key.pem"))).ToList();
        var printed = ps.Invoke($"$r = {Update("RetireOld", "-Verbose")}; $r | ForEach-Object {{ $_.ToString(); $_.PSObject.Properties | ForEach-Object {{ '' + $_.Value }} }}; [System.Management.Automation.PSSerializer]::Serialize($r, 5)");
        printed.AssertSucceeded();
        var text = string.Join("\n", printed.Output.Select(o => o.ToString()).Concat(printed.Verbose).Concat(new[] { retired.AllErrorText() }));
        Assert.DoesNotContain("PRIVATE KEY", text);
        foreach (var key in keys) Assert.DoesNotContain(key.Split('\n')[1], text);
    }

    [Fact]
    public async Task Refusals_name_what_to_set_and_change_no_cluster()
    {
        var (ps, ns) = await MeshAsync("rotate-refuse", multiRoot: true, xdsAgent: true);
        using var _ = ps;
        var before = await SecretsAsync(ns);
        Assert.True((bool)ps.Invoke("Test-IstioMeshTrust -Context $C1, $C2 -Namespace $ns -Quiet").Output[0].BaseObject);

        // SignWithNew before TrustBoth.
        AssertRefused(ps.Invoke(Update("SignWithNew")), "MeshTrustPhaseOutOfOrder", "cluster1", "cluster2");

        // One cluster's istiod without ISTIO_MULTIROOT_MESH: refused for it, and the other is left alone too.
        await IstiodPlayer.SetEnvAsync(_clusters[1], ns, "ISTIO_MULTIROOT_MESH", "false", ct: Ct);
        var multiRoot = ps.Invoke(Update("TrustBoth"));
        AssertRefused(multiRoot, "MeshTrustMultiRootDisabled", "cluster2");
        var error = multiRoot.Errors[0];
        Assert.Equal(ErrorCategory.NotEnabled, error.CategoryInfo.Category);
        Assert.Contains("without ISTIO_MULTIROOT_MESH=true", error.Exception.Message);
        Assert.Contains("-Force", error.Exception.Message);
        Assert.Contains("values.pilot.env.ISTIO_MULTIROOT_MESH=true", error.ErrorDetails.RecommendedAction);
        AssertSameVersions(before, await SecretsAsync(ns));

        // An istiod older than 1.20 takes no new root without a restart.
        await IstiodPlayer.SetEnvAsync(_clusters[1], ns, "ISTIO_MULTIROOT_MESH", "true", ct: Ct);
        await _clusters[0].Admin.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(new
        {
            spec = new { template = new { spec = new { containers = new[] { new { name = "discovery", image = "docker.io/istio/pilot:1.19.3" } } } } },
        }, V1Patch.PatchType.StrategicMergePatch), "istiod", ns, cancellationToken: Ct);
        AssertRefused(ps.Invoke(Update("TrustBoth")), "MeshTrustIstiodTooOld", "cluster1");

        // A mesh config without PROXY_CONFIG_XDS_AGENT.
        await _clusters[0].Admin.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(new
        {
            spec = new { template = new { spec = new { containers = new[] { new { name = "discovery", image = "docker.io/istio/pilot:1.26.0" } } } } },
        }, V1Patch.PatchType.StrategicMergePatch), "istiod", ns, cancellationToken: Ct);
        await _clusters[1].Admin.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(new { data = new { mesh = "defaultConfig:\n  proxyMetadata: {}\n" } },
            V1Patch.PatchType.MergePatch), "istio", ns, cancellationToken: Ct);
        var xds = ps.Invoke(Update("TrustBoth"));
        AssertRefused(xds, "MeshTrustProxyConfigXdsDisabled", "cluster2");
        Assert.Contains("lacks defaultConfig.proxyMetadata.PROXY_CONFIG_XDS_AGENT: \"true\"", xds.Errors[0].Exception.Message);
        AssertSameVersions(before, await SecretsAsync(ns));

        // -WhatIf: nothing changes and nothing is returned; -Force goes on past the mesh config.
        var whatIf = ps.Invoke(Update("TrustBoth", "-Force -WhatIf"));
        whatIf.AssertSucceeded();
        Assert.Empty(whatIf.Output);
        AssertSameVersions(before, await SecretsAsync(ns));
        var forced = ps.Invoke(Update("TrustBoth", "-Force"));
        forced.AssertSucceeded();
        Assert.All(forced.Output, o => Assert.Equal("Updated", o.Prop("Action")));
        Assert.Empty(forced.Warnings); // both istiods are 1.26 with ISTIO_MULTIROOT_MESH=true: they take the bundle by themselves

        // Forced past an istiod without ISTIO_MULTIROOT_MESH: the change is made, and a warning says that istiod needs a restart.
        await IstiodPlayer.SetEnvAsync(_clusters[1], ns, "ISTIO_MULTIROOT_MESH", "false", ct: Ct);
        var back = ps.Invoke("$DebugPreference = 'Continue'; Update-IstioMeshTrust -Context $C1, $C2 -CertificateAuthority $old -Phase RetireOld -Namespace $ns -Force");
        back.AssertSucceeded();
        var restart = Assert.Single(back.Warnings);
        Assert.Contains($"istiod istiod in namespace {ns} of context 'cluster2'", restart);
        Assert.Contains("it does not run with ISTIO_MULTIROOT_MESH=true", restart);
    }

    [Fact]
    public async Task Without_istiod_TrustBoth_is_refused_unless_forced_and_a_call_for_one_cluster_converges_with_the_next()
    {
        var (ps, ns) = await MeshAsync("rotate-converge", istiod: false);
        using var _ = ps;
        var before = await SecretsAsync(ns);
        var refused = ps.Invoke(Update("TrustBoth"));
        AssertRefused(refused, "MeshTrustIstiodNotFound", "cluster1", "cluster2");
        AssertSameVersions(before, await SecretsAsync(ns));

        // A call that reached only cluster1 (as one stopped half-way would), then the whole mesh: cluster1 Unchanged, cluster2 Updated.
        var first = ps.Invoke("Update-IstioMeshTrust -Context $C1 -CertificateAuthority $new -Phase TrustBoth -Namespace $ns -Force");
        first.AssertSucceeded();
        var both = ps.Invoke(Update("TrustBoth", "-Force"));
        both.AssertSucceeded();
        Assert.Equal(new[] { ("cluster1", "Unchanged"), ("cluster2", "Updated") }, both.Output.Select(o => ((string)o.Prop("Context")!, (string)o.Prop("Action")!)).ToArray());
        Assert.Equal(first.Output[0].Prop("ChangedAt"), both.Output[0].Prop("ChangedAt"));

        var signOne = ps.Invoke("Update-IstioMeshTrust -Context $C2 -CertificateAuthority $new -Phase SignWithNew -Namespace $ns");
        signOne.AssertSucceeded();

        // Half-way through SignWithNew the clusters sign under different roots, each trusted by both: Test-IstioMeshTrust passes on mutual trust.
        var status = ps.Invoke("Test-IstioMeshTrust -Context $C1, $C2 -Namespace $ns");
        status.AssertSucceeded();
        Assert.All(status.Output, o => Assert.Equal((false, true), ((bool)o.Prop("SharesOneRoot")!, (bool)o.Prop("MutualTrust")!)));
        Assert.All(status.Output, o => Assert.Equal(2, ((string[])o.Prop("TrustedRoots")!).Length));
        Assert.Equal(new[] { "TrustBoth", "SignWithNew" }, status.Output.Select(o => (string)o.Prop("RotationPhase")!).ToArray());
        Assert.All(status.Output, o => Assert.Null(o.Prop("Problem")));
        Assert.True((bool)ps.Invoke("Test-IstioMeshTrust -Context $C1, $C2 -Namespace $ns -Quiet").Output[0].BaseObject);
        var signBoth = ps.Invoke(Update("SignWithNew"));
        signBoth.AssertSucceeded();
        Assert.Equal(new[] { ("cluster1", "Updated"), ("cluster2", "Unchanged") }, signBoth.Output.Select(o => ((string)o.Prop("Context")!, (string)o.Prop("Action")!)).ToArray());
        // The soak counts from the last cluster's SignWithNew.
        Assert.Equal(signBoth.Output[0].Prop("NextPhaseNotBefore"), signBoth.Output[1].Prop("NextPhaseNotBefore"));
        Assert.True((DateTime)signBoth.Output[0].Prop("NextPhaseNotBefore")! >= ((DateTime)signBoth.Output[0].Prop("ChangedAt")!).AddHours(25));
    }

    [Fact]
    public async Task The_way_back_before_RetireOld_returns_every_cluster_to_the_old_root_alone()
    {
        var (ps, ns) = await MeshAsync("rotate-back");
        using var _ = ps;
        var start = await SecretsAsync(ns);
        var oldRoot = ps.Invoke("$old.Thumbprint").Output[0].BaseObject.ToString()!;

        // After TrustBoth: RetireOld with the old root takes the new one out again, byte for byte as before.
        ps.Invoke(Update("TrustBoth")).AssertSucceeded();
        var back = ps.Invoke("Update-IstioMeshTrust -Context $C1, $C2 -CertificateAuthority $old -Phase RetireOld -Namespace $ns");
        back.AssertSucceeded();
        Assert.All(back.Output, o => Assert.Equal("Updated", o.Prop("Action")));
        var afterTrust = await SecretsAsync(ns);
        for (var i = 0; i < 2; i++) Assert.Equal(start[i].Data["root-cert.pem"], afterTrust[i].Data["root-cert.pem"]);
        AssertEveryWorkloadVerifiesEverywhere(afterTrust, "back-1");

        // After SignWithNew: sign with the old root again, then retire the new one once the soak is over.
        ps.Invoke(Update("TrustBoth")).AssertSucceeded();
        ps.Invoke(Update("SignWithNew")).AssertSucceeded();
        ps.Invoke("Update-IstioMeshTrust -Context $C1, $C2 -CertificateAuthority $old -Phase SignWithNew -Namespace $ns").AssertSucceeded();
        AssertEveryWorkloadVerifiesEverywhere(await SecretsAsync(ns), "back-2");
        AssertRefused(ps.Invoke("Update-IstioMeshTrust -Context $C1, $C2 -CertificateAuthority $old -Phase RetireOld -Namespace $ns"),
            "MeshTrustSoakNotOver", "cluster1", "cluster2");
        ps.Invoke("Update-IstioMeshTrust -Context $C1, $C2 -CertificateAuthority $old -Phase RetireOld -Namespace $ns -MinimumSoak 0").AssertSucceeded();
        var end = await SecretsAsync(ns);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(start[i].Data["root-cert.pem"], end[i].Data["root-cert.pem"]);
            Assert.Equal(oldRoot, PemCertificates(Text(end[i], "cert-chain.pem"))[^1].GetCertHashString(HashAlgorithmName.SHA256));
        }

        AssertEveryWorkloadVerifiesEverywhere(end, "back-3");
        Assert.True((bool)ps.Invoke("Test-IstioMeshTrust -Context $C1, $C2 -Namespace $ns -Quiet").Output[0].BaseObject);
    }

    [Fact]
    public async Task Test_IstioMeshTrust_warns_of_an_intermediate_that_ends_within_30_days()
    {
        var ns = fixture.UniqueName("rotate-expiry");
        await _clusters[0].EnsureNamespaceAsync(ns, Ct);
        using var ps = fixture.NewSession();
        ps.Invoke("""
            $ns = $args[0]
            $root = New-IstioCertificateAuthority -KeyAlgorithm Ecdsa
            $null = $root | New-IstioClusterCertificate -ClusterName cluster1 -ValidFor 20.00:00:00 | Publish-IstioClusterCertificate -Context $C1 -Namespace $ns
            """, ns).AssertSucceeded();
        var result = ps.Invoke("$DebugPreference = 'Continue'; Test-IstioMeshTrust -Context $C1 -Namespace $args[0]", ns);
        result.AssertSucceeded();
        var warning = Assert.Single(result.Warnings);
        Assert.Contains("The intermediate CA of context 'cluster1' expires on", warning);
        Assert.Contains("Publish-IstioClusterCertificate -Force; istiod 1.19 and later reload it by themselves", warning);
        Assert.Equal(true, Assert.Single(result.Output).Prop("MutualTrust"));
    }
}
