using System.Management.Automation;
using k8s;
using static MeshCluster.Module.Tests.RemoteSecret.RemoteSecretGround;

namespace MeshCluster.Module.Tests.RemoteSecret;

/// <summary>Remove-IstioRemoteSecret: the remote secret leaves the primary; with -RevokeToken MeshCluster's own token secret goes too, nothing else.</summary>
public sealed class RemoveRemoteSecretTests(ClustersFixture fixture)
{
    private readonly RemoteSecretGround _ground = new(fixture);

    [Fact]
    public async Task Removes_the_remote_secret_but_not_the_token_and_a_missing_name_does_not_stop_the_others()
    {
        var ns = await _ground.NamespaceAsync("d2-rm");
        using var session = fixture.NewSession();
        var a = await _ground.PublishAsync(session, ns, "alpha");
        var b = await _ground.PublishAsync(session, ns, "beta");

        var whatIf = session.Invoke("Remove-IstioRemoteSecret -Context $C1 -Namespace $args[0] -ClusterName alpha -WhatIf", ns);
        whatIf.AssertSucceeded();
        Assert.NotNull(await _ground.ReadAsync(ns, "alpha"));

        var result = session.Invoke("Remove-IstioRemoteSecret -Context $C1 -Namespace $args[0] -ClusterName alpha, nowhere, beta -PassThru -Verbose", ns);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("RemoteSecretNotFound,MeshCluster.Commands.RemoveIstioRemoteSecretCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("nowhere", error.TargetObject);
        Assert.Equal(new[] { "alpha", "beta" }, result.Output.Select(o => (string)o.Prop("ClusterName")!));
        Assert.All(result.Output, o => Assert.Equal("MeshCluster.IstioRemoteSecretRemoval", o.TypeNames[0]));
        Assert.All(result.Output, o => Assert.False((bool)o.Prop("TokenRevoked")!));

        var left = await _ground.Primary.Admin.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: "istio/multiCluster=true", cancellationToken: Ct);
        Assert.Empty(left.Items);
        // Without -RevokeToken the token still works (and its token secret is there).
        Assert.True(await TokenWorksAsync(a, "alpha"));
        Assert.NotNull(await _ground.HolderAsync(ns, TokenOf(b, "beta")));
        result.AssertNoSecret(new[] { TokenOf(a, "alpha") });

        // Without -PassThru nothing is returned.
        await _ground.PublishAsync(session, ns, "gamma");
        var quiet = session.Invoke("Remove-IstioRemoteSecret -Context $C1 -Namespace $args[0] -ClusterName gamma", ns);
        quiet.AssertSucceeded();
        Assert.Empty(quiet.Output);
    }

    [Fact]
    public async Task RevokeToken_deletes_the_token_secret_MeshCluster_made_and_nothing_else()
    {
        var ns = await _ground.NamespaceAsync("d2-revoke");
        using var session = fixture.NewSession();
        await _ground.PublishAsync(session, ns, "gone", "-ForceTokenSecret");
        var secret = await _ground.ReadAsync(ns, "gone");
        var token = TokenOf(secret, "gone");
        var holder = (await _ground.HolderAsync(ns, token))!;
        Assert.Equal("meshcluster", holder.Metadata.Labels["app.kubernetes.io/managed-by"]);
        var before = await _ground.TokenSecretsAsync(ns);

        var result = session.Invoke("$DebugPreference = 'Continue'; Get-IstioRemoteSecret -Context $C1 -Namespace $args[0] | Remove-IstioRemoteSecret -RemoteContext $C2 -RevokeToken -PassThru -Verbose", ns);
        result.AssertSucceeded();
        var o = Assert.Single(result.Output);
        Assert.Equal((holder.Metadata.Name, true, "cluster2"), ((string)o.Prop("TokenSecretName")!, (bool)o.Prop("TokenRevoked")!, (string)o.Prop("RemoteContext")!));
        Assert.Null(await TryAsync(() => _ground.ReadAsync(ns, "gone")));
        Assert.True(await TokenRejectedSoonAsync(secret, "gone"));
        // Only that token secret went; the service account and the secrets Kubernetes made stay.
        var after = await _ground.TokenSecretsAsync(ns);
        Assert.Equal(before.Keys.Where(k => k != holder.Metadata.Name).Order(), after.Keys.Where(before.ContainsKey).Order());
        await _ground.Remote.Admin.CoreV1.ReadNamespacedServiceAccountAsync(Reader, ns, cancellationToken: Ct);
        result.AssertNoSecret(new[] { token });
    }

    [Fact]
    public async Task RevokeToken_leaves_a_token_secret_it_did_not_create_or_of_another_cluster_with_a_warning()
    {
        var ns = await _ground.NamespaceAsync("d2-foreign");
        using var session = fixture.NewSession();
        // Kubernetes 1.20 made this account's token secret: not MeshCluster's to delete.
        var listed = await _ground.PublishAsync(session, ns, "listed");
        var listedHolder = (await _ground.HolderAsync(ns, TokenOf(listed, "listed")))!;
        var own = await _ground.PublishAsync(session, ns, "own", "-ServiceAccount other-reader -ForceTokenSecret");
        var ownHolder = (await _ground.HolderAsync(ns, TokenOf(own, "own")))!;

        var result = session.Invoke("Remove-IstioRemoteSecret -Context $C1 -Namespace $args[0] -ClusterName listed -RemoteContext $C2 -RevokeToken -PassThru", ns);
        result.AssertSucceeded();
        Assert.False((bool)Assert.Single(result.Output).Prop("TokenRevoked")!);
        Assert.Contains(result.Warnings, w => w.Contains(listedHolder.Metadata.Name, StringComparison.Ordinal) && w.Contains("not created by MeshCluster", StringComparison.Ordinal));
        Assert.True(await TokenWorksAsync(listed, "listed"));

        // The wrong -RemoteContext (the primary itself): no token secret there holds the token, nothing is deleted there.
        var primaryBefore = await _ground.Primary.Admin.CoreV1.ListNamespacedSecretAsync(ns, cancellationToken: Ct);
        var wrong = session.Invoke("Remove-IstioRemoteSecret -Context $C1 -Namespace $args[0] -ClusterName own -RemoteContext $C1 -RevokeToken -PassThru", ns);
        wrong.AssertSucceeded();
        Assert.False((bool)Assert.Single(wrong.Output).Prop("TokenRevoked")!);
        Assert.Contains(wrong.Warnings, w => w.Contains("No token secret", StringComparison.Ordinal));
        var primaryAfter = await _ground.Primary.Admin.CoreV1.ListNamespacedSecretAsync(ns, cancellationToken: Ct);
        Assert.Equal(primaryBefore.Items.Count - 1, primaryAfter.Items.Count); // just the remote secret
        Assert.NotNull(await TryAsync(() => _ground.Remote.Admin.CoreV1.ReadNamespacedSecretAsync(ownHolder.Metadata.Name, ns, cancellationToken: Ct)));
    }

    [Fact]
    public async Task A_secret_holding_several_clusters_is_not_removed()
    {
        var ns = await _ground.NamespaceAsync("d2-multi");
        using var session = fixture.NewSession();
        var config = KubeConfig("m", _ground.Remote.Server, null, "some-token-value");
        await _ground.WriteRemoteSecretAsync(ns, "multi", config, moreData: new Dictionary<string, string> { ["multi-b"] = config });

        var result = session.Invoke("Remove-IstioRemoteSecret -Context $C1 -Namespace $args[0] -ClusterName multi", ns);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("RemoteSecretSharedByClusters,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.NotNull(await _ground.ReadAsync(ns, "multi"));
    }
}
