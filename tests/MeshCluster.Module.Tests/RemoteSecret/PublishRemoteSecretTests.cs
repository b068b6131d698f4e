using System.Diagnostics;
using System.Management.Automation;
using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.KubeConfigModels;
using k8s.Models;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests.RemoteSecret;

/// <summary>
/// Publish-IstioRemoteSecret against the real 1.20 API servers: cluster2 is the remote (its reader
/// token is published), cluster1 the primary (it receives the Secret). Each test uses its own namespace.
/// </summary>
public sealed class PublishRemoteSecretTests(ClustersFixture fixture)
{
    private const string Reader = "istio-reader-service-account";
    private readonly TestCluster _primary = fixture.Clusters.Cluster1;
    private readonly TestCluster _remote = fixture.Clusters.Cluster2;
    private static void Out(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    [Fact]
    public async Task Publishes_a_working_remote_secret_then_reports_unchanged_then_updates_in_place()
    {
        var ns = fixture.UniqueName("rs-main");
        var name = fixture.UniqueName("east");
        await _primary.EnsureNamespaceAsync(ns, Ct);
        var bystander = await CreateOtherRemoteSecretAsync(ns);
        using var session = fixture.NewSession();

        var watch = Stopwatch.StartNew();
        var first = session.Invoke("$DebugPreference = 'Continue'; Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -CreateServiceAccount -Verbose", name, ns);
        Out($"First run (creates SA, waits for its token, verifies, applies): {watch.ElapsedMilliseconds} ms");
        first.AssertSucceeded();
        var created = Published.From(first);
        Assert.Equal("Created", created.Action);
        Assert.Equal($"istio-remote-secret-{name}", created.SecretName);
        Assert.Equal((ns, name, _remote.Server, "cluster2", "cluster1", Reader), (created.Namespace, created.ClusterName, created.Server, created.RemoteContext, created.PrimaryContext, created.ServiceAccount));
        Assert.Contains(first.Warnings, w => w.Contains("loopback", StringComparison.Ordinal) && w.Contains("-Server", StringComparison.Ordinal));
        Assert.NotEmpty(first.Progress);
        Assert.NotEmpty(first.Debug);

        // The service account and its reader role exist in the remote.
        await _remote.Admin.CoreV1.ReadNamespacedServiceAccountAsync(Reader, ns, cancellationToken: Ct);
        var binding = await _remote.Admin.RbacAuthorizationV1.ReadClusterRoleBindingAsync($"istio-reader-clusterrole-{ns}", cancellationToken: Ct);
        Assert.Contains(binding.Subjects, s => s.Kind == "ServiceAccount" && s.Name == Reader && s.NamespaceProperty == ns);

        // Shape of the Secret istiod selects.
        var secret = await _primary.Admin.CoreV1.ReadNamespacedSecretAsync(created.SecretName, ns, cancellationToken: Ct);
        Assert.Equal("true", secret.Metadata.Labels["istio/multiCluster"]);
        Assert.Equal(name, secret.Metadata.Annotations["networking.istio.io/cluster"]);
        Assert.Equal(name, Assert.Single(secret.Data).Key);
        Assert.Equal(secret.Metadata.ResourceVersion, created.ResourceVersion);

        var (tokenSecret, token, ca) = await ListedTokenAsync(ns, Reader);
        Assert.Equal(tokenSecret, created.TokenSecretName);
        var config = Decode(secret, name);
        Assert.Equal(name, config.CurrentContext);
        var cluster = Assert.Single(config.Clusters);
        var user = Assert.Single(config.Users);
        var context = Assert.Single(config.Contexts);
        Assert.Equal((name, name, name, name), (cluster.Name, user.Name, context.Name, context.ContextDetails.Cluster));
        Assert.Equal(name, context.ContextDetails.User);
        Assert.Equal(_remote.Server, cluster.ClusterEndpoint.Server);
        Assert.Equal(Convert.ToBase64String(ca), cluster.ClusterEndpoint.CertificateAuthorityData);
        Assert.Equal(token, user.UserCredentials.Token);
        Assert.Null(user.UserCredentials.ExternalExecution);
        Assert.Null(user.UserCredentials.ClientCertificateData);
        Assert.Null(user.UserCredentials.ClientKeyData);
        Assert.Null(user.UserCredentials.AuthProvider);

        // istiod's view: the decoded kubeconfig lists pods in cluster2 (and it is cluster2).
        using (var asIstiod = ClientFrom(secret, name))
        {
            await asIstiod.CoreV1.ListPodForAllNamespacesAsync(limit: 1, cancellationToken: Ct);
            var seen = await asIstiod.CoreV1.ListNamespaceAsync(cancellationToken: Ct);
            Assert.Contains(seen.Items, n => n.Metadata.Name == ns);
        }

        // The token is in no stream, not in the output object.
        first.AssertNoSecret(new[] { token });
        Assert.DoesNotContain(token, string.Join("|", first.Output[0].Properties.Select(p => p.Value?.ToString())));

        // Second run: nothing sent, same resourceVersion.
        watch.Restart();
        var second = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -CreateServiceAccount", name, ns);
        Out($"Second run (unchanged): {watch.ElapsedMilliseconds} ms");
        second.AssertSucceeded();
        var unchanged = Published.From(second);
        Assert.Equal("Unchanged", unchanged.Action);
        Assert.Equal(created.ResourceVersion, unchanged.ResourceVersion);
        var again = await _primary.Admin.CoreV1.ReadNamespacedSecretAsync(created.SecretName, ns, cancellationToken: Ct);
        Assert.Equal(secret.Metadata.ResourceVersion, again.Metadata.ResourceVersion);

        // Another server name (the same API server through "localhost", which its certificate names): updated in place.
        var localhost = _remote.Server.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        watch.Restart();
        var third = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -Server $args[2]", name, ns, localhost);
        Out($"Third run (-Server changed, updated): {watch.ElapsedMilliseconds} ms");
        third.AssertSucceeded();
        var updated = Published.From(third);
        Assert.Equal("Updated", updated.Action);
        Assert.Equal(localhost, updated.Server);
        var afterUpdate = await _primary.Admin.CoreV1.ReadNamespacedSecretAsync(created.SecretName, ns, cancellationToken: Ct);
        Assert.Equal(secret.Metadata.Uid, afterUpdate.Metadata.Uid);
        Assert.NotEqual(secret.Metadata.ResourceVersion, afterUpdate.Metadata.ResourceVersion);
        Assert.Equal(afterUpdate.Metadata.ResourceVersion, updated.ResourceVersion);
        Assert.Equal(localhost, Assert.Single(Decode(afterUpdate, name).Clusters).ClusterEndpoint.Server);
        Assert.Contains(afterUpdate.Metadata.ManagedFields, f => f.Manager == "meshcluster" && f.Operation == "Apply");

        // Another remote secret in the namespace is never touched.
        var bystanderAfter = await _primary.Admin.CoreV1.ReadNamespacedSecretAsync(bystander.Metadata.Name, ns, cancellationToken: Ct);
        Assert.Equal(bystander.Metadata.ResourceVersion, bystanderAfter.Metadata.ResourceVersion);
        var remoteSecrets = await _primary.Admin.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: "istio/multiCluster=true", cancellationToken: Ct);
        Assert.Equal(2, remoteSecrets.Items.Count);
    }

    [Fact]
    public async Task Forced_token_secret_path_creates_and_then_reuses_its_own_token_secret()
    {
        var ns = fixture.UniqueName("rs-124");
        var name = fixture.UniqueName("west");
        await _primary.EnsureNamespaceAsync(ns, Ct);
        using var session = fixture.NewSession();

        var watch = Stopwatch.StartNew();
        var result = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -CreateServiceAccount -ForceTokenSecret -Verbose", name, ns);
        Out($"Forced token-secret path (creates the secret, waits for the token controller): {watch.ElapsedMilliseconds} ms");
        result.AssertSucceeded();
        var published = Published.From(result);
        var own = $"{Reader}-istio-remote-secret-token";
        Assert.Equal(own, published.TokenSecretName);

        var tokenSecret = await _remote.Admin.CoreV1.ReadNamespacedSecretAsync(own, ns, cancellationToken: Ct);
        Assert.Equal("kubernetes.io/service-account-token", tokenSecret.Type);
        Assert.Equal(Reader, tokenSecret.Metadata.Annotations["kubernetes.io/service-account.name"]);
        var token = Encoding.UTF8.GetString(tokenSecret.Data["token"]);
        var (listed, listedToken, _) = await ListedTokenAsync(ns, Reader);
        Assert.NotEqual(own, listed);
        Assert.NotEqual(listedToken, token);

        var secret = await _primary.Admin.CoreV1.ReadNamespacedSecretAsync(published.SecretName, ns, cancellationToken: Ct);
        Assert.Equal(token, Assert.Single(Decode(secret, name).Users).UserCredentials.Token);
        Assert.Equal(Convert.ToBase64String(tokenSecret.Data["ca.crt"]), Assert.Single(Decode(secret, name).Clusters).ClusterEndpoint.CertificateAuthorityData);
        result.AssertNoSecret(new[] { token });

        var again = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -ForceTokenSecret", name, ns);
        again.AssertSucceeded();
        Assert.Equal("Unchanged", Published.From(again).Action);
        var tokenSecretAfter = await _remote.Admin.CoreV1.ReadNamespacedSecretAsync(own, ns, cancellationToken: Ct);
        Assert.Equal(tokenSecret.Metadata.Uid, tokenSecretAfter.Metadata.Uid);
    }

    [Fact]
    public async Task A_missing_service_account_without_CreateServiceAccount_is_ServiceAccountNotFound_and_nothing_is_written()
    {
        var ns = fixture.UniqueName("rs-nosa");
        var name = fixture.UniqueName("south");
        await _primary.EnsureNamespaceAsync(ns, Ct);
        await _remote.EnsureNamespaceAsync(ns, Ct);
        using var session = fixture.NewSession();

        var result = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1]", name, ns);
        Out(result.AllErrorText());
        Assert.Empty(result.Output);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("ServiceAccountNotFound,MeshCluster.Commands.PublishIstioRemoteSecretCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal($"{ns}/{Reader}", error.TargetObject);
        Assert.Contains("-CreateServiceAccount", error.ErrorDetails?.RecommendedAction);

        await AssertNoRemoteSecretAsync(ns, name);
        Assert.Null(await TryAsync(() => _remote.Admin.CoreV1.ReadNamespacedServiceAccountAsync(Reader, ns, cancellationToken: Ct)));
    }

    [Theory]
    [InlineData("Cluster2")]
    [InlineData("cluster_2")]
    [InlineData("-east")]
    public async Task An_invalid_cluster_name_is_ClusterNameInvalid_and_nothing_is_written(string name)
    {
        var ns = fixture.UniqueName("rs-badname");
        await _primary.EnsureNamespaceAsync(ns, Ct);
        using var session = fixture.NewSession();

        var result = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -CreateServiceAccount", name, ns);
        Out(result.AllErrorText());
        Assert.Empty(result.Output);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("ClusterNameInvalid,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(name, error.TargetObject);

        var secrets = await _primary.Admin.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: "istio/multiCluster", cancellationToken: Ct);
        Assert.Empty(secrets.Items);
        // Not even the service account's namespace was created in the remote.
        Assert.Null(await TryAsync(() => _remote.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct)));
    }

    [Fact]
    public async Task A_service_account_without_the_reader_role_is_RemoteSecretUnusable_unless_SkipVerify()
    {
        var ns = fixture.UniqueName("rs-norbac");
        var name = fixture.UniqueName("north");
        var account = "no-role";
        await _primary.EnsureNamespaceAsync(ns, Ct);
        await _remote.EnsureNamespaceAsync(ns, Ct);
        await _remote.Admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = account } }, ns, cancellationToken: Ct);
        using var session = fixture.NewSession();

        var result = session.Invoke("$DebugPreference = 'Continue'; Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -ServiceAccount $args[2] -Verbose", name, ns, account);
        Out(result.AllErrorText());
        Assert.Empty(result.Output);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("RemoteSecretUnusable,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.Equal(name, error.TargetObject);
        Assert.Contains("403", error.Exception.Message);
        Assert.Contains("-SkipVerify", error.ErrorDetails?.RecommendedAction);
        await AssertNoRemoteSecretAsync(ns, name);
        var (_, token, _) = await ListedTokenAsync(ns, account);
        result.AssertNoSecret(new[] { token });

        var skipped = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -ServiceAccount $args[2] -SkipVerify", name, ns, account);
        skipped.AssertSucceeded();
        Assert.Equal("Created", Published.From(skipped).Action);
        var secret = await _primary.Admin.CoreV1.ReadNamespacedSecretAsync($"istio-remote-secret-{name}", ns, cancellationToken: Ct);
        Assert.Equal(token, Assert.Single(Decode(secret, name).Users).UserCredentials.Token);
    }

    [Fact]
    public async Task A_TlsServerName_the_server_certificate_does_not_carry_is_refused_and_nothing_is_written()
    {
        var ns = fixture.UniqueName("rs-tlsname");
        var name = fixture.UniqueName("tls");
        await _primary.EnsureNamespaceAsync(ns, Ct);
        using var session = fixture.NewSession();

        // The check of the new kubeconfig verifies the name as istiod would: nope.invalid is not in the certificate.
        var refused = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -CreateServiceAccount -TlsServerName nope.invalid", name, ns);
        Out(refused.AllErrorText());
        Assert.Empty(refused.Output);
        var error = Assert.Single(refused.Errors);
        Assert.StartsWith("RemoteSecretUnusable,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Contains("not nope.invalid", error.Exception.Message);
        await AssertNoRemoteSecretAsync(ns, name);

        // kubernetes.default.svc is one of the serving certificate's names.
        var accepted = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -TlsServerName kubernetes.default.svc", name, ns);
        accepted.AssertSucceeded();
        var secret = await _primary.Admin.CoreV1.ReadNamespacedSecretAsync($"istio-remote-secret-{name}", ns, cancellationToken: Ct);
        Assert.Equal("kubernetes.default.svc", Assert.Single(Decode(secret, name).Clusters).ClusterEndpoint.TlsServerName);
    }

    [Fact]
    public async Task Several_listed_secrets_are_ServiceAccountTokenSecretAmbiguous()
    {
        var ns = fixture.UniqueName("rs-two");
        var name = fixture.UniqueName("twin");
        await _primary.EnsureNamespaceAsync(ns, Ct);
        await _remote.EnsureNamespaceAsync(ns, Ct);
        await _remote.Admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = Reader } }, ns, cancellationToken: Ct);
        await ListedTokenAsync(ns, Reader); // the controller has listed its token secret
        var sa = await _remote.Admin.CoreV1.ReadNamespacedServiceAccountAsync(Reader, ns, cancellationToken: Ct);
        sa.Secrets.Add(new V1ObjectReference { Name = "second-secret" });
        await _remote.Admin.CoreV1.ReplaceNamespacedServiceAccountAsync(sa, Reader, ns, cancellationToken: Ct);
        using var session = fixture.NewSession();

        var result = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1]", name, ns);
        Out(result.AllErrorText());
        Assert.Empty(result.Output);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("ServiceAccountTokenSecretAmbiguous,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Equal($"{ns}/{Reader}", error.TargetObject);
        await AssertNoRemoteSecretAsync(ns, name);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix file modes; Windows gets an ACL test of its own
    public async Task OutFile_writes_owner_only_yaml_relative_to_the_location_and_applies_nothing()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");
        var ns = fixture.UniqueName("rs-file");
        var name = fixture.UniqueName("gitops");
        await _primary.EnsureNamespaceAsync(ns, Ct);
        var dir = Directory.CreateTempSubdirectory("meshcluster-rs-").FullName;
        try
        {
            using var session = fixture.NewSession();
            session.Invoke("$ExecutionContext.SessionState.Path.SetLocation($args[0]) | Out-Null", dir);
            var result = session.Invoke("$ExecutionContext.SessionState.Path.SetLocation($args[2]) > $null; Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -CreateServiceAccount -OutFile ./remote.yaml", name, ns, dir);
            result.AssertSucceeded();
            var written = Published.From(result);
            var path = Path.Combine(dir, "remote.yaml");
            Assert.Equal("WrittenToFile", written.Action);
            Assert.Equal(path, written.Path);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

            var yaml = await File.ReadAllTextAsync(path, Ct);
            var secret = KubernetesYaml.Deserialize<V1Secret>(yaml);
            Assert.Equal(("v1", "Secret"), (secret.ApiVersion, secret.Kind));
            Assert.Equal(($"istio-remote-secret-{name}", ns), (secret.Metadata.Name, secret.Metadata.NamespaceProperty));
            Assert.Equal("true", secret.Metadata.Labels["istio/multiCluster"]);
            Assert.Equal(name, secret.Metadata.Annotations["networking.istio.io/cluster"]);
            Assert.Null(secret.Data);
            var kubeConfig = KubernetesYaml.Deserialize<K8SConfiguration>(Assert.Single(secret.StringData).Value);
            var (_, token, _) = await ListedTokenAsync(ns, Reader);
            Assert.Equal(token, Assert.Single(kubeConfig.Users).UserCredentials.Token);
            result.AssertNoSecret(new[] { token });

            await AssertNoRemoteSecretAsync(ns, name);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task WhatIf_writes_nothing_and_shows_no_token()
    {
        var ns = fixture.UniqueName("rs-whatif");
        var name = fixture.UniqueName("maybe");
        await _primary.EnsureNamespaceAsync(ns, Ct);
        using var session = fixture.NewSession();

        var result = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -CreateServiceAccount -WhatIf -Verbose", name, ns);
        result.AssertSucceeded();
        Assert.Empty(result.Output);
        await AssertNoRemoteSecretAsync(ns, name);
        // No change in the remote either: the service account is not created under -WhatIf.
        Assert.Null(await TryAsync(() => _remote.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct)));

        // With an existing account (whose token exists) -WhatIf still writes nothing and reads no token.
        await _remote.EnsureNamespaceAsync(ns, Ct);
        await _remote.Admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = Reader } }, ns, cancellationToken: Ct);
        var (_, token, _) = await ListedTokenAsync(ns, Reader);
        var again = session.Invoke("$DebugPreference = 'Continue'; Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -WhatIf -Verbose", name, ns);
        again.AssertSucceeded();
        Assert.Empty(again.Output);
        again.AssertNoSecret(new[] { token });
        await AssertNoRemoteSecretAsync(ns, name);
    }

    [Fact]
    public async Task Takes_Context_and_ClusterName_from_the_pipeline()
    {
        var ns = fixture.UniqueName("rs-pipe");
        var name = fixture.UniqueName("piped");
        await _primary.EnsureNamespaceAsync(ns, Ct);
        using var session = fixture.NewSession();

        var result = session.Invoke("[pscustomobject]@{ Context = $C2; ClusterName = $args[0] } | Publish-IstioRemoteSecret -PrimaryContext $C1 -Namespace $args[1] -CreateServiceAccount", name, ns);
        result.AssertSucceeded();
        var published = Published.From(result);
        Assert.Equal((name, "cluster2", "cluster1", "Created"), (published.ClusterName, published.RemoteContext, published.PrimaryContext, published.Action));
        var secret = await _primary.Admin.CoreV1.ReadNamespacedSecretAsync($"istio-remote-secret-{name}", ns, cancellationToken: Ct);
        Assert.Equal(_remote.Server, Assert.Single(Decode(secret, name).Clusters).ClusterEndpoint.Server);
    }

    [Fact]
    public async Task A_foreign_secret_under_the_token_secret_name_is_ServiceAccountTokenSecretConflict()
    {
        var ns = fixture.UniqueName("rs-foreign");
        var name = fixture.UniqueName("foreign");
        await _primary.EnsureNamespaceAsync(ns, Ct);
        await _remote.EnsureNamespaceAsync(ns, Ct);
        await _remote.Admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = Reader } }, ns, cancellationToken: Ct);
        var foreign = await _remote.Admin.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = $"{Reader}-istio-remote-secret-token" },
            StringData = new Dictionary<string, string> { ["note"] = "someone else's" },
        }, ns, cancellationToken: Ct);
        using var session = fixture.NewSession();

        var result = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -ForceTokenSecret", name, ns);
        Out(result.AllErrorText());
        Assert.Empty(result.Output);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("ServiceAccountTokenSecretConflict,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Assert.Equal($"{ns}/{Reader}-istio-remote-secret-token", error.TargetObject);
        await AssertNoRemoteSecretAsync(ns, name);
        var after = await _remote.Admin.CoreV1.ReadNamespacedSecretAsync(foreign.Metadata.Name, ns, cancellationToken: Ct);
        Assert.Equal(foreign.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
    }

    [Theory]
    [InlineData("cluster2:6443", "", "cluster2:6443", "not an absolute https URL")]
    [InlineData("http://10.0.0.1:6443", "", "http://10.0.0.1:6443", "in clear")]
    [InlineData("http://10.0.0.1:6443", "-SkipVerify", "http://10.0.0.1:6443", "in clear")]
    [InlineData("https://admin:hunter2-0123456789@10.0.0.1:6443", "-SkipVerify", "https://***@10.0.0.1:6443", "user name or password")]
    public async Task A_server_that_is_no_bare_https_url_is_RemoteServerInvalid_and_nothing_is_written(string server, string skip, string target, string reason)
    {
        var ns = fixture.UniqueName("rs-badurl");
        var name = fixture.UniqueName("badurl");
        await _primary.EnsureNamespaceAsync(ns, Ct);
        using var session = fixture.NewSession();

        var result = session.Invoke($"Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -CreateServiceAccount -Server $args[2] {skip}", name, ns, server);
        Out(result.AllErrorText());
        Assert.Empty(result.Output);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("RemoteServerInvalid,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(target, error.TargetObject);
        Assert.Contains(reason, error.Exception.Message);
        Assert.DoesNotContain("hunter2", result.EverythingAsText());
        await AssertNoRemoteSecretAsync(ns, name);
        Assert.Null(await TryAsync(() => _remote.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct)));
    }

    [Theory]
    [InlineData("-ServiceAccount", "..")]
    [InlineData("-ServiceAccount", "a/b")]
    [InlineData("-Namespace", "Istio_System")]
    public async Task A_name_Kubernetes_would_refuse_is_ResourceNameInvalid_before_any_change(string parameter, string value)
    {
        var ns = parameter == "-Namespace" ? value : fixture.UniqueName("rs-badsa");
        var name = fixture.UniqueName("badsa");
        using var session = fixture.NewSession();

        var namespaceArgument = parameter == "-Namespace" ? string.Empty : "-Namespace $args[1]";
        var result = session.Invoke($"Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -CreateServiceAccount {namespaceArgument} {parameter} $args[2]",
            name, ns, value);
        Out(result.AllErrorText());
        Assert.Empty(result.Output);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("ResourceNameInvalid,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(value, error.TargetObject);
        Assert.Contains(parameter, error.Exception.Message);
        if (parameter != "-Namespace") Assert.Null(await TryAsync(() => _remote.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct)));
        // The reader role -CreateServiceAccount would make (counting all roles would see the parallel tests' roles).
        Assert.DoesNotContain((await _remote.Admin.RbacAuthorizationV1.ListClusterRoleAsync(cancellationToken: Ct)).Items, r => r.Metadata.Name.EndsWith("-" + ns, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OutFile_naming_a_folder_is_RemoteSecretFileFailed_before_any_change()
    {
        var ns = fixture.UniqueName("rs-outdir");
        var name = fixture.UniqueName("outdir");
        var dir = Directory.CreateTempSubdirectory("meshcluster-outdir-").FullName;
        try
        {
            using var session = fixture.NewSession();
            var result = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -Namespace $args[1] -CreateServiceAccount -OutFile $args[2]", name, ns, dir);

            var error = Assert.Single(result.Errors);
            Assert.StartsWith("RemoteSecretFileFailed,", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            Assert.Contains("is a folder", error.Exception.Message);
            Assert.Empty(Directory.GetFileSystemEntries(dir));
            Assert.Null(await TryAsync(() => _remote.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // RLIMIT_FSIZE plays the full disk
    public async Task OutFile_on_a_full_disk_leaves_the_old_file_whole()
    {
        var ns = fixture.UniqueName("rs-full");
        var name = fixture.UniqueName("full");
        await _remote.EnsureNamespaceAsync(ns, Ct);
        var dir = Directory.CreateTempSubdirectory("meshcluster-full-").FullName;
        var path = Path.Combine(dir, "remote.yaml");
        var old = "# the remote secret written last week\n" + new string('#', 8000) + "\n";
        File.WriteAllText(path, old);
        try
        {
            // The child may write files of at most 1 KB: the new YAML (about 3 KB) cannot be written whole.
            var report = await ChildHost.RunAsync(
                "Publish-IstioRemoteSecret -KubeConfig $args[0] -Context cluster2 -Name $args[1] -Namespace $args[2] -CreateServiceAccount -OutFile $args[3]",
                new[] { fixture.KubeConfigPath, name, ns, path }, fileSizeLimitKb: 1);

            Assert.True(report.ExitCode == 0, report.StdErr);
            Assert.Contains(report.ErrorIds, id => id.StartsWith("RemoteSecretFileFailed,", StringComparison.Ordinal));
            Assert.Equal(old, File.ReadAllText(path));
            Assert.Equal(new[] { path }, Directory.GetFileSystemEntries(dir)); // no temporary file left behind
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Ten_onboardings_at_once_with_their_own_service_accounts_all_succeed()
    {
        var ns = fixture.UniqueName("rs-many");
        await _primary.EnsureNamespaceAsync(ns, Ct);
        var accounts = Enumerable.Range(0, 10).Select(i => $"reader-{i}").ToArray();

        // Ten sessions, as ten pipelines or ForEach-Object -Parallel would be: one shared ClusterRoleBinding.
        var runs = accounts.Select(account => Task.Run(() =>
        {
            using var session = fixture.NewSession();
            return session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -ServiceAccount $args[2] -CreateServiceAccount",
                account, ns, account);
        }, Ct)).ToArray();
        var results = await Task.WhenAll(runs);

        foreach (var result in results) result.AssertSucceeded();
        var binding = await _remote.Admin.RbacAuthorizationV1.ReadClusterRoleBindingAsync($"istio-reader-clusterrole-{ns}", cancellationToken: Ct);
        Assert.Equal(accounts.OrderBy(a => a), binding.Subjects.Where(s => s.NamespaceProperty == ns).Select(s => s.Name).OrderBy(a => a));
        var secrets = await _primary.Admin.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: "istio/multiCluster=true", cancellationToken: Ct);
        Assert.Equal(10, secrets.Items.Count);
    }

    [Fact]
    public void Help_and_parameters_are_complete()
    {
        using var session = PowerShellSession.Start();
        var result = session.Invoke("$c = Get-Command Publish-IstioRemoteSecret; $c.Parameters['PrimaryContext'].Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] } | ForEach-Object { $_.Type.FullName }; $c.Parameters['Name'].Aliases; (Get-Help Publish-IstioRemoteSecret).Synopsis; (Get-Help Publish-IstioRemoteSecret -Full).examples.example.Count");
        result.AssertSucceeded();
        var lines = result.Output.Select(o => o.ToString()).ToList();
        Assert.Equal("MeshCluster.Hosting.KubeContextCompleter", lines[0]);
        Assert.Equal("ClusterName", lines[1]);
        Assert.StartsWith("Gives the primary cluster's istiod read access", lines[2]);
        Assert.Equal("5", lines[3]);
    }

    /// <summary>The output object, read through PowerShell (the tests do not reference MeshCluster.dll).</summary>
    private sealed record Published(string Action, string SecretName, string Namespace, string ClusterName, string Server, string RemoteContext,
        string? PrimaryContext, string ServiceAccount, string TokenSecretName, string? ResourceVersion, string? Path)
    {
        public static Published From(PowerShellResult result)
        {
            var o = Assert.Single(result.Output);
            Assert.Equal("MeshCluster.IstioRemoteSecret", o.TypeNames[0]);
            string? S(string n) => o.Prop(n)?.ToString();
            return new Published(S("Action")!, S("SecretName")!, S("Namespace")!, S("ClusterName")!, S("Server")!, S("RemoteContext")!,
                S("PrimaryContext"), S("ServiceAccount")!, S("TokenSecretName")!, S("ResourceVersion"), S("Path"));
        }
    }

    private static K8SConfiguration Decode(V1Secret secret, string key) =>
        KubernetesYaml.Deserialize<K8SConfiguration>(Encoding.UTF8.GetString(secret.Data[key]));

    private static Kubernetes ClientFrom(V1Secret secret, string key)
    {
        using var stream = new MemoryStream(secret.Data[key]);
        return new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(stream));
    }

    /// <summary>The token secret the service account lists (waiting for the token controller), its token and CA.</summary>
    private async Task<(string Name, string Token, byte[] Ca)> ListedTokenAsync(string ns, string account)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var sa = await _remote.Admin.CoreV1.ReadNamespacedServiceAccountAsync(account, ns, cancellationToken: Ct);
            var listed = sa.Secrets?.FirstOrDefault()?.Name;
            if (listed is not null)
            {
                var secret = await TryAsync(() => _remote.Admin.CoreV1.ReadNamespacedSecretAsync(listed, ns, cancellationToken: Ct));
                if (secret?.Data?.ContainsKey("token") == true && secret.Data.ContainsKey("ca.crt"))
                {
                    return (listed, Encoding.UTF8.GetString(secret.Data["token"]), secret.Data["ca.crt"]);
                }
            }

            if (DateTime.UtcNow > until) throw new TimeoutException($"ServiceAccount {ns}/{account} got no filled token secret.");
            await Task.Delay(100, Ct);
        }
    }

    private async Task<V1Secret> CreateOtherRemoteSecretAsync(string ns) =>
        await _primary.Admin.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta
            {
                Name = "istio-remote-secret-other",
                Labels = new Dictionary<string, string> { ["istio/multiCluster"] = "true" },
                Annotations = new Dictionary<string, string> { ["networking.istio.io/cluster"] = "other" },
            },
            StringData = new Dictionary<string, string> { ["other"] = "apiVersion: v1\nkind: Config\n" },
        }, ns, cancellationToken: Ct);

    private async Task AssertNoRemoteSecretAsync(string ns, string name)
    {
        Assert.Null(await TryAsync(() => _primary.Admin.CoreV1.ReadNamespacedSecretAsync($"istio-remote-secret-{name}", ns, cancellationToken: Ct)));
        var labelled = await _primary.Admin.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: "istio/multiCluster", cancellationToken: Ct);
        Assert.Empty(labelled.Items);
    }

    private static async Task<T?> TryAsync<T>(Func<Task<T>> read) where T : class
    {
        try
        {
            return await read();
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
