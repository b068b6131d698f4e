using System.Management.Automation;
using k8s;
using k8s.Models;
using static MeshCluster.Module.Tests.RemoteSecret.RemoteSecretGround;

namespace MeshCluster.Module.Tests.RemoteSecret;

/// <summary>
/// Publish-IstioRemoteSecret meets the primary's istiod (played by a Deployment as Istio's chart renders it) and a remote in Istio's
/// 1.24+ remote profile (played by its injector webhook and namespace annotation): the EXTERNAL_ISTIOD and controlPlaneClusters
/// warnings, and the cluster names istiod would ignore, refused before anything is written.
/// </summary>
public sealed class PrimaryIstiodTests(ClustersFixture fixture)
{
    private const string Cmdlet = "MeshCluster.Commands.PublishIstioRemoteSecretCommand";
    private readonly RemoteSecretGround _ground = new(fixture);

    /// <summary>What istioctl's remote profile leaves in the remote's namespace: the injector calling /inject/cluster/..., no istiod, and the annotation.</summary>
    private async Task<string> RemoteProfileAsync(string ns, string? controlPlaneClusters)
    {
        var name = $"istio-sidecar-injector-{ns}"; // the chart's name outside istio-system
        await _ground.Remote.Admin.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(new V1MutatingWebhookConfiguration
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = "sidecar-injector" } },
            Webhooks = new List<V1MutatingWebhook>
            {
                new()
                {
                    Name = "rev.namespace.sidecar-injector.istio.io",
                    ClientConfig = new Admissionregistrationv1WebhookClientConfig
                    {
                        Service = new Admissionregistrationv1ServiceReference { Name = "istiod", NamespaceProperty = ns, Path = "/inject/cluster/cluster2/net/network1", Port = 443 },
                    },
                    Rules = new List<V1RuleWithOperations> { new() { Operations = new List<string> { "CREATE" }, ApiGroups = new List<string> { "" }, ApiVersions = new List<string> { "v1" }, Resources = new List<string> { "pods" } } },
                    // Harmless on the shared test ground: no namespace carries this label, and a failure is ignored.
                    NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["meshcluster-test-never"] = ns } },
                    FailurePolicy = "Ignore",
                    SideEffects = "None",
                    AdmissionReviewVersions = new List<string> { "v1" },
                },
            },
        }, cancellationToken: Ct);
        await AnnotateAsync(ns, controlPlaneClusters);
        return name;
    }

    private Task AnnotateAsync(string ns, string? controlPlaneClusters) =>
        _ground.Remote.Admin.CoreV1.PatchNamespaceAsync(new V1Patch(new { metadata = new { annotations = new Dictionary<string, string?> { ["topology.istio.io/controlPlaneClusters"] = controlPlaneClusters } } },
            V1Patch.PatchType.MergePatch), ns, cancellationToken: Ct);

    private static IEnumerable<string> IstiodWarnings(PowerShellResult result) => result.Warnings.Where(w => !w.Contains("loopback address", StringComparison.Ordinal));

    private string Publish(string name, string ns, string extra = "") =>
        $"$DebugPreference = 'Continue'; Publish-IstioRemoteSecret -Context $C2 -Name {name} -PrimaryContext $C1 -Namespace {ns} -CreateServiceAccount {extra}";

    [Fact]
    public async Task A_remote_profile_cluster_warns_until_the_primarys_istiod_runs_with_EXTERNAL_ISTIOD_and_is_named_by_the_annotation()
    {
        var ns = await _ground.NamespaceAsync("pi-ext");
        var webhook = await RemoteProfileAsync(ns, "cluster1");
        try
        {
            using var session = fixture.NewSession();

            // No istiod in the primary yet: a warning, not an error.
            var noIstiod = session.Invoke(Publish("ext", ns));
            noIstiod.AssertSucceeded();
            Assert.Equal("Created", Assert.Single(noIstiod.Output).Prop("Action"));
            var none = Assert.Single(IstiodWarnings(noIstiod));
            Assert.Contains($"Context 'cluster2' runs Istio's remote profile (its injector calls istiod at /inject/cluster/cluster2/net/network1", none);
            Assert.Contains($"no istiod Deployment in namespace {ns} of context 'cluster1' (not installed yet?)", none);

            // istiod without EXTERNAL_ISTIOD: it would never take charge of the remote.
            await IstiodPlayer.DeployAsync(_ground.Primary, ns, new Dictionary<string, string> { ["CLUSTER_ID"] = "cluster1" }, ct: Ct);
            var without = session.Invoke(Publish("ext", ns, "-Verbose"));
            without.AssertSucceeded();
            Assert.Equal("Unchanged", Assert.Single(without.Output).Prop("Action"));
            var warning = Assert.Single(IstiodWarnings(without));
            Assert.Contains($"istiod {ns}/istiod in context 'cluster1' does not run with EXTERNAL_ISTIOD=true", warning);
            Assert.Contains("values.global.externalIstiod: true", warning);
            Assert.Contains("manifests/charts/istio-control/istio-discovery/templates/deployment.yaml", warning);
            Assert.Contains(without.Verbose, v => v.Contains($"istiod {ns}/istiod in context 'cluster1': cluster 'cluster1', EXTERNAL_ISTIOD false", StringComparison.Ordinal));

            // With it: nothing to say.
            await IstiodPlayer.SetEnvAsync(_ground.Primary, ns, "EXTERNAL_ISTIOD", "true", ct: Ct);
            var with = session.Invoke(Publish("ext", ns));
            with.AssertSucceeded();
            Assert.Empty(IstiodWarnings(with));

            // The annotation names another primary (or the right one with a space): istiod does not take charge.
            await AnnotateAsync(ns, "cluster9, cluster1");
            var other = session.Invoke(Publish("ext", ns));
            other.AssertSucceeded();
            var annotation = Assert.Single(IstiodWarnings(other));
            Assert.Contains($"Namespace {ns} of context 'cluster2' names 'cluster9, cluster1' in topology.istio.io/controlPlaneClusters, not the primary's cluster 'cluster1'", annotation);
            Assert.Contains("does not trim spaces", annotation);
            Assert.Contains($"kubectl annotate namespace {ns} topology.istio.io/controlPlaneClusters=cluster1 --overwrite --context cluster2", annotation);

            // '*' names every primary.
            await AnnotateAsync(ns, "*");
            Assert.Empty(IstiodWarnings(session.Invoke(Publish("ext", ns))));
        }
        finally
        {
            await _ground.Remote.Admin.AdmissionregistrationV1.DeleteMutatingWebhookConfigurationAsync(webhook, cancellationToken: Ct);
        }
    }

    [Fact]
    public async Task A_remote_with_its_own_istiod_needs_nothing_of_the_primary()
    {
        var ns = await _ground.NamespaceAsync("pi-17");
        await IstiodPlayer.DeployAsync(_ground.Remote, ns, new Dictionary<string, string> { ["CLUSTER_ID"] = "cluster2" }, "docker.io/istio/pilot:1.7.8", ct: Ct);
        await IstiodPlayer.DeployAsync(_ground.Primary, ns, new Dictionary<string, string> { ["CLUSTER_ID"] = "cluster1" }, ct: Ct);
        using var session = fixture.NewSession();
        var result = session.Invoke(Publish("own", ns) + " -Verbose");
        result.AssertSucceeded();
        Assert.Empty(IstiodWarnings(result));
        Assert.Contains(result.Verbose, v => v.Contains($"Context 'cluster2': an istiod runs in namespace {ns}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_primarys_own_cluster_name_is_refused_before_anything_is_written_unless_Force()
    {
        var ns = await _ground.NamespaceAsync("pi-own");
        await IstiodPlayer.DeployAsync(_ground.Primary, ns, new Dictionary<string, string> { ["CLUSTER_ID"] = "primary-one" }, ct: Ct);
        using var session = fixture.NewSession();

        var refused = session.Invoke(Publish("primary-one", ns));
        var error = Assert.Single(refused.Errors);
        Assert.Equal("RemoteSecretClusterIsPrimary," + Cmdlet, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal("primary-one", error.TargetObject);
        Assert.Contains($"its istiod (Deployment {ns}/istiod in context 'cluster1') runs with CLUSTER_ID primary-one", error.Exception.Message);
        Assert.Contains("-Force", error.ErrorDetails!.RecommendedAction);
        Assert.Empty(refused.Output);
        // Nothing written anywhere: no Secret in the primary, and -CreateServiceAccount made no service account in the remote.
        Assert.Null(await TryAsync(() => _ground.ReadAsync(ns, "primary-one")));
        Assert.Null(await TryAsync(() => _ground.Remote.Admin.CoreV1.ReadNamespacedServiceAccountAsync(Reader, ns, cancellationToken: Ct)));

        var stop = session.Invoke(Publish("primary-one", ns, "-ErrorAction Stop"));
        Assert.StartsWith("RemoteSecretClusterIsPrimary,", stop.Terminating?.ErrorRecord.FullyQualifiedErrorId);

        var forced = session.Invoke(Publish("primary-one", ns, "-Force"));
        forced.AssertSucceeded();
        Assert.Equal("Created", Assert.Single(forced.Output).Prop("Action"));
        Assert.Contains("Publishing it anyway (-Force): istiod will not read it.", Assert.Single(IstiodWarnings(forced)));

        // Get-IstioRemoteSecret flags it as istiod sees it.
        var listed = session.Invoke("Get-IstioRemoteSecret -Context $C1 -Namespace $args[0]", ns);
        listed.AssertSucceeded();
        Assert.Contains("is the primary's own cluster", Assert.Single((string[])Assert.Single(listed.Output).Prop("Problems")!));
    }

    [Fact]
    public async Task A_cluster_another_Secret_claims_is_refused_unless_Force_and_both_are_flagged()
    {
        var ns = await _ground.NamespaceAsync("pi-claim");
        using var session = fixture.NewSession();
        var first = await _ground.PublishAsync(session, ns, "east");
        // Another tool's Secret for the same cluster, under another name.
        await _ground.WriteRemoteSecretAsync(ns, "east", System.Text.Encoding.UTF8.GetString(first.Data["east"]), secretName: "other-tool-east");
        await _ground.Primary.Admin.CoreV1.DeleteNamespacedSecretAsync("istio-remote-secret-east", ns, cancellationToken: Ct);
        await Task.Delay(TimeSpan.FromSeconds(1.1), Ct); // creationTimestamp has whole seconds: the rival is the older one

        var refused = session.Invoke(Publish("east", ns));
        var error = Assert.Single(refused.Errors);
        Assert.Equal("RemoteSecretClusterClaimed," + Cmdlet, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Assert.Contains($"Cluster 'east' is already claimed by Secret {ns}/other-tool-east in context 'cluster1'", error.Exception.Message);
        Assert.Null(await TryAsync(() => _ground.ReadAsync(ns, "east")));

        var forced = session.Invoke(Publish("east", ns, "-Force"));
        forced.AssertSucceeded();
        Assert.Contains($"Publishing {ns}/istio-remote-secret-east anyway (-Force)", Assert.Single(IstiodWarnings(forced)));

        var listed = session.Invoke("Get-IstioRemoteSecret -Context $C1 -Namespace $args[0]", ns);
        listed.AssertSucceeded();
        Assert.Equal(2, listed.Output.Count);
        foreach (var row in listed.Output)
        {
            Assert.Equal("east", row.Prop("ClusterName"));
            var problem = Assert.Single((string[])row.Prop("Problems")!);
            Assert.Contains($"{ns}/other-tool-east", problem);
            Assert.Contains($"{ns}/istio-remote-secret-east", problem);
            Assert.Contains("other-tool-east, the oldest", problem);
        }

        // Test-IstioRemoteCluster tests both, each with the rivalry as a warning of its format.
        var tested = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0]", ns);
        tested.AssertSucceeded();
        Assert.All(tested.Output, h => Assert.Contains("both claim cluster 'east'", (string)h.Prop("Summary")!));
    }
}
