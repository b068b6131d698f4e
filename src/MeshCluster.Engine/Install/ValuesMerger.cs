namespace MeshCluster.Engine.Install;

/// <summary>Deep merge of Helm-style values: nested maps merge key by key; anything else replaces.</summary>
public static class ValuesMerger
{
    /// <summary>Merges <paramref name="extra"/> into <paramref name="target"/> (changed in place).</summary>
    public static void Merge(ValueMap target, IReadOnlyDictionary<string, object?> extra)
    {
        foreach (var (key, value) in extra)
        {
            if (value is IReadOnlyDictionary<string, object?> nested && target.TryGetValue(key, out var existing) && existing is ValueMap existingMap)
            {
                Merge(existingMap, nested);
            }
            else
            {
                target[key] = Copy(value);
            }
        }
    }

    private static object? Copy(object? value) => value switch
    {
        IReadOnlyDictionary<string, object?> map => ValueMap.From(map.Select(kv => (kv.Key, Copy(kv.Value)))),
        string s => s,
        IEnumerable<object?> list => list.Select(Copy).ToList(),
        _ => value,
    };
}

/// <summary>A string-keyed map that keeps insertion order (the YAML key order); replacing a value keeps its place.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1710", Justification = "Named as what it holds, a YAML map of Helm values; renaming the type gains nothing.")]
public sealed class ValueMap : IReadOnlyDictionary<string, object?>
{
    private readonly List<string> _order = new();
    private readonly Dictionary<string, object?> _values = new(StringComparer.Ordinal);

    public static ValueMap From(IEnumerable<(string Key, object? Value)> entries)
    {
        var map = new ValueMap();
        foreach (var (k, v) in entries) map[k] = v;
        return map;
    }

    public object? this[string key]
    {
        get => _values[key];
        set
        {
            if (!_values.ContainsKey(key)) _order.Add(key);
            _values[key] = value;
        }
    }

    /// <summary>The map at <paramref name="key"/>, made (or replacing a scalar) when missing.</summary>
    public ValueMap Map(string key)
    {
        if (TryGetValue(key, out var v) && v is ValueMap m) return m;
        var created = new ValueMap();
        this[key] = created;
        return created;
    }

    public IEnumerable<string> Keys => _order;
    public IEnumerable<object?> Values => _order.Select(k => _values[k]);
    public int Count => _order.Count;
    public bool ContainsKey(string key) => _values.ContainsKey(key);
    public bool TryGetValue(string key, out object? value) => _values.TryGetValue(key, out value);
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _order.Select(k => new KeyValuePair<string, object?>(k, _values[k])).GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
