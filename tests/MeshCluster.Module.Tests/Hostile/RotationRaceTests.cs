using k8s;
using MeshCluster.Module.Tests.RemoteSecret;
using static MeshCluster.Module.Tests.RemoteSecret.RemoteSecretGround;

namespace MeshCluster.Module.Tests.Hostile;

/// <summary>
/// Issue 20, point 2: rotations racing plain publishes, each other and removals. Whatever interleaving happens, the primary ends
/// holding a token whose token secret is there (a live token), and, after a rotation, no MeshCluster token secret of the cluster
/// is left that nothing holds. A token still held by a remote secret in another namespace is never revoked.
/// </summary>
public sealed class RotationRaceTests(ClustersFixture fixture)
{
    private const int Rounds = 12;
    private const string Rotate = "Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -RotateToken -WarningAction SilentlyContinue";
    private const string Plain = "Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -WarningAction SilentlyContinue";
    private readonly RemoteSecretGround _ground = new(fixture);

    private static string? Value(IDictionary<string, string>? map, string key) => map is not null && map.TryGetValue(key, out var v) ? v : null;

    private async Task AssertPrimaryTokenIsLiveAsync(string ns, string cluster, string when)
    {
        var secret = await _ground.ReadAsync(ns, cluster);
        Assert.True(await _ground.HolderAsync(ns, TokenOf(secret, cluster)) is not null, $"{when}: the primary holds a token whose token secret was deleted");
    }

    /// <summary>MeshCluster's token secrets for the cluster that no remote secret of the primary holds.</summary>
    private async Task<IReadOnlyList<string>> OrphansAsync(string ns, string cluster)
    {
        var held = TokenOf(await _ground.ReadAsync(ns, cluster), cluster);
        return (await _ground.TokenSecretsAsync(ns)).Values
            .Where(s => Value(s.Metadata.Labels, "app.kubernetes.io/managed-by") == "meshcluster" &&
                        Value(s.Metadata.Annotations, "meshcluster.io/cluster-name") == cluster &&
                        System.Text.Encoding.UTF8.GetString(s.Data["token"]) != held)
            .Select(s => s.Metadata.Name)
            .ToList();
    }

    private static async Task<(PowerShellResult, PowerShellResult)> AtOnceAsync(PowerShellSession a, string scriptA, PowerShellSession b, string scriptB, params object?[] args)
    {
        var first = Task.Run(() => a.InvokeAsync(scriptA, null, args));
        var second = Task.Run(() => b.InvokeAsync(scriptB, null, args));
        return (await first, await second);
    }

    [Fact]
    public async Task A_rotation_racing_a_plain_publish_never_leaves_the_primary_with_a_revoked_token()
    {
        var ns = await _ground.NamespaceAsync("race-plain");
        using var one = fixture.NewSession();
        using var two = fixture.NewSession();
        await _ground.PublishAsync(one, ns, "raced");

        for (var round = 1; round <= Rounds; round++)
        {
            var (rotation, plain) = await AtOnceAsync(one, Rotate, two, Plain, "raced", ns);
            rotation.AssertSucceeded();
            plain.AssertSucceeded();
            await AssertPrimaryTokenIsLiveAsync(ns, "raced", $"round {round}");
        }

        // rotate → publish → rotate: the last rotation leaves no MeshCluster token secret that nothing holds.
        one.Invoke(Rotate, "raced", ns).AssertSucceeded();
        await AssertPrimaryTokenIsLiveAsync(ns, "raced", "after the last rotation");
        Assert.Empty(await OrphansAsync(ns, "raced"));
        Assert.True(await TokenWorksAsync(await _ground.ReadAsync(ns, "raced"), "raced"));
    }

    [Fact]
    public async Task Two_rotations_at_once_end_with_a_live_token_and_no_orphan()
    {
        var ns = await _ground.NamespaceAsync("race-rotate");
        using var one = fixture.NewSession();
        using var two = fixture.NewSession();
        await _ground.PublishAsync(one, ns, "twice", "-ForceTokenSecret");

        for (var round = 1; round <= Rounds; round++)
        {
            var (a, b) = await AtOnceAsync(one, Rotate, two, Rotate, "twice", ns);
            a.AssertSucceeded();
            b.AssertSucceeded();
            await AssertPrimaryTokenIsLiveAsync(ns, "twice", $"round {round}");
            Assert.Empty(await OrphansAsync(ns, "twice"));
        }

        var last = Assert.Single(one.Invoke(Rotate, "twice", ns).Output);
        Assert.NotNull(last.Prop("RevocationReason"));
        Assert.True(await TokenWorksAsync(await _ground.ReadAsync(ns, "twice"), "twice"));
    }

    /// <summary>A token secret as another rotation makes it: MeshCluster's, for the cluster, filled by the token controller; unconfirmed while that rotation verifies it.</summary>
    private async Task<string> OtherRotationsTokenSecretAsync(string ns, string cluster, bool unconfirmed)
    {
        var annotations = new Dictionary<string, string>
        {
            ["kubernetes.io/service-account.name"] = Reader,
            ["meshcluster.io/cluster-name"] = cluster,
        };
        if (unconfirmed) annotations["meshcluster.io/unconfirmed"] = "true";
        var made = await _ground.Remote.Admin.CoreV1.CreateNamespacedSecretAsync(new k8s.Models.V1Secret
        {
            Metadata = new k8s.Models.V1ObjectMeta
            {
                GenerateName = $"{Reader}-istio-remote-secret-token-",
                Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "meshcluster" },
                Annotations = annotations,
            },
            Type = "kubernetes.io/service-account-token",
        }, ns, cancellationToken: Ct);
        for (var i = 0; i < 100 && (await _ground.TokenSecretsAsync(ns))[made.Metadata.Name].Data?.ContainsKey("token") != true; i++) await Task.Delay(100, Ct);
        return made.Metadata.Name;
    }

    [Fact]
    public async Task A_rotation_leaves_the_token_secret_a_racing_rotation_is_still_verifying_and_revokes_a_confirmed_orphan()
    {
        var ns = await _ground.NamespaceAsync("race-pending");
        using var session = fixture.NewSession();
        await _ground.PublishAsync(session, ns, "pending", "-ForceTokenSecret");
        var verifying = await OtherRotationsTokenSecretAsync(ns, "pending", unconfirmed: true);
        var orphan = await OtherRotationsTokenSecretAsync(ns, "pending", unconfirmed: false);

        var rotation = session.Invoke(Rotate, "pending", ns);

        rotation.AssertSucceeded();
        var left = await _ground.TokenSecretsAsync(ns);
        Assert.Contains(verifying, left.Keys);
        Assert.DoesNotContain(orphan, left.Keys);
        var own = left[(string)Assert.Single(rotation.Output).Prop("TokenSecretName")!];
        Assert.False(own.Metadata.Annotations.ContainsKey("meshcluster.io/unconfirmed"), "the rotation's own token secret stays unconfirmed after its swap");
        await AssertPrimaryTokenIsLiveAsync(ns, "pending", "after the rotation");
    }

    [Fact]
    public async Task Removing_a_copy_in_another_namespace_keeps_the_token_the_other_copy_holds()
    {
        var ns = await _ground.NamespaceAsync("race-copy");
        var other = await _ground.NamespaceAsync("race-copy-b");
        using var session = fixture.NewSession();
        var original = await _ground.PublishAsync(session, ns, "copied", "-ForceTokenSecret");
        var token = TokenOf(original, "copied");
        await _ground.WriteRemoteSecretAsync(other, "copied", System.Text.Encoding.UTF8.GetString(original.Data["copied"]));

        var result = session.Invoke("Remove-IstioRemoteSecret -Context $C1 -Namespace $args[0] -ClusterName copied -RemoteContext $C2 -RevokeToken -PassThru -WarningAction SilentlyContinue", ns);

        result.AssertSucceeded();
        var removal = Assert.Single(result.Output);
        Assert.False((bool)removal.Prop("TokenRevoked")!);
        Assert.Contains($"{other}/istio-remote-secret-copied", (string)removal.Prop("RevocationReason")!);
        Assert.NotNull(await _ground.HolderAsync(ns, token));
    }

    [Fact]
    public async Task A_removal_racing_a_rotation_says_what_happened_and_revokes_nothing_the_primary_holds()
    {
        var ns = await _ground.NamespaceAsync("race-remove");
        using var one = fixture.NewSession();
        using var two = fixture.NewSession();
        for (var round = 1; round <= 4; round++)
        {
            await _ground.PublishAsync(one, ns, "gone", "-ForceTokenSecret");
            var (rotation, removal) = await AtOnceAsync(one, Rotate, two,
                "Remove-IstioRemoteSecret -Context $C1 -Namespace $args[1] -ClusterName $args[0] -RemoteContext $C2 -RevokeToken -PassThru -WarningAction SilentlyContinue",
                "gone", ns);

            var left = await TryAsync(() => _ground.ReadAsync(ns, "gone"));
            if (left is not null)
            {
                // The rotation came last: its Secret holds a live token, and the removal did not claim a removal that did not stand.
                await AssertPrimaryTokenIsLiveAsync(ns, "gone", $"round {round}");
                Assert.True(removal.Output.Count == 0 || rotation.Errors.Count == 0, $"round {round}: both claim to have won");
            }
            else if (rotation.FirstError is { } error)
            {
                Assert.StartsWith("RemoteSecretRemovedMeanwhile,", error.FullyQualifiedErrorId);
            }

            // Nothing MeshCluster made for the cluster outlives it unheld when the Secret is gone.
            if (left is null)
            {
                var ours = (await _ground.TokenSecretsAsync(ns)).Values.Where(s =>
                    Value(s.Metadata.Labels, "app.kubernetes.io/managed-by") == "meshcluster" &&
                    Value(s.Metadata.Annotations, "meshcluster.io/cluster-name") == "gone").Select(s => s.Metadata.Name);
                Assert.Empty(ours);
            }
        }
    }
}
