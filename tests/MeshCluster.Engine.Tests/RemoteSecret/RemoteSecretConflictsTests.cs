using System.Text;
using k8s.Models;
using MeshCluster.Engine.RemoteSecret;
using MeshCluster.Engine.Istiod;
using MeshCluster.Engine.Tests.TestSupport;
using static MeshCluster.Engine.Tests.Istiod.IstiodDeploymentReaderTests;

namespace MeshCluster.Engine.Tests.RemoteSecret;

/// <summary>Clusters that collide, as istiod's secret controller resolves them (secretcontroller.go addSecret).</summary>
public sealed class RemoteSecretConflictsTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private const string Config = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://10.0.0.1:6443\n" +
                                  "contexts:\n- name: c\n  context:\n    cluster: c\n    user: c\ncurrent-context: c\nusers:\n- name: c\n  user:\n    token: abcdefghijkl\n";

    private static V1Secret Secret(string name, DateTime created, params string[] keys) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "istio-system", CreationTimestamp = created },
        Data = keys.ToDictionary(k => k, _ => Encoding.UTF8.GetBytes(Config)),
    };

    private static IReadOnlyList<RemoteSecretEntry> Judge(IstiodReading? istiod, params V1Secret[] secrets) =>
        RemoteSecretConflicts.Judge(secrets.SelectMany(s => RemoteSecretParser.ParseAll(s, "cluster1", Now)).ToList(), istiod);

    private static IstiodReading Primary(string clusterId) =>
        new("cluster1", "istio-system", new[] { IstiodDeploymentReader.FromDeployment(Deployment(env: new Dictionary<string, string> { ["CLUSTER_ID"] = clusterId }))! }, null);

    [Fact]
    public void Two_secrets_claiming_one_cluster_are_both_flagged_naming_both_and_the_one_istiod_keeps()
    {
        var entries = Judge(null,
            Secret("istio-remote-secret-east", new DateTime(2029, 6, 1, 0, 0, 0, DateTimeKind.Utc), "east"),
            Secret("a-copy-of-east", new DateTime(2029, 7, 1, 0, 0, 0, DateTimeKind.Utc), "east"),
            Secret("istio-remote-secret-west", new DateTime(2029, 6, 1, 0, 0, 0, DateTimeKind.Utc), "west"));
        var east = entries.Where(e => e.Info.ClusterName == "east").ToList();
        Assert.Equal(2, east.Count);
        foreach (var entry in east)
        {
            var problem = Assert.Single(entry.Info.Problems);
            Assert.Contains("Secrets istio-system/istio-remote-secret-east and istio-system/a-copy-of-east both claim cluster 'east'", problem);
            Assert.Contains("istio-remote-secret-east, the oldest", problem);
            Assert.Single(entry.Contested);
            Assert.Empty(entry.Blocking);
            Assert.True(entry.HasUsableToken); // still testable: one of them is what istiod uses
        }

        Assert.Empty(entries.Single(e => e.Info.ClusterName == "west").Info.Problems);

        // creationTimestamp has whole seconds: two Secrets of one second cannot be ordered.
        var sameSecond = new DateTime(2029, 6, 1, 0, 0, 0, DateTimeKind.Utc);
        var tie = Judge(null, Secret("a", sameSecond, "x"), Secret("b", sameSecond, "x"));
        Assert.All(tie, e => Assert.Contains("whichever it read first (they were created within the same second)", Assert.Single(e.Info.Problems)));
    }

    [Fact]
    public void A_secret_named_after_the_primarys_own_cluster_is_flagged_as_ignored()
    {
        var entries = Judge(Primary("cluster1"), Secret("istio-remote-secret-cluster1", DateTime.UtcNow, "cluster1"), Secret("istio-remote-secret-cluster2", DateTime.UtcNow, "cluster2"));
        var own = entries.Single(e => e.Info.ClusterName == "cluster1");
        Assert.Contains("'cluster1' is the primary's own cluster (its istiod, Deployment istio-system/istiod in context 'cluster1', runs with CLUSTER_ID cluster1)",
            Assert.Single(own.Info.Problems));
        Assert.Single(own.Ignored);
        Assert.Empty(entries.Single(e => e.Info.ClusterName == "cluster2").Info.Problems);

        // Without an istiod there is no own name to compare with.
        Assert.All(Judge(null, Secret("istio-remote-secret-cluster1", DateTime.UtcNow, "cluster1")), e => Assert.Empty(e.Info.Problems));
    }

    [Fact]
    public void Publishing_refuses_the_primarys_own_name_and_a_claimed_one_unless_forced()
    {
        var reporter = new RecordingReporter();
        var primary = Primary("cluster1");
        var own = Assert.Throws<MeshCluster.Engine.Errors.MeshClusterException>(() => RemoteSecretClaims.Check("cluster1", primary, false, reporter));
        Assert.Equal(("RemoteSecretClusterIsPrimary", "cluster1"), (own.ErrorId, own.Target));
        Assert.Contains("Nothing was written", own.Message);
        RemoteSecretClaims.Check("cluster2", primary, false, reporter);
        RemoteSecretClaims.Check("cluster1", primary, true, reporter);
        Assert.Contains("Publishing it anyway (-Force): istiod will not read it.", Assert.Single(reporter.Warnings));

        var existing = Judge(null, Secret("other-east", DateTime.UtcNow, "east"), Secret("istio-remote-secret-west", DateTime.UtcNow, "west")).Select(e => e.Info).ToList();
        var claimed = Assert.Throws<MeshCluster.Engine.Errors.MeshClusterException>(() => RemoteSecretClaims.Check("east", "istio-system", "cluster1", existing, false, reporter));
        Assert.Equal(("RemoteSecretClusterClaimed", System.Management.Automation.ErrorCategory.ResourceExists), (claimed.ErrorId, claimed.Category));
        Assert.Contains("Cluster 'east' is already claimed by Secret istio-system/other-east in context 'cluster1'", claimed.Message);
        // Its own Secret is replaced, not a rival.
        RemoteSecretClaims.Check("west", "istio-system", "cluster1", existing, false, reporter);
        RemoteSecretClaims.Check("east", "istio-system", "cluster1", existing, true, reporter);
        Assert.Contains("Publishing istio-system/istio-remote-secret-east anyway (-Force)", reporter.Warnings[^1]);
    }

    [Fact]
    public void The_allowance_is_what_every_istiod_lists()
    {
        IstiodDeployment With(string name, string options) =>
            IstiodDeploymentReader.FromDeployment(Deployment(name, env: new Dictionary<string, string> { ["PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS"] = options }))!;
        var both = KubeConfigAllowance.From(new IstiodReading("c", "istio-system", new[] { With("istiod", "exec,gcp"), With("istiod-canary", "exec") }, null));
        Assert.Equal(new[] { "exec" }, both.Options);
        Assert.Empty(KubeConfigAllowance.From(null).Options);
        Assert.Empty(KubeConfigAllowance.From(new IstiodReading("c", "n", Array.Empty<IstiodDeployment>(), null)).Options);
    }
}
