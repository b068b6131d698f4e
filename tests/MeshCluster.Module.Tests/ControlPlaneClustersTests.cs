using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>
/// Istio 1.24+ primary-remote: New-IstioRemoteInstallSpec -PrimaryClusterName and Install-IstioRemote setting
/// topology.istio.io/controlPlaneClusters on the remote's namespace before istioctl (the stand-in reports what it found).
/// </summary>
[Collection(nameof(IstioctlStandInCollection))]
public sealed class ControlPlaneClustersTests(ClustersFixture fixture) : TempFolderTest("primary-remote-")
{
    private const string Annotation = "topology.istio.io/controlPlaneClusters";
    private const string Spec = "New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 -Profile Remote -Values @{ global = @{ istioNamespace = $args[0] } }";
    private readonly TestCluster _c2 = fixture.Clusters.Cluster2;
    private readonly List<string> _namespaces = new();

    public override void Dispose()
    {
        base.Dispose();
        foreach (var ns in _namespaces)
        {
            try { _c2.Admin.CoreV1.DeleteNamespaceAsync(ns).GetAwaiter().GetResult(); }
            catch (Exception) { /* never made, or the 1.20 delete body the typed client cannot read */ }
        }
    }

    private string Ns(string prefix)
    {
        var ns = fixture.UniqueName(prefix);
        _namespaces.Add(ns);
        return ns;
    }

    [Fact]
    public async Task The_remote_namespace_is_made_and_annotated_before_istioctl_runs()
    {
        var ns = Ns("pr-new");
        using var ps = fixture.NewSession();

        var result = ps.Invoke(Spec + " -PrimaryClusterName cluster1 -OutVariable spec | Install-IstioRemote -Context $C2 -IstioctlPath $args[1] -Verbose", ns, RepositoryLayout.IstioctlStandIn);

        result.AssertSucceeded();
        var spec = (System.Collections.IList)ps.GetVariable("spec")!;
        Assert.Equal("cluster1", ((System.Management.Automation.PSObject)spec[0]!).Prop("PrimaryClusterName"));
        Assert.Equal("MeshCluster.IstioRemoteInstallResult", Assert.Single(result.Output).TypeNames[0]);
        var made = await _c2.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct);
        Assert.Equal("cluster1", made.Metadata.Annotations[Annotation]);
        // istioctl (the stand-in) found it on the namespace when the install started.
        Assert.Contains($"istioctl: ✔ Namespace {ns} is controlled by cluster cluster1 ({Annotation})", result.Verbose);
        // Both steps were confirmed (ShouldProcess), the annotation first.
        var performing = result.Verbose.Where(v => v.StartsWith("Performing the operation", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, performing.Count);
        Assert.Contains($"Annotate {Annotation}=cluster1", performing[0]);
        Assert.Contains($"Namespace {ns} in context 'cluster2'", performing[0]);
        Assert.Contains("install -y -f", performing[1]);
    }

    [Fact]
    public async Task An_existing_namespace_is_annotated_from_a_spec_file_and_a_second_run_changes_nothing()
    {
        var ns = Ns("pr-file");
        await _c2.EnsureNamespaceAsync(ns, Ct);
        var file = Path.Combine(TempDir, "remote.yaml");
        using var ps = fixture.NewSession();
        ps.Invoke(Spec + " -PrimaryClusterName cluster1 -Path $args[1]", ns, file).AssertSucceeded();
        Assert.Contains($"  annotations:\n    {Annotation}: cluster1\n", File.ReadAllText(file));

        var first = ps.Invoke("Install-IstioRemote -Path $args[0] -Context $C2 -IstioctlPath $args[1] -Verbose", file, RepositoryLayout.IstioctlStandIn);
        first.AssertSucceeded();
        var annotated = await _c2.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct);
        Assert.Equal("cluster1", annotated.Metadata.Annotations[Annotation]);
        Assert.Contains($"Annotating Namespace '{ns}' in context 'cluster2' with {Annotation}=cluster1.", first.Verbose);

        var second = ps.Invoke("Install-IstioRemote -Path $args[0] -Context $C2 -IstioctlPath $args[1] -Verbose", file, RepositoryLayout.IstioctlStandIn);
        second.AssertSucceeded();
        Assert.Contains($"Namespace '{ns}' in context 'cluster2' already carries {Annotation}=cluster1.", second.Verbose);
        Assert.Equal(annotated.Metadata.ResourceVersion, (await _c2.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct)).Metadata.ResourceVersion);
    }

    [Fact]
    public async Task WhatIf_neither_annotates_nor_installs()
    {
        var ns = Ns("pr-whatif");
        using var ps = fixture.NewSession();

        var result = ps.Invoke(Spec + " -PrimaryClusterName cluster1 | Install-IstioRemote -Context $C2 -IstioctlPath $args[1] -WhatIf", ns, RepositoryLayout.IstioctlStandIn);

        result.AssertSucceeded();
        Assert.Empty(result.Output);
        Assert.Null(await TryReadNamespaceAsync(ns));
    }

    [Fact]
    public async Task Without_a_primary_the_spec_warns_and_istioctl_finds_no_annotation()
    {
        var ns = Ns("pr-none");
        using var ps = fixture.NewSession();

        var result = ps.Invoke(Spec + " | Install-IstioRemote -Context $C2 -IstioctlPath $args[1] -Verbose", ns, RepositoryLayout.IstioctlStandIn);

        result.AssertSucceeded();
        Assert.Contains(result.Warnings, w => w.Contains("-PrimaryClusterName", StringComparison.Ordinal));
        Assert.Contains($"istioctl: ! Namespace {ns} carries no {Annotation}: the primary's istiod will not configure this remote", result.Verbose);
        var made = await _c2.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct);
        Assert.False(made.Metadata.Annotations?.ContainsKey(Annotation) ?? false);
    }

    [Theory]
    [InlineData("-Profile Default -PrimaryClusterName cluster1", "InstallSpecProfileConflict")]
    [InlineData("-Profile Remote -PrimaryClusterName Cluster_1", "ClusterNameInvalid")]
    [InlineData("-Profile Remote -PrimaryClusterName cluster2", "InstallSpecValueConflict")]
    public void A_primary_that_cannot_be_is_refused_with_its_id(string parameters, string id)
    {
        using var ps = fixture.NewSession();
        var result = ps.Invoke("New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 " + parameters);
        Assert.Equal(id + ",MeshCluster.Commands.NewIstioRemoteInstallSpecCommand", Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.Empty(result.Output);
    }

    private async Task<V1Namespace?> TryReadNamespaceAsync(string name)
    {
        try { return await _c2.Admin.CoreV1.ReadNamespaceAsync(name, cancellationToken: Ct); }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound) { return null; }
    }
}
