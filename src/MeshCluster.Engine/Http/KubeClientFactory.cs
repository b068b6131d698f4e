using System.Collections.Concurrent;
using System.Text;
using k8s;
using k8s.Exceptions;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.KubeConfig;

namespace MeshCluster.Engine.Http;

/// <summary>
/// Builds the clients the module talks through, each the same way: the server's certificate verified
/// with its name (<see cref="TlsVerifier"/>), bearer tokens registered for redaction, passing failures
/// of reads retried, exec credential plugins run by <see cref="ExecCredentialProvider"/>. One client per
/// (files and their write times, context) is kept for the process, so a pipeline of cmdlets reuses
/// connections and a changed kubeconfig file makes a new one.
/// </summary>
public static class KubeClientFactory
{
    /// <summary>
    /// HttpClient's own limit, a backstop only: <see cref="TransientRetryHandler.Deadline"/> ends a request and its retries
    /// first, with the module's words (watches excepted: the server ends them).
    /// </summary>
    public static readonly TimeSpan RequestTimeout = TransientRetryHandler.DefaultDeadline + TimeSpan.FromSeconds(5);

    private static readonly ConcurrentDictionary<string, KubeConnection> Cache = new(StringComparer.Ordinal);

    /// <summary>
    /// The client for a resolved context. A context with a credential plugin runs it now (cancellable),
    /// so a plugin that fails does so here, before anything is changed anywhere.
    /// </summary>
    public static async Task<KubeConnection> ConnectAsync(KubeContext context, IOperationReporter reporter, CancellationToken ct)
    {
        var key = string.Join("\n", context.Files.Select(f => f + "@" + File.GetLastWriteTimeUtc(f).Ticks)) + "\n#" + context.Name;
        if (Cache.TryGetValue(key, out var cached))
        {
            reporter.Debug($"Reusing the client for context '{context.Name}'.");
        }
        else
        {
            var configuration = BuildConfiguration(context);
            reporter.Verbose($"Using context '{context.Name}' (cluster '{context.ClusterName}', {configuration.Host}) from {string.Join(", ", context.Files)}.");
            cached = Cache.GetOrAdd(key, _ => NewConnection(configuration, context.Name, context.ContextFile));
        }

        if (cached.SkipTlsVerify)
        {
            reporter.Warning($"The kubeconfig sets insecure-skip-tls-verify for context '{cached.ContextName}': the identity of {cached.Server} is not verified.");
        }

        if (cached.Credentials is { } plugin) await plugin.GetAuthenticationHeaderAsync(ct).ConfigureAwait(false);
        return cached;
    }

    /// <summary>
    /// A client from a kubeconfig held in memory (a remote secret's), not cached: the caller disposes it.
    /// Null when the text is no usable kubeconfig; <paramref name="reason"/> then says why, without its content.
    /// </summary>
    public static KubeConnection? FromKubeConfigText(string kubeConfig, string name, out string? reason)
    {
        try
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(kubeConfig));
            var configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(stream);
            reason = null;
            return NewConnection(configuration, name, "the remote secret's kubeconfig");
        }
        catch (MeshClusterException ex)
        {
            reason = ex.Message;
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            reason = $"the kubeconfig cannot be loaded ({ex.GetType().Name})";
            return null;
        }
    }

    /// <summary>KubernetesClient's configuration for the context, credentials included (an exec plugin is set up, not run).</summary>
    internal static KubernetesClientConfiguration BuildConfiguration(KubeContext context)
    {
        var exec = context.Exec;
        KubernetesClientConfiguration configuration;
        try
        {
            configuration = KubernetesClientConfiguration.BuildConfigFromConfigObject(ClientKubeConfig.For(context), context.Name);
        }
        catch (Exception ex) when (ex is KubeConfigException or FormatException or IOException or UnauthorizedAccessException
                                       or System.Security.Cryptography.CryptographicException)
        {
            throw KubeConfigMerger.InvalidContext(context.ContextFile, $"context '{context.Name}' cannot be used ({ex.Message.TrimEnd('.')})");
        }

        if (exec is not null)
        {
            // KubernetesClient would run the plugin itself, synchronously and beyond Ctrl+C's reach.
            configuration.AccessToken = null;
            configuration.TokenProvider = new ExecCredentialProvider(exec, context.Name);
        }

        return configuration;
    }

    private static KubeConnection NewConnection(KubernetesClientConfiguration configuration, string name, string source)
    {
        var verifier = Secure(configuration);
        var secure = configuration.FirstMessageHandlerSetup;
        configuration.FirstMessageHandlerSetup = handler =>
        {
            secure?.Invoke(handler);
            // An API server never redirects; a redirect is a proxy or a wrong URL, and following it would carry the credentials
            // along (and a Test-IstioRemoteCluster probe would take the new place's 200 for the token's acceptance): issue 20, point 9.
            handler.AllowAutoRedirect = false;
        };
        configuration.HttpClientTimeout = RequestTimeout;
        try
        {
            var client = new KubeClient(configuration, new CredentialRedactionHandler(), new SecretSizeGuard(), new TransientRetryHandler());
            return new KubeConnection(client, name, configuration.Host, configuration.SkipTlsVerify, verifier,
                configuration.TokenProvider as ExecCredentialProvider);
        }
        catch (Exception ex) when (ex is KubeConfigException or FormatException or IOException or UnauthorizedAccessException
                                       or System.Security.Cryptography.CryptographicException)
        {
            // The client certificate and key are read here: a key that does not match, or is no key.
            throw KubeConfigMerger.InvalidContext(source, $"context '{name}' cannot be used ({ex.Message.TrimEnd('.')})");
        }
    }

    /// <summary>Replaces KubernetesClient's certificate check by one that also checks the server's name.</summary>
    private static TlsVerifier? Secure(KubernetesClientConfiguration configuration)
    {
        if (configuration.SkipTlsVerify || !Uri.TryCreate(configuration.Host, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            return null;
        }

        var verifier = new TlsVerifier(configuration.SslCaCerts, string.IsNullOrEmpty(configuration.TlsServerName) ? uri.Host : configuration.TlsServerName);
        // Without CAs KubernetesClient leaves the callback alone, so ours (set when it builds its handler) stays.
        configuration.SslCaCerts = null;
        configuration.FirstMessageHandlerSetup = handler => handler.SslOptions.RemoteCertificateValidationCallback = verifier.Validate;
        return verifier;
    }
}
