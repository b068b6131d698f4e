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
