using System.Management.Automation;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.KubeConfig;

/// <summary>
/// The kubeconfig files one command reads, absolute, in kubectl's order of precedence. Made once per
/// command, on the pipeline thread (where PowerShell's current location is known), and handed to the
/// resolver and to istioctl alike, so every part of a command reads the same files.
/// </summary>
public sealed class KubeConfigFiles
{
    private KubeConfigFiles(IReadOnlyList<string> paths) => Paths = paths;

    /// <summary>Absolute paths, first one winning per entry, duplicates removed.</summary>
    public IReadOnlyList<string> Paths { get; }

    /// <summary>
    /// An explicit -KubeConfig (a path or a list) wins; else <c>$KUBECONFIG</c>; else ~/.kube/config.
    /// Lists split on the platform's path separator (':' on Linux and macOS, ';' on Windows), empty
    /// entries ignored. <paramref name="resolveRelative"/> makes an explicit entry absolute against
    /// PowerShell's location; environment entries are relative to the process's, as for kubectl.
    /// </summary>
    public static KubeConfigFiles Resolve(string? kubeConfig, Func<string, string>? resolveRelative = null,
        string? environment = null, string? home = null)
    {
        home ??= Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var fromArgument = !string.IsNullOrWhiteSpace(kubeConfig);
        var list = fromArgument ? kubeConfig : environment ?? Environment.GetEnvironmentVariable("KUBECONFIG");
        if (string.IsNullOrWhiteSpace(list))
        {
            return new KubeConfigFiles(new[] { Path.Combine(home, ".kube", "config") });
        }

        try
        {
            return new KubeConfigFiles(list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => ExpandHome(p, home))
                .Select(p => fromArgument && resolveRelative is not null && !Path.IsPathRooted(p) ? resolveRelative(p) : p)
                .Select(Path.GetFullPath)
                .Distinct(StringComparer.Ordinal)
                .ToArray());
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            // A NUL or another character no file system takes: .NET's ArgumentException would become the error id.
            throw new MeshClusterException(ErrorIds.KubeConfigPathInvalid, ErrorCategory.InvalidArgument,
                $"{(fromArgument ? "-KubeConfig" : "$env:KUBECONFIG")} '{Printable.Quote(list)}' is no valid path ({ex.Message.TrimEnd('.')}).",
                target: Printable.Quote(list),
                recommendedAction: "Give the kubeconfig file's path; a list is separated by the platform's path separator.");
        }
    }

    /// <summary>The list as KUBECONFIG spells it, for a child process (istioctl) that merges files itself.</summary>
    public override string ToString() => string.Join(Path.PathSeparator, Paths);

    private static string ExpandHome(string path, string home) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal)
            ? Path.Combine(home, path.Length > 2 ? path[2..] : string.Empty)
            : path;
}
