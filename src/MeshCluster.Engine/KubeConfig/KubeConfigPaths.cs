namespace MeshCluster.Engine.KubeConfig;

/// <summary>Which kubeconfig files apply, in kubectl's order of precedence.</summary>
public static class KubeConfigPaths
{
    /// <summary>
    /// An explicit path (or list) wins; else <c>$KUBECONFIG</c> split on the platform's path
    /// separator (':' on Linux/macOS, ';' on Windows), empty entries ignored; else ~/.kube/config.
    /// </summary>
    public static IReadOnlyList<string> Resolve(string? explicitPath, string? kubeConfigEnv, string? home = null)
    {
        var list = explicitPath is { Length: > 0 } ? explicitPath : kubeConfigEnv;
        if (!string.IsNullOrWhiteSpace(list))
        {
            return list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(ExpandHome)
                .Distinct(StringComparer.Ordinal)
                .ToArray();
        }

        home ??= Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return new[] { Path.Combine(home, ".kube", "config") };
    }

    public static IReadOnlyList<string> FromEnvironment(string? explicitPath) =>
        Resolve(explicitPath, Environment.GetEnvironmentVariable("KUBECONFIG"));

    private static string ExpandHome(string path)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal))
        {
            path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : string.Empty);
        }

        return Path.GetFullPath(path);
    }
}
