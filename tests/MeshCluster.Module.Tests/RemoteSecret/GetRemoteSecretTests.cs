using System.Management.Automation;
using System.Text;
using k8s;
using static MeshCluster.Module.Tests.RemoteSecret.RemoteSecretGround;

namespace MeshCluster.Module.Tests.RemoteSecret;

/// <summary>Get-IstioRemoteSecret against the real primary (cluster1), whose remote secrets point at cluster2.</summary>
public sealed class GetRemoteSecretTests(ClustersFixture fixture)
{
    private readonly RemoteSecretGround _ground = new(fixture);

    [Fact]
    public async Task Lists_a_healthy_a_broken_and_an_exec_secret_with_their_problems_and_no_token()
    {
        var ns = await _ground.NamespaceAsync("d2-list");
        using var session = fixture.NewSession();
        var healthy = await _ground.PublishAsync(session, ns, "east");
        var token = TokenOf(healthy, "east");
        await _ground.WriteRemoteSecretAsync(ns, "broken", "\u0001 garbage: [not yaml\n  : :");

        // An exec plugin that would leave a mark if anything ran it: listing must never run it.
        var marker = Path.Combine(Path.GetTempPath(), $"meshcluster-exec-ran-{Guid.NewGuid():N}");
        var exec = $"    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: /bin/sh\n      args: [\"-c\", \"touch {marker}\"]\n";
        await _ground.WriteRemoteSecretAsync(ns, "plugin", KubeConfig("plugin", _ground.Remote.Server, CaOf(healthy, "east"), null, userYaml: exec));

        var result = session.Invoke("$DebugPreference = 'Continue'; Get-IstioRemoteSecret -Context $C1 -Namespace $args[0] -Verbose", ns);
        result.AssertSucceeded();
        var rows = result.Output.ToDictionary(o => (string)o.Prop("ClusterName")!);
        Assert.Equal(new[] { "broken", "east", "plugin" }, rows.Keys.Order());
        Assert.All(result.Output, o => Assert.Equal("MeshCluster.IstioRemoteSecretInfo", o.TypeNames[0]));

        var east = rows["east"];
        Assert.Equal(("istio-remote-secret-east", ns, "cluster1", _ground.Remote.Server), (east.Prop("SecretName"), east.Prop("Namespace"), east.Prop("Context"), east.Prop("Server")));
        Assert.Equal("Token", east.Prop("AuthType"));
        Assert.Equal((Reader, ns), (east.Prop("ServiceAccount"), east.Prop("ServiceAccountNamespace")));
        Assert.Null(east.Prop("TokenExpires")); // a token secret's token has no exp
        Assert.Equal(healthy.Metadata.ResourceVersion, east.Prop("ResourceVersion"));
        Assert.NotNull(east.Prop("CreatedAt"));
        Assert.Empty((string[])east.Prop("Problems")!);

        var broken = rows["broken"];
        Assert.Null(broken.Prop("Server"));
        Assert.Null(broken.Prop("AuthType"));
        Assert.Contains("is not valid YAML (line ", Assert.Single((string[])broken.Prop("Problems")!));

        var plugin = rows["plugin"];
        Assert.Equal("Exec", plugin.Prop("AuthType"));
        Assert.Equal(_ground.Remote.Server, plugin.Prop("Server"));
        Assert.Contains("PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS", Assert.Single((string[])plugin.Prop("Problems")!));
        Assert.False(File.Exists(marker), "the exec plugin of a remote secret ran");

        Assert.Contains(result.Verbose, v => v.Contains("istio/multiCluster=true", StringComparison.Ordinal));
        result.AssertNoSecret(new[] { token });
        Assert.All(fixture.AdminTokens, admin => result.AssertNoSecret(new[] { admin }));
    }

    [Fact]
    public async Task Selects_by_wildcard_and_a_missing_literal_name_is_RemoteSecretNotFound_while_the_rest_is_listed()
    {
        var ns = await _ground.NamespaceAsync("d2-select");
        using var session = fixture.NewSession();
        var published = await _ground.PublishAsync(session, ns, "west-1");
        await _ground.WriteRemoteSecretAsync(ns, "west-2", KubeConfig("west-2", _ground.Remote.Server, null, "x"));
        await _ground.WriteRemoteSecretAsync(ns, "north", KubeConfig("north", _ground.Remote.Server, null, "y"));

        var result = session.Invoke("Get-IstioRemoteSecret -Context $C1 -Namespace $args[0] -ClusterName 'west-*', 'nowhere', 'none-*'", ns);
        Assert.Equal(new[] { "west-1", "west-2" }, result.Output.Select(o => (string)o.Prop("ClusterName")!));
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("RemoteSecretNotFound,MeshCluster.Commands.GetIstioRemoteSecretCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("nowhere", error.TargetObject);

        var stop = session.Invoke("Get-IstioRemoteSecret -Context $C1 -Namespace $args[0] -ClusterName nowhere -ErrorAction Stop", ns);
        Assert.StartsWith("RemoteSecretNotFound,", stop.Terminating?.ErrorRecord.FullyQualifiedErrorId);
        result.AssertNoSecret(new[] { TokenOf(published, "west-1") });
    }

    [Fact]
    public async Task The_cluster_is_the_data_key_as_istiod_names_it_and_a_Secret_with_several_keys_lists_each()
    {
        var ns = await _ground.NamespaceAsync("d2-keys");
        using var session = fixture.NewSession();
        var config = KubeConfig("k", _ground.Remote.Server, null, "not-a-jwt-token");
        // The annotation says "wrongkey" but the data key is "other": istiod names the cluster "other".
        await _ground.Primary.Admin.CoreV1.CreateNamespacedSecretAsync(new k8s.Models.V1Secret
        {
            Metadata = new k8s.Models.V1ObjectMeta
            {
                Name = "istio-remote-secret-wrongkey",
                Labels = new Dictionary<string, string> { ["istio/multiCluster"] = "true" },
                Annotations = new Dictionary<string, string> { ["networking.istio.io/cluster"] = "wrongkey" },
            },
            Data = new Dictionary<string, byte[]> { ["other"] = Encoding.UTF8.GetBytes(config) },
        }, ns, cancellationToken: Ct);
        await _ground.WriteRemoteSecretAsync(ns, "pair", config, moreData: new Dictionary<string, string> { ["pair-b"] = config });

        var result = session.Invoke("Get-IstioRemoteSecret -Context $C1 -Namespace $args[0]", ns);
        result.AssertSucceeded();
        var rows = result.Output.ToDictionary(o => (string)o.Prop("ClusterName")!);
        Assert.Equal(new[] { "other", "pair", "pair-b" }, rows.Keys.Order());

        var other = rows["other"];
        Assert.Equal(("istio-remote-secret-wrongkey", "wrongkey"), (other.Prop("SecretName"), other.Prop("AnnotatedClusterName")));
        Assert.Empty((string[])other.Prop("Problems")!);
        Assert.Contains("says 'wrongkey'; istiod goes by the data key and names this cluster 'other'", Assert.Single((string[])other.Prop("Notes")!));

        var pair = rows["pair"];
        Assert.Equal("Token", pair.Prop("AuthType"));
        Assert.Null(pair.Prop("ServiceAccount")); // no JWT: no claims to read
        Assert.Null(pair.Prop("AnnotatedClusterName"));
        Assert.Empty((string[])pair.Prop("Problems")!);
        Assert.Contains("Several data keys (pair, pair-b)", ((string[])pair.Prop("Notes")!)[0]);
        Assert.Equal(("istio-remote-secret-pair", "pair"), (rows["pair-b"].Prop("SecretName"), rows["pair-b"].Prop("AnnotatedClusterName")));

        // Selecting one cluster of the shared Secret gives that one.
        var one = session.Invoke("Get-IstioRemoteSecret -Context $C1 -Namespace $args[0] -ClusterName pair-b", ns);
        Assert.Equal("pair-b", Assert.Single(one.Output).Prop("ClusterName"));
    }
}
