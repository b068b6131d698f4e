using k8s;
using k8s.Models;
using MeshCluster.Module.Tests.RemoteSecret;
using static MeshCluster.Module.Tests.RemoteSecret.RemoteSecretGround;

namespace MeshCluster.Module.Tests.Hostile;

/// <summary>
/// Issue 20, point 3: a newcomer's fleet script with one typo. One unknown context among piped inputs is that input's
/// non-terminating error naming it; every other input's result comes back; -ErrorAction Stop still stops them all.
/// </summary>
public sealed class PerInputFailureTests(ClustersFixture fixture)
{
    private const string Typo = "clustre2";
    private readonly RemoteSecretGround _ground = new(fixture);

    /// <summary>The same remote secret "fleet" in the namespace of both clusters, so that each good context has a result.</summary>
    private async Task<string> FleetAsync()
    {
        var ns = await _ground.NamespaceAsync("per-input");
        var kubeConfig = KubeConfig("fleet", _ground.Remote.Server, null, "fleet-token-0123456789");
        foreach (var cluster in new[] { _ground.Primary, _ground.Remote })
        {
            await cluster.Admin.CoreV1.CreateNamespacedSecretAsync(new V1Secret
            {
                Metadata = new V1ObjectMeta
                {
                    Name = "istio-remote-secret-fleet",
                    Labels = new Dictionary<string, string> { ["istio/multiCluster"] = "true" },
                    Annotations = new Dictionary<string, string> { ["networking.istio.io/cluster"] = "fleet" },
                },
                StringData = new Dictionary<string, string> { ["fleet"] = kubeConfig },
            }, ns, cancellationToken: Ct);
        }

        return ns;
    }

    private static void AssertOnlyTheTypoFailed(PowerShellResult result, string cmdlet)
    {
        Assert.Null(result.Terminating);
        var error = Assert.Single(result.Errors);
        Assert.Equal($"KubeContextNotFound,MeshCluster.Commands.{cmdlet}Command", error.FullyQualifiedErrorId);
        Assert.Equal(Typo, error.TargetObject);
        Assert.Contains("cluster1", error.Exception.Message);
    }

    private static void AssertBothGoodContexts(PowerShellResult result) =>
        Assert.Equal(new[] { "cluster1", "cluster2" }, result.Output.Select(o => (string)o.Prop("Context")!).Order());

    [Theory]
    [InlineData("Get-IstioRemoteSecret", "")]
    [InlineData("Test-IstioRemoteCluster", "-Timeout 00:00:05")]
    [InlineData("Remove-IstioRemoteSecret", "-ClusterName fleet -PassThru")]
    public async Task A_typo_among_piped_contexts_is_that_inputs_error_and_every_other_result_comes_back(string cmdlet, string extra)
    {
        var ns = await FleetAsync();
        using var session = fixture.NewSession();
        var result = session.Invoke(
            $"$C1, $args[1], $C2 | ForEach-Object {{ [pscustomobject]@{{ Context = $_ }} }} | {cmdlet} -Namespace $args[0] {extra} -WarningAction SilentlyContinue",
            ns, Typo);

        AssertOnlyTheTypoFailed(result, cmdlet.Replace("-", string.Empty));
        AssertBothGoodContexts(result);
    }

    [Fact]
    public async Task Publish_with_a_typo_among_piped_remotes_publishes_the_others()
    {
        var ns = await _ground.NamespaceAsync("per-input-pub");
        using var session = fixture.NewSession();
        var result = session.Invoke(
            "@([pscustomobject]@{ Context = $C2; Name = 'east' }, [pscustomobject]@{ Context = $args[1]; Name = 'typo' }, [pscustomobject]@{ Context = $C2; Name = 'west' }) | " +
            "Publish-IstioRemoteSecret -PrimaryContext $C1 -Namespace $args[0] -CreateServiceAccount -WarningAction SilentlyContinue",
            ns, Typo);

        AssertOnlyTheTypoFailed(result, "PublishIstioRemoteSecret");
        Assert.Equal(new[] { "east", "west" }, result.Output.Select(o => (string)o.Prop("ClusterName")!).Order());
        Assert.NotNull(await _ground.ReadAsync(ns, "east"));
        Assert.NotNull(await _ground.ReadAsync(ns, "west"));
    }

    [Theory]
    [InlineData("Get-IstioDiscoveryAddress", "-ServiceName no-gateway", "IngressGatewayNotFound")]
    [InlineData("Wait-IstioControlPlane", "-Timeout 00:00:02", "ControlPlane")]
    public async Task A_typo_does_not_stop_the_other_inputs_of_a_cmdlet_whose_good_inputs_fail_on_their_own(string cmdlet, string extra, string ownErrorPrefix)
    {
        var ns = await _ground.NamespaceAsync("per-input-own");
        using var session = fixture.NewSession();
        var result = session.Invoke(
            $"$C1, $args[1], $C2 | ForEach-Object {{ [pscustomobject]@{{ Context = $_ }} }} | {cmdlet} -Namespace $args[0] {extra}", ns, Typo);

        Assert.Null(result.Terminating);
        Assert.Equal(3, result.Errors.Count);
        var typo = Assert.Single(result.Errors, e => e.FullyQualifiedErrorId.StartsWith("KubeContextNotFound,", StringComparison.Ordinal));
        Assert.Equal(Typo, typo.TargetObject);
        // Each good context went on to its own answer from its own cluster.
        Assert.All(result.Errors.Where(e => e != typo), e => Assert.StartsWith(ownErrorPrefix, e.FullyQualifiedErrorId));
    }

    [Fact]
    public async Task ErrorAction_Stop_still_stops_at_the_typo()
    {
        var ns = await FleetAsync();
        using var session = fixture.NewSession();
        var result = session.Invoke(
            "$args[1], $C1, $C2 | ForEach-Object { [pscustomobject]@{ Context = $_ } } | Get-IstioRemoteSecret -Namespace $args[0] -ThrottleLimit 1 -ErrorAction Stop", ns, Typo);

        Assert.NotNull(result.Terminating);
        Assert.StartsWith("KubeContextNotFound,", result.Terminating.ErrorRecord.FullyQualifiedErrorId);
    }

    [Fact]
    public async Task A_context_whose_kubeconfig_entry_is_broken_is_that_inputs_error()
    {
        var ns = await FleetAsync();
        var broken = Path.Combine(Path.GetTempPath(), fixture.UniqueName("broken") + ".yaml");
        File.WriteAllText(broken, "apiVersion: v1\nkind: Config\ncontexts:\n- name: dangling\n  context:\n    cluster: nowhere\n    user: nobody\n");
        try
        {
            using var session = fixture.NewSession();
            var result = session.Invoke(
                "$C1, 'dangling', $C2 | ForEach-Object { [pscustomobject]@{ Context = $_ } } | Get-IstioRemoteSecret -KubeConfig ($KubeConfig + [IO.Path]::PathSeparator + $args[1]) -Namespace $args[0]",
                ns, broken);

            Assert.Null(result.Terminating);
            var error = Assert.Single(result.Errors);
            Assert.StartsWith("KubeConfigInvalid,", error.FullyQualifiedErrorId);
            Assert.Contains("dangling", error.Exception.Message);
            AssertBothGoodContexts(result);
        }
        finally
        {
            File.Delete(broken);
        }
    }
}
