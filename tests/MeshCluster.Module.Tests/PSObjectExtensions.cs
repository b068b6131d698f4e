using System.Management.Automation;

namespace MeshCluster.Module.Tests;

/// <summary>Reading output objects through PowerShell (the tests do not reference the module's assemblies).</summary>
internal static class PSObjectExtensions
{
    /// <summary>A property's value as PowerShell sees it, unwrapped; an enum as its name.</summary>
    public static object? Prop(this PSObject o, string name) => o.Properties[name]?.Value switch
    {
        PSObject inner => inner.BaseObject,
        Enum e => e.ToString(),
        var v => v,
    };
}
