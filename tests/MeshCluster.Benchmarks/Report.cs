using System.Text;

namespace MeshCluster.Benchmarks;

/// <summary>Repeated measurements of one thing; the machine is shared, so the median and the minimum both matter.</summary>
internal sealed class Samples
{
    private readonly List<double> _values = new();

    public Samples(IEnumerable<double>? values = null)
    {
        if (values is not null) _values.AddRange(values);
    }

    public int Count => _values.Count;
    public void Add(double value) => _values.Add(value);
    public double Min => _values.Count == 0 ? double.NaN : _values.Min();
    public double Max => _values.Count == 0 ? double.NaN : _values.Max();

    public double Median
    {
        get
        {
            if (_values.Count == 0) return double.NaN;
            var sorted = _values.Order().ToArray();
            return (sorted[(sorted.Length - 1) / 2] + sorted[sorted.Length / 2]) / 2;
        }
    }
}

/// <summary>One line of the table: a time in ms (median, min, max), optionally a peak memory in MiB (median of the runs).</summary>
internal sealed record Row(string Group, string Name, Samples Ms, Samples? PeakMiB = null, string Note = "");

/// <summary>Collects rows, ratios and goal lines, and prints them as one table at the end (and each group's rows as it finishes).</summary>
internal sealed class Report
{
    private readonly List<string> _header = new();
    private readonly List<Row> _rows = new();
    private readonly List<string> _ratios = new();
    private readonly List<string> _goals = new();
    private readonly List<string> _notes = new();

    public void Header(string line) => _header.Add(line);
    public void Note(string line) => _notes.Add(line);
    public void Ratio(string line) => _ratios.Add(line);

    public void Goal(string goal, string figure, bool? met) =>
        _goals.Add($"{goal}: {figure}{met switch { true => "  -> met", false => "  -> NOT met", null => "" }}");

    public Row Add(Row row)
    {
        _rows.Add(row);
        Console.WriteLine($"  {Format(row)}");
        return row;
    }

    public void Print()
    {
        var text = new StringBuilder();
        text.AppendLine().AppendLine(new string('=', 134));
        foreach (var line in _header) text.AppendLine(line);
        text.AppendLine();
        text.AppendLine($"{"group",-7} {"measurement",-72} {"n",4} {"median",9} {"min",9} {"max",9} {"peak MiB",9}  note");
        text.AppendLine(new string('-', 134));
        string? group = null;
        foreach (var row in _rows)
        {
            if (group is not null && row.Group != group) text.AppendLine();
            group = row.Group;
            text.AppendLine(Format(row));
        }

        Section(text, "Ratios", _ratios);
        Section(text, "Speed goals (measured here, not asserted)", _goals);
        Section(text, "Notes", _notes);
        text.AppendLine(new string('=', 134));
        Console.Write(text.ToString());
    }

    private static void Section(StringBuilder text, string title, List<string> lines)
    {
        if (lines.Count == 0) return;
        text.AppendLine().AppendLine(title + ":");
        foreach (var line in lines) text.AppendLine("  " + line);
    }

    private static string Format(Row row)
    {
        var name = row.Name.Length > 72 ? row.Name[..71] + "…" : row.Name;
        var mem = row.PeakMiB is { Count: > 0 } m ? m.Median.ToString("0.0") : "";
        return $"{row.Group,-7} {name,-72} {row.Ms.Count,4} {Ms(row.Ms.Median),9} {Ms(row.Ms.Min),9} {Ms(row.Ms.Max),9} {mem,9}  {row.Note}";
    }

    /// <summary>Milliseconds with the digits that mean something at that size.</summary>
    public static string Ms(double ms) => double.IsNaN(ms) ? "-" : Math.Abs(ms) switch
    {
        < 10 => $"{ms:0.00} ms",
        < 100 => $"{ms:0.0} ms",
        < 10_000 => $"{ms:0} ms",
        _ => $"{ms / 1000:0.0} s",
    };

    public static string X(double ratio) => double.IsNaN(ratio) ? "-" : $"{ratio:0.00}x";
}
