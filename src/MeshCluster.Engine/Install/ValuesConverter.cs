using System.Collections;
using System.Globalization;
using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Input;

namespace MeshCluster.Engine.Install;

/// <summary>
/// -Values as plain .NET values (maps, lists, strings, numbers, booleans) for the YAML writer: hashtables,
/// PSCustomObjects and wrapped objects unwrapped. Walked with a depth limit and a check for a table that
/// holds itself, so no -Values can recurse without end (a stack overflow ends the whole PowerShell process).
/// </summary>
public static class ValuesConverter
{
    public static IReadOnlyDictionary<string, object?> ToPlain(IDictionary table) => Map(table, new List<object>(), "values");

    private static ValueMap Map(IDictionary table, List<object> path, string where)
    {
        Enter(table, path, where);
        var map = new ValueMap();
        foreach (DictionaryEntry entry in table)
        {
            var key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty;
            map[key] = Value(entry.Value, path, where + "." + key);
        }

        path.RemoveAt(path.Count - 1);
        return map;
    }

    private static object? Value(object? value, List<object> path, string where)
    {
        if (value is PSObject pso)
        {
            if (pso.BaseObject is PSCustomObject)
            {
                Enter(pso, path, where);
                var map = new ValueMap();
                foreach (var property in pso.Properties) map[property.Name] = Value(property.Value, path, where + "." + property.Name);
                path.RemoveAt(path.Count - 1);
                return map;
            }

            value = pso.BaseObject;
        }

        switch (value)
        {
            case IDictionary d:
                return Map(d, path, where);
            case string s:
                return s;
            case IEnumerable list:
                Enter(list, path, where);
                var items = new List<object?>();
                var i = 0;
                foreach (var item in list) items.Add(Value(item, path, $"{where}[{i++}]"));
                path.RemoveAt(path.Count - 1);
                return items;
            default:
                return value;
        }
    }

    /// <summary>Steps into a collection: refuses one already on the path (a cycle) and paths deeper than the limit.</summary>
    private static void Enter(object collection, List<object> path, string where)
    {
        if (path.Any(p => ReferenceEquals(p, collection)))
        {
            throw Invalid($"{where} contains itself", where);
        }

        if (path.Count >= InputLimits.MaxNesting)
        {
            throw Invalid($"it is nested deeper than {InputLimits.MaxNesting} levels (at {Shorten(where)})", "values");
        }

        path.Add(collection);
    }

    private static string Shorten(string where) => where.Length <= 120 ? where : where[..60] + "..." + where[^50..];

    private static MeshClusterException Invalid(string why, string target) =>
        new(ErrorIds.InstallSpecValuesInvalid, ErrorCategory.InvalidArgument, $"-Values cannot be used: {why}.", target: "-Values " + Shorten(target));
}
