using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace MeshCluster.Hosting;

/// <summary>
/// Runs when Import-Module loads MeshCluster.dll. The cmdlet assembly references MeshCluster.Engine,
/// which is not next to it; the default context's Resolving event hands that one name (only) to
/// <see cref="DependencyLoadContext"/>, which then loads everything the engine needs privately.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    private static int s_registered;

    public void OnImport() => Register();

    // PowerShell reflects over the cmdlet types (and so resolves MeshCluster.Engine) before it calls
    // OnImport; a module initializer runs as soon as the assembly loads, ahead of all of that.
#pragma warning disable CA2255 // a library initializer is exactly what a binary module needs here
    [System.Runtime.CompilerServices.ModuleInitializer]
#pragma warning restore CA2255
    internal static void OnAssemblyLoad() => Register();

    internal static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
        {
            AssemblyLoadContext.Default.Resolving += ResolveEngine;
        }
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == DependencyLoadContext.EngineAssemblyName
            ? DependencyLoadContext.Instance.LoadFromAssemblyName(name)
            : null;
}
