using System.Text;
using k8s;
using k8s.Models;
using static MeshCluster.Module.Tests.RemoteSecret.RemoteSecretGround;

namespace MeshCluster.Module.Tests.RemoteSecret;

/// <summary>Publish-IstioRemoteSecret -RotateToken: new token first, primary updated, old token revoked last; interrupted runs converge.</summary>
public sealed class RotateTokenTests(ClustersFixture fixture)
{
    private const string Rotate = "Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -RotateToken -WarningAction SilentlyContinue";
    private readonly RemoteSecretGround _ground = new(fixture);

    [Fact]
    public async Task Rotation_revokes_the_old_token_only_after_the_primary_holds_a_working_new_one()
    {
        var ns = await _ground.NamespaceAsync("d2-rotate");
        using var session = fixture.NewSession();
        var before = await _ground.PublishAsync(session, ns, "spin");
        var oldToken = TokenOf(before, "spin");
        var oldHolder = (await _ground.HolderAsync(ns, oldToken))!;
        Assert.True(await TokenWorksAsync(before, "spin"));

        var result = session.Invoke("$DebugPreference = 'Continue'; " + Rotate + " -Verbose", "spin", ns);
        result.AssertSucceeded();
        var o = Assert.Single(result.Output);
        Assert.Equal("Updated", o.Prop("Action"));
        Assert.Equal(oldHolder.Metadata.Name, o.Prop("PreviousTokenSecretName"));
        Assert.True((bool)o.Prop("Revoked")!);
        var newName = (string)o.Prop("TokenSecretName")!;
        Assert.StartsWith($"{Reader}-istio-remote-secret-token-", newName);

        var after = await _ground.ReadAsync(ns, "spin");
        var newToken = TokenOf(after, "spin");
        Assert.NotEqual(oldToken, newToken);
        Assert.Equal(before.Metadata.Uid, after.Metadata.Uid); // updated in place
        Assert.True(await TokenRejectedSoonAsync(before, "spin"), "the old token still works");
        Assert.True(await TokenWorksAsync(after, "spin"), "the new token does not list pods");

        // The new token secret is marked as MeshCluster's, for Remove-IstioRemoteSecret -RevokeToken.
        var newSecret = await _ground.Remote.Admin.CoreV1.ReadNamespacedSecretAsync(newName, ns, cancellationToken: Ct);
        Assert.Equal("meshcluster", newSecret.Metadata.Labels["app.kubernetes.io/managed-by"]);
        Assert.Equal(newToken, Encoding.UTF8.GetString(newSecret.Data["token"]));
        Assert.Null(await TryAsync(() => _ground.Remote.Admin.CoreV1.ReadNamespacedSecretAsync(oldHolder.Metadata.Name, ns, cancellationToken: Ct)));
        // The service account stays.
        await _ground.Remote.Admin.CoreV1.ReadNamespacedServiceAccountAsync(Reader, ns, cancellationToken: Ct);

        // The verbose stream tells the order: verified, applied, then the old one deleted.
        var verbose = string.Join("\n", result.Verbose);
        Assert.True(verbose.IndexOf("Checking the new kubeconfig", StringComparison.Ordinal) < verbose.IndexOf("Updating Secret", StringComparison.Ordinal));
        Assert.True(verbose.IndexOf("Updating Secret", StringComparison.Ordinal) < verbose.IndexOf("Deleting token secret", StringComparison.Ordinal));
        result.AssertNoSecret(new[] { oldToken, newToken });

        // A second rotation replaces MeshCluster's own token secret the same way.
        var again = session.Invoke(Rotate, "spin", ns);
        again.AssertSucceeded();
        var second = Assert.Single(again.Output);
        Assert.Equal((newName, true), ((string)second.Prop("PreviousTokenSecretName")!, (bool)second.Prop("Revoked")!));
        Assert.True(await TokenRejectedSoonAsync(after, "spin"));
        Assert.True(await TokenWorksAsync(await _ground.ReadAsync(ns, "spin"), "spin"));

        var health = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0] -Quiet", ns);
        Assert.True((bool)Assert.Single(health.Output).BaseObject);
    }

    [Fact]
    public async Task A_rotation_that_fails_after_making_the_new_token_leaves_the_primary_working_and_the_rerun_reuses_that_token()
    {
        var ns = await _ground.NamespaceAsync("d2-interrupt");
        using var session = fixture.NewSession();
        var before = await _ground.PublishAsync(session, ns, "halt");
        var oldToken = TokenOf(before, "halt");
        var oldHolder = (await _ground.HolderAsync(ns, oldToken))!.Metadata.Name;

        // Without its binding the new token fails verification: the run stops after making it, before the update.
        var binding = await _ground.Remote.Admin.RbacAuthorizationV1.ReadClusterRoleBindingAsync($"istio-reader-clusterrole-{ns}", cancellationToken: Ct);
        await _ground.Remote.Admin.RbacAuthorizationV1.DeleteClusterRoleBindingAsync(binding.Metadata.Name, cancellationToken: Ct);
        var failed = session.Invoke(Rotate, "halt", ns);
        Assert.Empty(failed.Output);
        Assert.StartsWith("RemoteSecretUnusable,", Assert.Single(failed.Errors).FullyQualifiedErrorId);
        var unchanged = await _ground.ReadAsync(ns, "halt");
        Assert.Equal(before.Metadata.ResourceVersion, unchanged.Metadata.ResourceVersion); // the primary still holds the old token
        Assert.True(await TokenWorksAsync(unchanged, "halt"));
        var pending = await OursAsync(ns);
        var pendingName = Assert.Single(pending).Metadata.Name;

        await _ground.Remote.Admin.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = binding.Metadata.Name },
            RoleRef = binding.RoleRef,
            Subjects = binding.Subjects,
        }, cancellationToken: Ct);

        var rerun = session.Invoke(Rotate + " -Verbose", "halt", ns);
        rerun.AssertSucceeded();
        var o = Assert.Single(rerun.Output);
        Assert.Equal(("Updated", pendingName, oldHolder, true),
            ((string)o.Prop("Action")!, (string)o.Prop("TokenSecretName")!, (string)o.Prop("PreviousTokenSecretName")!, (bool)o.Prop("Revoked")!));
        Assert.Contains(rerun.Verbose, v => v.Contains($"Reusing token secret {ns}/{pendingName}", StringComparison.Ordinal));
        Assert.Equal(pendingName, Assert.Single(await OursAsync(ns)).Metadata.Name); // no orphan
        Assert.True(await TokenRejectedSoonAsync(before, "halt"));
        Assert.True(await TokenWorksAsync(await _ground.ReadAsync(ns, "halt"), "halt"));
    }

    [Fact]
    public async Task A_rotation_stopped_at_any_moment_converges_on_the_rerun()
    {
        var ns = await _ground.NamespaceAsync("d2-ctrlc");
        using var session = fixture.NewSession();
        var before = await _ground.PublishAsync(session, ns, "stop");
        var tokens = new List<string> { TokenOf(before, "stop") };

        // Ctrl+C at growing delays: wherever it lands (before the token, while waiting for it, after the update), the re-run must converge.
        // A whole rotation takes about 100 ms here; the delays spread over it.
        foreach (var delay in new[] { 10, 25, 40, 55, 70, 85, 100, 130 })
        {
            var stopped = await session.InvokeAsync(Rotate, TimeSpan.FromMilliseconds(delay), "stop", ns);
            var held = await _ground.ReadAsync(ns, "stop");
            var pending = (await OursAsync(ns)).Count(s => Encoding.UTF8.GetString(s.Data?["token"] ?? Array.Empty<byte>()) != TokenOf(held, "stop"));
            Out($"Ctrl+C after {delay} ms: {(stopped.Stopped is null ? "had finished" : "stopped")}, {pending} token secret(s) of MeshCluster not in use");
            Assert.True(await TokenWorksAsync(held, "stop"), $"after Ctrl+C at {delay} ms the primary holds a token that does not work");

            var rerun = session.Invoke(Rotate, "stop", ns);
            rerun.AssertSucceeded();
            var now = await _ground.ReadAsync(ns, "stop");
            var current = TokenOf(now, "stop");
            Assert.True(await TokenWorksAsync(now, "stop"));
            tokens.Add(TokenOf(held, "stop"));
            // Converged: MeshCluster's token secrets of this account are exactly the one in use, and every earlier token is dead.
            Assert.Equal(current, Encoding.UTF8.GetString(Assert.Single(await OursAsync(ns)).Data["token"]));
            foreach (var old in tokens.Where(t => t != current).Distinct())
            {
                Assert.Null(await _ground.HolderAsync(ns, old));
            }

            tokens.Add(current);
        }
    }

    [Fact]
    public async Task A_token_another_remote_secret_still_uses_is_not_revoked_and_a_warning_says_why()
    {
        var ns = await _ground.NamespaceAsync("d2-shared");
        using var session = fixture.NewSession();
        var first = await _ground.PublishAsync(session, ns, "one");
        var oldToken = TokenOf(first, "one");
        // The same remote registered a second time by hand, with the same token.
        await _ground.WriteRemoteSecretAsync(ns, "two", Encoding.UTF8.GetString(first.Data["one"]).Replace("one", "two", StringComparison.Ordinal));
        var holder = (await _ground.HolderAsync(ns, oldToken))!;

        var result = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name one -PrimaryContext $C1 -Namespace $args[0] -RotateToken", ns);
        result.AssertSucceeded();
        var o = Assert.Single(result.Output);
        Assert.Equal((holder.Metadata.Name, false), ((string)o.Prop("PreviousTokenSecretName")!, (bool)o.Prop("Revoked")!));
        Assert.Contains(result.Warnings, w => w.Contains("istio-remote-secret-two", StringComparison.Ordinal) && w.Contains("still use", StringComparison.Ordinal));
        Assert.NotNull(await _ground.HolderAsync(ns, oldToken));
        Assert.True(await TokenWorksAsync(await _ground.ReadAsync(ns, "two"), "two"));
    }

    [Fact]
    public void RotateToken_cannot_write_a_file()
    {
        using var session = fixture.NewSession();
        var result = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name nofile -OutFile ./x.yaml -RotateToken");
        Assert.Empty(result.Output);
        Assert.StartsWith("AmbiguousParameterSet,", result.FirstError?.FullyQualifiedErrorId);
        Assert.False(File.Exists("x.yaml"));
    }

    private async Task<IList<V1Secret>> OursAsync(string ns) =>
        (await _ground.Remote.Admin.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: "app.kubernetes.io/managed-by=meshcluster", cancellationToken: Ct)).Items;
}
