using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace MeshCluster.Engine.Input;

/// <summary>A YAML mapping: keys in document order, each value with the line it starts on.</summary>
public sealed class YamlMap
{
    private readonly Dictionary<string, (object? Value, int Line)> _entries = new(StringComparer.Ordinal);

    public YamlMap(int line) => Line = line;

    /// <summary>The line the mapping starts on (1-based).</summary>
    public int Line { get; }

    public IEnumerable<string> Keys => _entries.Keys;

    public bool TryGet(string key, out object? value, out int line)
    {
        var found = _entries.TryGetValue(key, out var entry);
        (value, line) = entry;
        return found;
    }

    internal bool Add(string key, object? value, int line) => _entries.TryAdd(key, (value, line));
}

/// <summary>A YAML scalar as written, and whether it was quoted (a quoted "true" is a string, not a boolean).</summary>
public sealed record YamlScalar(string Value, bool Quoted, int Line)
{
    /// <summary>A plain ~, null or empty scalar: YAML's null.</summary>
    public bool IsNull => !Quoted && Value is "" or "~" or "null" or "Null" or "NULL";
}

/// <summary>
/// A YAML document as plain values (<see cref="YamlMap"/>, <see cref="List{T}"/> of object?, <see cref="YamlScalar"/>), built
/// from YamlDotNet's event parser with an explicit stack: no recursion however deep the input, a nesting limit
/// checked on the way, and none of the reflection a typed deserializer needs (which made the first kubeconfig
/// read of a session cost a quarter of a second).
/// </summary>
public static class YamlTree
{
    /// <summary>The first document's root (null for an empty text); <paramref name="invalid"/> gets the reason, with a line, never content.</summary>
    public static object? Parse(string text, Func<string, Exception> invalid)
    {
        var anchors = new Dictionary<string, object?>(StringComparer.Ordinal);
        // Open collections, each with the key it waits a value for (mappings) and its anchor.
        var open = new Stack<(object Node, string? PendingKey, int PendingLine, string? Anchor)>();
        object? root = null;
        var rootSet = false;
        try
        {
            var parser = new Parser(new StringReader(text));
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                switch (current)
                {
                    case DocumentEnd when rootSet:
                        return root;
                    case MappingStart m:
                        if (open.Count >= InputLimits.MaxNesting) throw invalid($"it is nested deeper than {InputLimits.MaxNesting} levels (line {m.Start.Line})");
                        open.Push((new YamlMap((int)m.Start.Line), null, 0, AnchorOf(m.Anchor)));
                        break;
                    case SequenceStart q:
                        if (open.Count >= InputLimits.MaxNesting) throw invalid($"it is nested deeper than {InputLimits.MaxNesting} levels (line {q.Start.Line})");
                        open.Push((new List<object?>(), null, 0, AnchorOf(q.Anchor)));
                        break;
                    case MappingEnd or SequenceEnd:
                        var closed = open.Pop();
                        if (closed.Anchor is not null) anchors[closed.Anchor] = closed.Node;
                        Place(closed.Node, (int)current.Start.Line);
                        break;
                    case Scalar s:
                        var scalar = new YamlScalar(s.Value, s.Style is not ScalarStyle.Plain, (int)s.Start.Line);
                        if (AnchorOf(s.Anchor) is { } anchor) anchors[anchor] = scalar;
                        Place(scalar, (int)s.Start.Line);
                        break;
                    case AnchorAlias alias:
                        if (!anchors.TryGetValue(alias.Value.Value, out var target)) throw invalid($"it refers to an unknown anchor (line {alias.Start.Line})");
                        Place(target, (int)alias.Start.Line);
                        break;
                }
            }
        }
        catch (YamlException ex)
        {
            throw invalid($"it is not valid YAML (line {ex.Start.Line}, column {ex.Start.Column}: {Innermost(ex).Message.TrimEnd('.')})");
        }

        return root;

        void Place(object? value, int line)
        {
            if (open.Count == 0)
            {
                root = value;
                rootSet = true;
                return;
            }

            var (node, pendingKey, pendingLine, anchor) = open.Pop();
            if (node is List<object?> list)
            {
                list.Add(value);
                open.Push((node, null, 0, anchor));
            }
            else if (pendingKey is null)
            {
                // A key: kubeconfig keys are scalars; a collection as a key is no kubeconfig.
                if (value is not YamlScalar key) throw invalid($"a mapping key is not a plain value (line {line})");
                open.Push((node, key.Value, line, anchor));
            }
            else
            {
                if (!((YamlMap)node).Add(pendingKey, value is YamlScalar { IsNull: true } ? null : value, pendingLine))
                {
                    throw invalid($"the key '{pendingKey}' appears twice in one mapping (line {pendingLine})");
                }

                open.Push((node, null, 0, anchor));
            }
        }
    }

    private static string? AnchorOf(AnchorName anchor) => anchor.IsEmpty ? null : anchor.Value;

    private static Exception Innermost(Exception ex) => ex.InnerException is null ? ex : Innermost(ex.InnerException);
}
