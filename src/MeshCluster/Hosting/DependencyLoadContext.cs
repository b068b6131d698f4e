using System.Reflection;
using System.Runtime.Loader;

namespace MeshCluster.Hosting;

/// <summary>
/// MeshCluster's private load context: the engine, KubernetesClient, YamlDotNet and their
/// dependencies load from the module's Dependencies folder here, so powershell-yaml's YamlDotNet 11
/// or Az.Aks' KubernetesClient in PowerShell's default context never meet ours.
/// </summary>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    public const string ContextName = "MeshCluster";
    public const string EngineAssemblyName = "MeshCluster.Engine";

    /// <summary>The output types: one copy, in the default context, so the engine returns the very types the cmdlets declare.</summary>
    public const string ContractsAssemblyName = "MeshCluster.Contracts";

    private readonly string _directory;

    private DependencyLoadContext(string directory) : base(ContextName, isCollectible: false) => _directory = directory;

    public static DependencyLoadContext Instance { get; } = new(Path.Combine(ModuleDirectory, "Dependencies"));

    /// <summary>The module folder: where MeshCluster.dll and MeshCluster.Contracts.dll are.</summary>
    public static string ModuleDirectory => Path.GetDirectoryName(typeof(DependencyLoadContext).Assembly.Location)!;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // Anything not shipped in Dependencies (System.*, System.Management.Automation, the contracts)
        // comes from the default context, so PowerShell's types and ours are shared with the engine.
        if (assemblyName.Name == ContractsAssemblyName) return Default.LoadFromAssemblyName(assemblyName);
        var path = Path.Combine(_directory, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }
}
