using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.KubeConfig;
using MeshCluster.Engine.Tests.TestSupport;

namespace MeshCluster.Engine.Tests.KubeConfig;

/// <summary>One theory row per kubeconfig fixture file (as kubernetes-client/csharp tests its loader).</summary>
public sealed class KubeContextResolverTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "kubeconfig", name);

    /// <summary>A -KubeConfig value: one fixture, or a list of them.</summary>
    private static KubeConfigFiles Files(params string[] names) =>
        KubeConfigFiles.Resolve(string.Join(Path.PathSeparator, names.Select(Fixture)), environment: string.Empty);

    private static KubeConnection Connect(KubeConfigFiles files, string? context, IOperationReporter? reporter = null) =>
        KubeClientFactory.ConnectAsync(KubeContextResolver.Resolve(files, context), reporter ?? NullReporter.Instance, CancellationToken.None)
            .GetAwaiter().GetResult();

    [Theory]
    [InlineData("two-contexts.yaml", null, "alpha", "https://alpha.invalid:6443", false)]
    [InlineData("two-contexts.yaml", "beta", "beta", "https://beta.invalid:6443", true)]
    [InlineData("exec-plugin.yaml", null, "aks", "https://aks.invalid:443", true)]
    public void Resolves_the_context(string file, string? context, string expectedContext, string expectedServer, bool insecure)
    {
        var reporter = new RecordingReporter();
        var resolved = KubeContextResolver.Resolve(Files(file), context);
        var connection = Connect(Files(file), context, reporter);

        Assert.Equal(expectedContext, resolved.Name);
        Assert.Equal(expectedServer, resolved.Server);
        Assert.Equal(new[] { Fixture(file) }, resolved.Files);
        Assert.Equal((expectedContext, expectedServer), (connection.ContextName, connection.Server));
        Assert.Equal(insecure, connection.SkipTlsVerify);
        Assert.Equal(insecure, reporter.Warnings.Any(w => w.Contains("insecure-skip-tls-verify")));
    }

    [Fact]
    public void Resolving_runs_no_credential_plugin()
    {
        // exec-plugin-missing.yaml names a plugin that does not exist: only building a client runs it.
        var resolved = KubeContextResolver.Resolve(Files("exec-plugin-missing.yaml"), null);
        Assert.NotNull(resolved.Exec);
        var ex = Assert.Throws<MeshClusterException>(() => Connect(Files("exec-plugin-missing.yaml"), null));
        Assert.Equal(ErrorIds.KubeCredentialPluginFailed, ex.ErrorId);
    }

    [Fact]
    public void Relative_certificate_authority_is_read_next_to_the_kubeconfig()
    {
        // ca.pem sits beside two-contexts.yaml; the process's working directory is elsewhere.
        var configuration = KubeClientFactory.BuildConfiguration(KubeContextResolver.Resolve(Files("two-contexts.yaml"), "alpha"));
        Assert.NotNull(configuration.SslCaCerts);
        Assert.Single(configuration.SslCaCerts!);
    }

    [Fact]
    public async Task Exec_credential_plugins_give_the_token()
    {
        // The plugin path is relative to the kubeconfig (kubectl's rule for commands with a slash).
        var configuration = KubeClientFactory.BuildConfiguration(KubeContextResolver.Resolve(Files("exec-plugin.yaml"), null));
        Assert.Null(configuration.AccessToken);
        var header = await configuration.TokenProvider!.GetAuthenticationHeaderAsync(TestContext.Current.CancellationToken);
        Assert.Equal(("Bearer", "exec-plugin-token-0123456789abcdef"), (header.Scheme, header.Parameter));
        var ex = new MeshClusterException("X", ErrorCategory.NotSpecified, "exec-plugin-token-0123456789abcdef");
        Assert.DoesNotContain("exec-plugin-token", ex.Message);
    }

    [Fact]
    public void One_client_per_file_and_context_is_reused()
    {
        var a = Connect(Files("two-contexts.yaml"), "alpha");
        var b = Connect(Files("two-contexts.yaml"), "alpha");
        var c = Connect(Files("two-contexts.yaml"), "beta");
        Assert.Same(a.Client, b.Client);
        Assert.NotSame(a.Client, c.Client);
    }

    [Fact]
    public void Merges_files_first_one_wins_per_entry()
    {
        var list = Files("first.yaml", "second.yaml");

        // "shared" is defined in both files: the first file's context (cluster "shared" from first.yaml) wins.
        var shared = KubeContextResolver.Resolve(list, "shared");
        Assert.Equal("https://from-first.invalid:6443", shared.Server);

        // current-context: first.yaml's is empty, so second.yaml's applies; its cluster "shared" is first.yaml's.
        var current = KubeContextResolver.Resolve(list, null);
        Assert.Equal("only-in-second", current.Name);
        Assert.Equal("https://from-first.invalid:6443", current.Server);
        Assert.Equal(new[] { Fixture("first.yaml"), Fixture("second.yaml") }, current.Files);
    }

    [Fact]
    public void Reversed_order_reverses_the_winner() =>
        Assert.Equal("https://second.invalid:6443", KubeContextResolver.Resolve(Files("second.yaml", "first.yaml"), "shared").Server);

    [Fact]
    public void Missing_files_in_a_list_are_skipped()
    {
        var resolved = KubeContextResolver.Resolve(Files("nope.yaml", "two-contexts.yaml"), null);
        Assert.Equal("alpha", resolved.Name);
        Assert.Equal(new[] { Fixture("two-contexts.yaml") }, resolved.Files);
    }

    [Theory]
    [InlineData("does-not-exist.yaml", null, ErrorIds.KubeConfigNotFound, ErrorCategory.ObjectNotFound, "does-not-exist.yaml", true)]
    [InlineData("broken-yaml.yaml", null, ErrorIds.KubeConfigInvalid, ErrorCategory.InvalidData, "line ", true)]
    [InlineData("wrong-kind.yaml", null, ErrorIds.KubeConfigInvalid, ErrorCategory.InvalidData, "'Pod'", true)]
    [InlineData("dangling-cluster.yaml", null, ErrorIds.KubeConfigInvalid, ErrorCategory.InvalidData, "cluster 'nowhere'", false)]
    [InlineData("dangling-user.yaml", null, ErrorIds.KubeConfigInvalid, ErrorCategory.InvalidData, "user 'ghost'", false)]
    [InlineData("missing-ca-file.yaml", null, ErrorIds.KubeConfigInvalid, ErrorCategory.InvalidData, "context 'x' cannot be used", false)]
    [InlineData("no-current-context.yaml", null, ErrorIds.KubeContextNotFound, ErrorCategory.ObjectNotFound, "Contexts: one, two", true)]
    [InlineData("exec-plugin-missing.yaml", null, ErrorIds.KubeCredentialPluginFailed, ErrorCategory.AuthenticationError, "Install kubelogin", false)]
    [InlineData("two-contexts.yaml", "gamma", ErrorIds.KubeContextNotFound, ErrorCategory.ObjectNotFound, "Contexts: alpha, beta", false)]
    // Terminating when every input would fail alike (the files); one context's problem is that input's error (issue 20).
    public void Bad_kubeconfig_gives_a_stable_error(string file, string? context, string errorId, ErrorCategory category, string messagePart, bool terminating)
    {
        var ex = Assert.Throws<MeshClusterException>(() => Connect(Files(file), context));

        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal(category, ex.Category);
        Assert.Equal(terminating, ex.Terminating);
        Assert.NotNull(ex.Target);
        Assert.Contains(messagePart, ex.Message);
        if (errorId == ErrorIds.KubeConfigInvalid)
        {
            Assert.Contains(Fixture(file), ex.Message); // names the file
        }
    }

    [Fact]
    public void Credentials_never_appear_in_errors()
    {
        // Loading registers every credential; an error that quotes one prints the mask instead.
        KubeContextResolver.Resolve(Files("two-contexts.yaml"), "alpha");
        var ex = new MeshClusterException("X", ErrorCategory.NotSpecified, "oops alpha-token-0123456789abcdef and beta-password-0123456789");
        Assert.DoesNotContain("alpha-token", ex.Message);
        Assert.DoesNotContain("beta-password", ex.Message);
        Assert.Contains(SecretRedactor.Mask, ex.Message);
    }

    [Fact]
    public void Context_names_for_completion()
    {
        Assert.Equal(new[] { "alpha", "beta" }, KubeContextResolver.ContextNames(Files("two-contexts.yaml")));
        Assert.Empty(KubeContextResolver.ContextNames(Files("broken-yaml.yaml")));
    }
}
