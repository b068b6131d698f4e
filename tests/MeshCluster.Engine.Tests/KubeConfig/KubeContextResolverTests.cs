using System.Management.Automation;
using MeshCluster.Engine;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.KubeConfig;

namespace MeshCluster.Engine.Tests.KubeConfig;

/// <summary>One theory row per kubeconfig fixture file (as kubernetes-client/csharp tests its loader).</summary>
public sealed class KubeContextResolverTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "kubeconfig", name);

    [Theory]
    [InlineData("two-contexts.yaml", null, "alpha", "https://alpha.invalid:6443", "team-a", false)]
    [InlineData("two-contexts.yaml", "beta", "beta", "https://beta.invalid:6443", null, true)]
    [InlineData("exec-plugin.yaml", null, "aks", "https://aks.invalid:443", null, true)]
    public void Resolves_the_context(string file, string? context, string expectedContext, string expectedServer, string? expectedNamespace, bool insecure)
    {
        var reporter = new ListReporter();
        var connection = KubeContextResolver.Resolve(Fixture(file), context, reporter);

        Assert.Equal(expectedContext, connection.ContextName);
        Assert.Equal(expectedServer, connection.Server);
        Assert.Equal(expectedNamespace, connection.DefaultNamespace);
        Assert.Equal(insecure, connection.SkipTlsVerify);
        Assert.Equal(new[] { Fixture(file) }, connection.KubeConfigFiles);
        Assert.Equal(insecure, reporter.Warnings.Any(w => w.Contains("insecure-skip-tls-verify")));
    }

    [Fact]
    public void Relative_certificate_authority_is_read_next_to_the_kubeconfig()
    {
        // ca.pem sits beside two-contexts.yaml; the process's working directory is elsewhere.
        var connection = KubeContextResolver.Resolve(Fixture("two-contexts.yaml"), "alpha");
        Assert.NotNull(connection.Configuration.SslCaCerts);
        Assert.Single(connection.Configuration.SslCaCerts!);
    }

    [Fact]
    public void Exec_credential_plugins_give_the_token()
    {
        // The plugin path is relative to the kubeconfig (kubectl's rule for commands with a slash).
        var connection = KubeContextResolver.Resolve(Fixture("exec-plugin.yaml"), null);
        Assert.True(connection.Configuration.TokenProvider is not null || connection.Configuration.AccessToken is not null);
        var ex = new MeshClusterException("X", ErrorCategory.NotSpecified, "exec-plugin-token-0123456789abcdef");
        Assert.DoesNotContain("exec-plugin-token", ex.Message);
    }

    [Fact]
    public void One_client_per_file_and_context_is_reused()
    {
        var a = KubeContextResolver.Resolve(Fixture("two-contexts.yaml"), "alpha");
        var b = KubeContextResolver.Resolve(Fixture("two-contexts.yaml"), "alpha");
        var c = KubeContextResolver.Resolve(Fixture("two-contexts.yaml"), "beta");
        Assert.Same(a.Client, b.Client);
        Assert.NotSame(a.Client, c.Client);
    }

    [Fact]
    public void Merges_files_first_one_wins_per_entry()
    {
        var list = Fixture("first.yaml") + Path.PathSeparator + Fixture("second.yaml");

        // "shared" is defined in both files: the first file's context (cluster "shared" from first.yaml) wins.
        var shared = KubeContextResolver.Resolve(list, "shared");
        Assert.Equal("https://from-first.invalid:6443", shared.Server);

        // current-context: first.yaml's is empty, so second.yaml's applies; its cluster "shared" is first.yaml's.
        var current = KubeContextResolver.Resolve(list, null);
        Assert.Equal("only-in-second", current.ContextName);
        Assert.Equal("https://from-first.invalid:6443", current.Server);
        Assert.Equal(new[] { Fixture("first.yaml"), Fixture("second.yaml") }, current.KubeConfigFiles);
    }

    [Fact]
    public void Reversed_order_reverses_the_winner()
    {
        var list = Fixture("second.yaml") + Path.PathSeparator + Fixture("first.yaml");
        Assert.Equal("https://second.invalid:6443", KubeContextResolver.Resolve(list, "shared").Server);
    }

    [Fact]
    public void Missing_files_in_a_list_are_skipped()
    {
        var list = Fixture("nope.yaml") + Path.PathSeparator + Fixture("two-contexts.yaml");
        Assert.Equal("alpha", KubeContextResolver.Resolve(list, null).ContextName);
    }

    [Theory]
    [InlineData("does-not-exist.yaml", null, ErrorIds.KubeConfigNotFound, ErrorCategory.ObjectNotFound, "does-not-exist.yaml")]
    [InlineData("broken-yaml.yaml", null, ErrorIds.KubeConfigInvalid, ErrorCategory.InvalidData, "line ")]
    [InlineData("wrong-kind.yaml", null, ErrorIds.KubeConfigInvalid, ErrorCategory.InvalidData, "'Pod'")]
    [InlineData("dangling-cluster.yaml", null, ErrorIds.KubeConfigInvalid, ErrorCategory.InvalidData, "cluster 'nowhere'")]
    [InlineData("dangling-user.yaml", null, ErrorIds.KubeConfigInvalid, ErrorCategory.InvalidData, "user 'ghost'")]
    [InlineData("missing-ca-file.yaml", null, ErrorIds.KubeConfigInvalid, ErrorCategory.InvalidData, "context 'x' cannot be used")]
    [InlineData("no-current-context.yaml", null, ErrorIds.KubeContextNotFound, ErrorCategory.ObjectNotFound, "Contexts: one, two")]
    [InlineData("exec-plugin-missing.yaml", null, ErrorIds.KubeCredentialPluginFailed, ErrorCategory.AuthenticationError, "Install kubelogin")]
    [InlineData("two-contexts.yaml", "gamma", ErrorIds.KubeContextNotFound, ErrorCategory.ObjectNotFound, "Contexts: alpha, beta")]
    public void Bad_kubeconfig_gives_a_stable_terminating_error(string file, string? context, string errorId, ErrorCategory category, string messagePart)
    {
        var ex = Assert.Throws<MeshClusterException>(() => KubeContextResolver.Resolve(Fixture(file), context));

        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal(category, ex.Category);
        Assert.True(ex.Terminating);
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
        KubeContextResolver.Resolve(Fixture("two-contexts.yaml"), "alpha");
        var ex = new MeshClusterException("X", ErrorCategory.NotSpecified, "oops alpha-token-0123456789abcdef and beta-password-0123456789");
        Assert.DoesNotContain("alpha-token", ex.Message);
        Assert.DoesNotContain("beta-password", ex.Message);
        Assert.Contains(SecretRedactor.Mask, ex.Message);
    }

    [Fact]
    public void Context_names_for_completion()
    {
        Assert.Equal(new[] { "alpha", "beta" }, KubeContextResolver.ContextNames(Fixture("two-contexts.yaml")));
        Assert.Empty(KubeContextResolver.ContextNames(Fixture("broken-yaml.yaml")));
    }
}

internal sealed class ListReporter : IOperationReporter
{
    public List<string> Verbose { get; } = new();
    public List<string> Warnings { get; } = new();
    public List<string> Debugs { get; } = new();
    public List<string> ProgressLines { get; } = new();
    void IOperationReporter.Verbose(string message) => Verbose.Add(message);
    public void Warning(string message) => Warnings.Add(message);
    public void Debug(string message) => Debugs.Add(message);
    public void Progress(string activity, string status, int percent = -1) => ProgressLines.Add($"{activity}: {status}");
    public void ProgressCompleted(string activity) => ProgressLines.Add($"{activity}: done");
}
