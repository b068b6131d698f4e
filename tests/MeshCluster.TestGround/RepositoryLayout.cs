namespace MeshCluster.TestGround;

/// <summary>
/// Where things are in the repository, seen from a test or tool built inside it: the root, the build
/// configuration and target framework the caller was built with, the built module and the programs
/// the tests run as child processes.
/// </summary>
public static class RepositoryLayout
{
    /// <summary>The folder holding MeshCluster.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Release or Debug: the configuration the calling test or tool was built with.</summary>
    public static string Configuration { get; } = OutputFolder().Parent!.Name;

    /// <summary>net10.0, say: the target framework the calling test or tool was built for (its sibling programs share it).</summary>
    public static string TargetFramework { get; } = OutputFolder().Name;

    /// <summary>out/MeshCluster: the module folder a build lays out.</summary>
    public static string ModuleFolder => Path.Combine(Root, "out", "MeshCluster");

    /// <summary>The module's manifest, as users import it.</summary>
    public static string ModuleManifest => Path.Combine(ModuleFolder, "MeshCluster.psd1");

    /// <summary>The istioctl stand-in (tests/IstioctlStandIn), built with the caller.</summary>
    public static string IstioctlStandIn => Program("IstioctlStandIn", OperatingSystem.IsWindows() ? "istioctl.exe" : "istioctl");

    /// <summary>The output file of another project under tests/, built with the same configuration and framework.</summary>
    public static string Program(string project, string file) =>
        Path.Combine(Root, "tests", project, "bin", Configuration, TargetFramework, file);

    private static DirectoryInfo OutputFolder() => new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MeshCluster.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("MeshCluster.sln not found above " + AppContext.BaseDirectory);
    }
}
