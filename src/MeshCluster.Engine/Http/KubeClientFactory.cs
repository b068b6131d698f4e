using System.Collections.Concurrent;
using System.Text;
using k8s;
using k8s.Exceptions;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.KubeConfig;

namespace MeshCluster.Engine.Http;

/// <summary>
/// Builds the clients the module talks through, each with the same handlers: bearer tokens registered
/// for redaction, and passing failures of reads retried. One client per (files and their write times,
/// context) is kept for the process, so a pipeline of cmdlets reuses connections and a changed
/// kubeconfig file makes a new one.
/// </summary>
public static class KubeClientFactory
{
    private static readonly ConcurrentDictionary<string, KubeConnection> Cache = new(StringComparer.Ordinal);

    /// <summary>The client for a resolved context; runs its credential plugin the first time.</summary>
    public static KubeConnection Connect(KubeContext context, IOperationReporter reporter)
    {
        var key = string.Join("\n", context.Files.Select(f => f + "@" + File.GetLastWriteTimeUtc(f).Ticks)) + "\n#" + context.Name;
        if (Cache.TryGetValue(key, out var cached))
        {
            reporter.Debug($"Reusing the client for context '{context.Name}'.");
            WarnIfInsecure(cached, reporter);
            return cached;
        }

        var configuration = BuildConfiguration(context);
        reporter.Verbose($"Using context '{context.Name}' (cluster '{context.ClusterName}', {configuration.Host}) from {string.Join(", ", context.Files)}.");
        var connection = new KubeConnection(NewClient(configuration), context.Name, context.Server, configuration.SkipTlsVerify);
        WarnIfInsecure(connection, reporter);
        return Cache.GetOrAdd(key, connection);
    }

    /// <summary>
    /// A client from a kubeconfig held in memory (a remote secret's), not cached: the caller disposes it.
    /// Null when the text is no usable kubeconfig; <paramref name="reason"/> then says why, without its content.
    /// </summary>
    public static KubeConnection? FromKubeConfigText(string kubeConfig, string name, out string? reason)
    {
        KubernetesClientConfiguration configuration;
        try
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(kubeConfig));
            configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(stream);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            reason = $"the kubeconfig cannot be loaded ({ex.GetType().Name})";
            return null;
        }

        reason = null;
        return new KubeConnection(NewClient(configuration), name, configuration.Host, configuration.SkipTlsVerify);
    }

    /// <summary>KubernetesClient's configuration for the context, credentials included (an exec plugin runs here).</summary>
    internal static KubernetesClientConfiguration BuildConfiguration(KubeContext context)
    {
        KubernetesClientConfiguration configuration;
        try
        {
            configuration = KubernetesClientConfiguration.BuildConfigFromConfigObject(context.Merged.Config, context.Name);
        }
        catch (KubeConfigException ex) when (context.Exec is { } exec)
        {
            // KubernetesClient runs the plugin (kubelogin, aws eks get-token...) while building the configuration.
            throw new MeshClusterException(ErrorIds.KubeCredentialPluginFailed, System.Management.Automation.ErrorCategory.AuthenticationError,
                $"The credential plugin '{exec.Command}' of context '{context.Name}' failed: {ex.Message.TrimEnd('.')}." +
                (string.IsNullOrEmpty(exec.InstallHint) ? string.Empty : " " + exec.InstallHint.Trim()),
                target: context.Name, terminating: true);
        }
        catch (Exception ex) when (ex is KubeConfigException or FormatException or IOException or System.Security.Cryptography.CryptographicException)
        {
            throw KubeConfigMerger.Invalid(context.ContextFile, $"context '{context.Name}' cannot be used ({ex.Message.TrimEnd('.')})");
        }

        SecretRedactor.Register(configuration.AccessToken); // an exec plugin's first token
        return configuration;
    }

    private static Kubernetes NewClient(KubernetesClientConfiguration configuration) =>
        new(configuration, new CredentialRedactionHandler(), new TransientRetryHandler());

    private static void WarnIfInsecure(KubeConnection connection, IOperationReporter reporter)
    {
        if (connection.SkipTlsVerify)
        {
            reporter.Warning($"The kubeconfig sets insecure-skip-tls-verify for context '{connection.ContextName}': the identity of {connection.Server} is not verified.");
        }
    }
}
