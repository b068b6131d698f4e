using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace MeshCluster.Hosting;

/// <summary>
/// Routes the two assemblies MeshCluster.dll references but PowerShell cannot find on its own: the
/// engine (not next to it) goes to <see cref="DependencyLoadContext"/>, which then loads everything
/// the engine needs privately; the contracts (next to it) load into the default context.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    private static int s_registered;

    /// <summary>Called by Import-Module (the routing is normally in place already, see <see cref="OnAssemblyLoad"/>);
    /// starts the libraries' first-use work on a spare core, ahead of the first call.</summary>
    public void OnImport()
    {
        Register();
        StartWarmup();
    }

    // Its own method: the engine type is resolved (through the routing above) only when this runs.
    private static void StartWarmup() => MeshCluster.Engine.Warmup.Start();

    // PowerShell reflects over the cmdlet types (resolving the assemblies their signatures name) before
    // it calls OnImport; a module initializer runs as soon as MeshCluster.dll loads, ahead of all of that.
#pragma warning disable CA2255 // a library initializer is exactly what a binary module needs here
    [System.Runtime.CompilerServices.ModuleInitializer]
#pragma warning restore CA2255
    internal static void OnAssemblyLoad() => Register();

    internal static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
        {
            AssemblyLoadContext.Default.Resolving += Resolve;
        }
    }

    private static Assembly? Resolve(AssemblyLoadContext context, AssemblyName name) => name.Name switch
    {
        DependencyLoadContext.EngineAssemblyName => DependencyLoadContext.Instance.LoadFromAssemblyName(name),
        DependencyLoadContext.ContractsAssemblyName => context.LoadFromAssemblyPath(
            Path.Combine(DependencyLoadContext.ModuleDirectory, DependencyLoadContext.ContractsAssemblyName + ".dll")),
        _ => null,
    };
}
