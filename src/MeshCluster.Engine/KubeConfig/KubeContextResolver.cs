using System.Collections.Concurrent;
using System.Management.Automation;
using k8s;
using k8s.Exceptions;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;

namespace MeshCluster.Engine.KubeConfig;

/// <summary>
/// Turns (-KubeConfig, -Context) into a client. One client per (files, context) is kept for the
/// process, so a pipeline of cmdlets reuses connections; a changed kubeconfig file makes a new one.
/// </summary>
public static class KubeContextResolver
{
    private static readonly ConcurrentDictionary<string, KubeConnection> Cache = new(StringComparer.Ordinal);

    /// <summary>Context names for tab completion; empty when the kubeconfig cannot be read.</summary>
    public static IReadOnlyList<string> ContextNames(string? kubeConfig)
    {
        try
        {
            return KubeConfigMerger.Load(KubeConfigPaths.FromEnvironment(kubeConfig)).ContextNames.ToArray();
        }
        catch (MeshClusterException)
        {
            return Array.Empty<string>();
        }
    }

    public static KubeConnection Resolve(string? kubeConfig, string? context, IOperationReporter? reporter = null)
    {
        reporter ??= NullReporter.Instance;
        var paths = KubeConfigPaths.FromEnvironment(kubeConfig);
        var merged = KubeConfigMerger.Load(paths);
        var contextName = string.IsNullOrEmpty(context) ? merged.Config.CurrentContext : context;

        if (string.IsNullOrEmpty(contextName))
        {
            throw new MeshClusterException(ErrorIds.KubeContextNotFound, ErrorCategory.ObjectNotFound,
                $"No -Context was given and the kubeconfig sets no current-context. Contexts: {Names(merged)}.",
                target: string.Join(Path.PathSeparator, merged.Files), terminating: true);
        }

        var ctx = merged.Config.Contexts.FirstOrDefault(c => c.Name == contextName)
            ?? throw new MeshClusterException(ErrorIds.KubeContextNotFound, ErrorCategory.ObjectNotFound,
                $"The kubeconfig has no context '{contextName}'. Contexts: {Names(merged)}.",
                target: contextName, terminating: true);

        var contextFile = merged.ContextFiles[contextName];
        var clusterName = ctx.ContextDetails.Cluster;
        var cluster = merged.Config.Clusters.FirstOrDefault(c => c.Name == clusterName)
            ?? throw KubeConfigMerger.Invalid(contextFile, $"context '{contextName}' names cluster '{clusterName}', which no kubeconfig file defines");
        if (string.IsNullOrEmpty(cluster.ClusterEndpoint.Server))
        {
            throw KubeConfigMerger.Invalid(merged.ClusterFiles[clusterName], $"cluster '{clusterName}' has no server");
        }

        var userName = ctx.ContextDetails.User;
        if (!string.IsNullOrEmpty(userName) && merged.Config.Users?.Any(u => u.Name == userName) != true)
        {
            throw KubeConfigMerger.Invalid(contextFile, $"context '{contextName}' names user '{userName}', which no kubeconfig file defines");
        }

        var key = string.Join("\n", merged.Files.Select(f => f + "@" + File.GetLastWriteTimeUtc(f).Ticks)) + "\n#" + contextName;
        if (Cache.TryGetValue(key, out var cached))
        {
            reporter.Debug($"Reusing the client for context '{contextName}'.");
            WarnIfInsecure(cached, reporter);
            return cached;
        }

        KubernetesClientConfiguration configuration;
        try
        {
            configuration = KubernetesClientConfiguration.BuildConfigFromConfigObject(merged.Config, contextName);
        }
        catch (KubeConfigException ex) when (UsesExec(merged, userName) is { } exec)
        {
            // KubernetesClient runs the plugin (kubelogin, aws eks get-token...) while building the client.
            throw new MeshClusterException(ErrorIds.KubeCredentialPluginFailed, ErrorCategory.AuthenticationError,
                $"The credential plugin '{exec.Command}' of context '{contextName}' failed: {ex.Message.TrimEnd('.')}." +
                (string.IsNullOrEmpty(exec.InstallHint) ? string.Empty : " " + exec.InstallHint.Trim()),
                target: contextName, terminating: true);
        }
        catch (Exception ex) when (ex is KubeConfigException or FormatException or IOException or System.Security.Cryptography.CryptographicException)
        {
            throw KubeConfigMerger.Invalid(contextFile, $"context '{contextName}' cannot be used ({ex.Message.TrimEnd('.')})");
        }

        reporter.Verbose($"Using context '{contextName}' (cluster '{clusterName}', {configuration.Host}) from {string.Join(", ", merged.Files)}.");
        SecretRedactor.Register(configuration.AccessToken); // an exec plugin's first token
        var client = new Kubernetes(configuration, new CredentialRedactionHandler(), new TransientRetryHandler(reporter: null));
        var connection = new KubeConnection(client, configuration, contextName, clusterName, cluster.ClusterEndpoint.Server,
            ctx.ContextDetails.Namespace ?? ctx.Namespace, configuration.SkipTlsVerify, merged.Files);
        WarnIfInsecure(connection, reporter);
        return Cache.GetOrAdd(key, connection);
    }

    private static k8s.KubeConfigModels.ExternalExecution? UsesExec(MergedKubeConfig merged, string? userName) =>
        merged.Config.Users?.FirstOrDefault(u => u.Name == userName)?.UserCredentials?.ExternalExecution;

    private static void WarnIfInsecure(KubeConnection connection, IOperationReporter reporter)
    {
        if (connection.SkipTlsVerify)
        {
            reporter.Warning($"The kubeconfig sets insecure-skip-tls-verify for context '{connection.ContextName}': the identity of {connection.Server} is not verified.");
        }
    }

    private static string Names(MergedKubeConfig merged)
    {
        var names = merged.ContextNames.ToArray();
        return names.Length == 0 ? "(none)" : string.Join(", ", names);
    }
}
