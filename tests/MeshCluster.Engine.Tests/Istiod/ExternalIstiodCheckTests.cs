using k8s.Models;
using MeshCluster.Engine.Istiod;
using static MeshCluster.Engine.Tests.Istiod.IstiodDeploymentReaderTests;

namespace MeshCluster.Engine.Tests.Istiod;

/// <summary>When the primary's istiod takes charge of a remote (multicluster.go checkShouldLead), and how a remote-profile cluster is recognised.</summary>
public sealed class ExternalIstiodCheckTests
{
    private static IstiodReading Primary(params IDictionary<string, string>[] envs) =>
        new("cluster1", "istio-system", envs.Select((e, i) => IstiodDeploymentReader.FromDeployment(Deployment(i == 0 ? "istiod" : $"istiod-r{i}", env: e))!).ToList(), null);

    private static readonly RemoteProfileEvidence RemoteProfile = new("cluster2", "istio-system", false, "/inject/cluster/cluster2/net/network1", "cluster1");

    [Fact]
    public void A_primary_with_EXTERNAL_ISTIOD_named_by_the_remote_draws_no_warning()
    {
        var primary = Primary(new Dictionary<string, string> { ["CLUSTER_ID"] = "cluster1", ["EXTERNAL_ISTIOD"] = "true" });
        Assert.Empty(ExternalIstiodCheck.Judge(primary, RemoteProfile));
        Assert.Empty(ExternalIstiodCheck.Judge(primary, RemoteProfile with { ControlPlaneClusters = "other,cluster1" }));
        Assert.Empty(ExternalIstiodCheck.Judge(primary, RemoteProfile with { ControlPlaneClusters = "*" }));
    }

    [Fact]
    public void A_primary_without_EXTERNAL_ISTIOD_is_told_what_to_set()
    {
        var warning = Assert.Single(ExternalIstiodCheck.Judge(Primary(new Dictionary<string, string> { ["CLUSTER_ID"] = "cluster1" }), RemoteProfile));
        Assert.Contains("Context 'cluster2' runs Istio's remote profile (its injector calls istiod at /inject/cluster/cluster2/net/network1", warning);
        Assert.Contains("istiod istio-system/istiod in context 'cluster1' does not run with EXTERNAL_ISTIOD=true", warning);
        Assert.Contains("values.global.externalIstiod: true", warning);
        Assert.Contains("manifests/charts/istio-control/istio-discovery/templates/deployment.yaml", warning);

        var set = Assert.Single(ExternalIstiodCheck.Judge(Primary(new Dictionary<string, string> { ["CLUSTER_ID"] = "cluster1", ["EXTERNAL_ISTIOD"] = "yes" }), RemoteProfile));
        Assert.Contains("(it is 'yes')", set);
    }

    [Fact]
    public void An_annotation_that_does_not_name_the_primary_or_is_missing_is_a_warning_with_the_fix()
    {
        var primary = Primary(new Dictionary<string, string> { ["CLUSTER_ID"] = "cluster1", ["EXTERNAL_ISTIOD"] = "true" });
        var other = Assert.Single(ExternalIstiodCheck.Judge(primary, RemoteProfile with { ControlPlaneClusters = "cluster9" }));
        Assert.Contains("names 'cluster9' in topology.istio.io/controlPlaneClusters, not the primary's cluster 'cluster1'", other);
        Assert.Contains("kubectl annotate namespace istio-system topology.istio.io/controlPlaneClusters=cluster1 --overwrite --context cluster2", other);
        Assert.Contains("istiod reads it once, when it adds the cluster", other);

        var spaced = Assert.Single(ExternalIstiodCheck.Judge(primary, RemoteProfile with { ControlPlaneClusters = "cluster9, cluster1" }));
        Assert.Contains("does not trim spaces", spaced);

        var missing = Assert.Single(ExternalIstiodCheck.Judge(primary, RemoteProfile with { ControlPlaneClusters = null }));
        Assert.Contains("carries no topology.istio.io/controlPlaneClusters annotation", missing);
    }

    [Fact]
    public void A_primary_without_istiod_is_a_warning_and_an_unreadable_one_says_so()
    {
        var none = Assert.Single(ExternalIstiodCheck.Judge(new IstiodReading("cluster1", "istio-system", Array.Empty<IstiodDeployment>(), null), RemoteProfile));
        Assert.Contains("no istiod Deployment in namespace istio-system of context 'cluster1' (not installed yet?)", none);
        Assert.Contains("values.global.externalIstiod: true", none);

        var forbidden = Assert.Single(ExternalIstiodCheck.Judge(new IstiodReading("cluster1", "istio-system", Array.Empty<IstiodDeployment>(), "403 Forbidden."), RemoteProfile));
        Assert.Contains("could not be read (403 Forbidden)", forbidden);
    }

    [Fact]
    public void A_remote_with_its_own_istiod_and_no_annotation_needs_nothing_of_the_primary()
    {
        var primary = Primary(new Dictionary<string, string> { ["CLUSTER_ID"] = "cluster1" });
        Assert.Empty(ExternalIstiodCheck.Judge(primary, new RemoteProfileEvidence("cluster2", "istio-system", true, null, null)));
        // A local istiod beside a remote-profile injector is no remote profile; the annotation alone still asks for the primary.
        Assert.False(new RemoteProfileEvidence("c", "n", true, "/inject/cluster/c/net/n", null).IsRemoteProfile);
        var annotated = Assert.Single(ExternalIstiodCheck.Judge(primary, new RemoteProfileEvidence("cluster2", "istio-system", true, null, "cluster1")));
        Assert.Contains("names its control plane cluster (topology.istio.io/controlPlaneClusters=cluster1)", annotated);
        Assert.Contains("EXTERNAL_ISTIOD=true", annotated);
    }

    [Fact]
    public void Every_istiod_revision_is_judged()
    {
        var primary = Primary(new Dictionary<string, string> { ["CLUSTER_ID"] = "cluster1", ["EXTERNAL_ISTIOD"] = "true" }, new Dictionary<string, string> { ["CLUSTER_ID"] = "cluster1" });
        Assert.Contains("istiod istio-system/istiod-r1", Assert.Single(ExternalIstiodCheck.Judge(primary, RemoteProfile)));
    }

    [Theory]
    [InlineData("cluster1", "cluster1", true)]
    [InlineData("a,cluster1", "cluster1", true)]
    [InlineData("*", "anything", true)]
    [InlineData("a, cluster1", "cluster1", false)]
    [InlineData("Cluster1", "cluster1", false)]
    [InlineData("", "cluster1", false)]
    public void The_annotation_is_matched_as_checkShouldLead_matches_it(string annotation, string cluster, bool names) =>
        Assert.Equal(names, ControlPlaneClusters.Names(annotation, cluster));

    private static V1MutatingWebhookConfiguration Injector(string name, string ns, string? service, string? path, string? url = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Webhooks = new List<V1MutatingWebhook>
        {
            new()
            {
                Name = "rev.namespace.sidecar-injector.istio.io",
                ClientConfig = url is null
                    ? new Admissionregistrationv1WebhookClientConfig { Service = new Admissionregistrationv1ServiceReference { Name = service, NamespaceProperty = ns, Path = path, Port = 443 } }
                    : new Admissionregistrationv1WebhookClientConfig { Url = url },
                SideEffects = "None",
                AdmissionReviewVersions = new List<string> { "v1" },
            },
        },
    };

    [Fact]
    public void The_remote_profile_injector_is_recognised_by_its_path_to_this_namespaces_istiod()
    {
        Assert.Equal("/inject/cluster/c2/net/n1", RemoteProfileDetector.InjectionPathOf(new[] { Injector("istio-sidecar-injector", "istio-system", "istiod", "/inject/cluster/c2/net/n1") }, "istio-system"));
        Assert.Equal("/inject/cluster/c2/net/n1", RemoteProfileDetector.InjectionPathOf(new[] { Injector("istio-sidecar-injector-canary", "istio-system", "istiod-canary", "/inject/cluster/c2/net/n1") }, "istio-system"));
        Assert.Equal("/inject/cluster/c2/net/n1", RemoteProfileDetector.InjectionPathOf(new[] { Injector("x", "istio-system", null, null, "https://istiod.example:15017/inject/cluster/c2/net/n1") }, "istio-system"));
        // A primary's injector, another namespace's, another service's: none.
        Assert.Null(RemoteProfileDetector.InjectionPathOf(new[] { Injector("istio-sidecar-injector", "istio-system", "istiod", "/inject") }, "istio-system"));
        Assert.Null(RemoteProfileDetector.InjectionPathOf(new[] { Injector("istio-sidecar-injector-x", "other", "istiod", "/inject/cluster/c2/net/n1") }, "istio-system"));
        Assert.Null(RemoteProfileDetector.InjectionPathOf(new[] { Injector("other", "istio-system", "webhook", "/inject/cluster/c2/net/n1") }, "istio-system"));
        Assert.Null(RemoteProfileDetector.InjectionPathOf(Array.Empty<V1MutatingWebhookConfiguration>(), "istio-system"));
    }
}
