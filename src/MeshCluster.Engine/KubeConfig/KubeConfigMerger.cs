using System.Management.Automation;
using k8s.KubeConfigModels;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Input;

namespace MeshCluster.Engine.KubeConfig;

/// <summary>
/// Loads and merges kubeconfig files the way kubectl does: the first file that defines a cluster,
/// user or context by name wins, and the first non-empty current-context wins. Relative file
/// references are made absolute against the file that holds them, before merging.
/// A file is parsed once per session: later calls reuse it while its write time and length are the same.
/// </summary>
public static class KubeConfigMerger
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (DateTime Written, long Length, K8SConfiguration Config)> Parsed =
        new(StringComparer.Ordinal);

    public static MergedKubeConfig Load(IReadOnlyList<string> paths)
    {
        var existing = paths.Where(File.Exists).ToArray();
        if (existing.Length == 0)
        {
            throw new MeshClusterException(ErrorIds.KubeConfigNotFound, ErrorCategory.ObjectNotFound,
                paths.Count == 1
                    ? $"No kubeconfig file at '{paths[0]}'. Pass -KubeConfig, or set $env:KUBECONFIG."
                    : $"None of the kubeconfig files exist: {string.Join(", ", paths.Select(p => $"'{p}'"))}.",
                target: string.Join(Path.PathSeparator, paths), terminating: true);
        }

        // kubectl skips missing files in a KUBECONFIG list; so do we.
        var files = existing.Select(ParseOnce).ToArray();
        return Merge(files);
    }

    /// <summary>The file's parse, again only when the file changed (a kubeconfig is edited by kubectl, az, aws... between calls).</summary>
    private static (string Path, K8SConfiguration Config) ParseOnce(string path)
    {
        var info = new FileInfo(path);
        var (written, length) = (info.LastWriteTimeUtc, info.Exists ? info.Length : -1);
        if (Parsed.TryGetValue(path, out var cached) && cached.Written == written && cached.Length == length) return (path, cached.Config);
        var parsed = ParseFile(path);
        // A device or pipe (length 0, no write time worth trusting) is read every time.
        if (info.Exists && length > 0) Parsed[path] = (written, length, parsed.Config);
        return parsed;
    }

    internal static (string Path, K8SConfiguration Config) ParseFile(string path)
    {
        // Size first; then syntax, nesting and shape in one pass without recursion or reflection.
        var text = InputLimits.ReadText(path, reason => Invalid(path, reason));
        var config = KubeConfigReader.Read(text, reason => Invalid(path, reason));

        if (config.Kind is { Length: > 0 } kind && !string.Equals(kind, "Config", StringComparison.Ordinal))
        {
            throw Invalid(path, $"its kind is '{kind}', not 'Config'");
        }

        config.FileName = path;
        var dir = Path.GetDirectoryName(path)!;
        foreach (var cluster in config.Clusters ?? Enumerable.Empty<Cluster>())
        {
            if (string.IsNullOrEmpty(cluster.Name)) throw Invalid(path, "a cluster entry has no name");
            if (cluster.ClusterEndpoint is null) throw Invalid(path, $"cluster '{cluster.Name}' has no 'cluster' section");
            cluster.ClusterEndpoint.CertificateAuthority = Absolute(dir, cluster.ClusterEndpoint.CertificateAuthority);
        }

        foreach (var user in config.Users ?? Enumerable.Empty<User>())
        {
            if (string.IsNullOrEmpty(user.Name)) throw Invalid(path, "a user entry has no name");
            var creds = user.UserCredentials;
            if (creds is null) continue;
            creds.ClientCertificate = Absolute(dir, creds.ClientCertificate);
            creds.ClientKey = Absolute(dir, creds.ClientKey);
            if (creds.ExternalExecution is { Command: { } command } exec && (command.Contains('/') || command.Contains('\\')))
            {
                exec.Command = Absolute(dir, command);
            }

            SecretRedactor.Register(creds.Token);
            SecretRedactor.Register(creds.Password);
            SecretRedactor.Register(creds.ClientKeyData);
            if (creds.AuthProvider?.Config is { } apc)
            {
                foreach (var kv in apc.Where(kv => kv.Key.Contains("token", StringComparison.OrdinalIgnoreCase) || kv.Key.Contains("secret", StringComparison.OrdinalIgnoreCase)))
                {
                    SecretRedactor.Register(kv.Value);
                }
            }
        }

        foreach (var context in config.Contexts ?? Enumerable.Empty<Context>())
        {
            if (string.IsNullOrEmpty(context.Name)) throw Invalid(path, "a context entry has no name");
            if (context.ContextDetails is null) throw Invalid(path, $"context '{context.Name}' has no 'context' section");
        }

        return (path, config);
    }

    internal static MergedKubeConfig Merge(IReadOnlyList<(string Path, K8SConfiguration Config)> files)
    {
        var clusters = new Dictionary<string, (Cluster Item, string File)>(StringComparer.Ordinal);
        var users = new Dictionary<string, User>(StringComparer.Ordinal);
        var contexts = new Dictionary<string, (Context Item, string File)>(StringComparer.Ordinal);
        string? current = null;

        foreach (var (path, config) in files)
        {
            foreach (var c in config.Clusters ?? Enumerable.Empty<Cluster>()) clusters.TryAdd(c.Name, (c, path));
            foreach (var u in config.Users ?? Enumerable.Empty<User>()) users.TryAdd(u.Name, u);
            foreach (var c in config.Contexts ?? Enumerable.Empty<Context>()) contexts.TryAdd(c.Name, (c, path));
            if (string.IsNullOrEmpty(current) && !string.IsNullOrEmpty(config.CurrentContext)) current = config.CurrentContext;
        }

        var merged = new K8SConfiguration
        {
            ApiVersion = "v1",
            Kind = "Config",
            CurrentContext = current,
            Clusters = clusters.Values.Select(v => v.Item).ToList(),
            Users = users.Values.ToList(),
            Contexts = contexts.Values.Select(v => v.Item).ToList(),
            FileName = files[0].Path,
        };

        return new MergedKubeConfig(merged, files.Select(f => f.Path).ToArray(),
            contexts.ToDictionary(kv => kv.Key, kv => kv.Value.File, StringComparer.Ordinal),
            clusters.ToDictionary(kv => kv.Key, kv => kv.Value.File, StringComparer.Ordinal));
    }

    private static string? Absolute(string dir, string? path) =>
        string.IsNullOrEmpty(path) || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(dir, path));

    internal static MeshClusterException Invalid(string path, string what) =>
        new(ErrorIds.KubeConfigInvalid, ErrorCategory.InvalidData, $"The kubeconfig file '{path}' is invalid: {what}.",
            target: path, terminating: true);

    /// <summary>An entry of one context is unusable: that input's error (non-terminating), the other contexts go on.</summary>
    internal static MeshClusterException InvalidContext(string path, string what) =>
        new(ErrorIds.KubeConfigInvalid, ErrorCategory.InvalidData, $"The kubeconfig file '{path}' is invalid: {what}.",
            target: path);
}

/// <summary>The merged view of one or more kubeconfig files, and which file each entry came from.</summary>
public sealed record MergedKubeConfig(
    K8SConfiguration Config,
    IReadOnlyList<string> Files,
    IReadOnlyDictionary<string, string> ContextFiles,
    IReadOnlyDictionary<string, string> ClusterFiles)
{
    public IEnumerable<string> ContextNames => Config.Contexts.Select(c => c.Name).OrderBy(n => n, StringComparer.Ordinal);
}
