using System.Management.Automation;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.Install;

/// <summary>Where istioctl is: -IstioctlPath, else $ISTIOCTL, else the first istioctl on PATH.</summary>
public static class IstioctlLocator
{
    public const string EnvironmentVariable = "ISTIOCTL";

    public static string Locate(string? explicitPath, string? environmentValue, string? pathVariable, bool isWindows)
    {
        // A path the user named is never silently replaced by another istioctl.
        if (!string.IsNullOrWhiteSpace(explicitPath)) return Existing(explicitPath, "-IstioctlPath");
        if (!string.IsNullOrWhiteSpace(environmentValue)) return Existing(environmentValue, "$env:" + EnvironmentVariable);

        var names = isWindows ? new[] { "istioctl.exe", "istioctl" } : new[] { "istioctl" };
        foreach (var folder in (pathVariable ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            foreach (var name in names)
            {
                var candidate = Path.Combine(folder.Trim('"'), name);
                if (File.Exists(candidate) && (isWindows || IsExecutable(candidate))) return Path.GetFullPath(candidate);
            }
        }

        throw new MeshClusterException(ErrorIds.IstioctlNotFound, ErrorCategory.ObjectNotFound,
            "istioctl was not found: no -IstioctlPath, no $env:ISTIOCTL, and no istioctl on PATH.",
            target: "istioctl", recommendedAction: "Install istioctl (https://istio.io/latest/docs/setup/getting-started/#download) or give its path with -IstioctlPath.");
    }

    public static string Locate(string? explicitPath) =>
        Locate(explicitPath, Environment.GetEnvironmentVariable(EnvironmentVariable), Environment.GetEnvironmentVariable("PATH"), OperatingSystem.IsWindows());

    private static string Existing(string path, string from)
    {
        if (File.Exists(path)) return Path.GetFullPath(path);
        throw new MeshClusterException(ErrorIds.IstioctlNotFound, ErrorCategory.ObjectNotFound,
            $"istioctl was not found at '{path}' (from {from}).", target: path);
    }

    private static bool IsExecutable(string path) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
