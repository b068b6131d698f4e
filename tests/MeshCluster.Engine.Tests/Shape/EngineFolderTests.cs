using System.Text.RegularExpressions;

namespace MeshCluster.Engine.Tests.Shape;

/// <summary>
/// The engine's folders are concerns that lean on each other one way: a folder's namespace is its name, and no
/// two folders reach each other, directly or round a loop (remote secrets once lived in two folders that did).
/// Read from the source, so a new file is judged without being listed here.
/// </summary>
public sealed partial class EngineFolderTests
{
    private static readonly string EngineSource = Path.Combine(FindRoot(), "src", "MeshCluster.Engine");

    [Fact]
    public void Each_file_is_in_the_namespace_of_its_top_folder()
    {
        var misplaced = SourceFiles()
            .Where(f => f.Namespace != (f.Folder is null ? "MeshCluster.Engine" : "MeshCluster.Engine." + f.Folder)
                // Reporting's reporter and redactor are in the root namespace, which every engine namespace sees.
                && !(f.Folder == "Reporting" && f.Namespace == "MeshCluster.Engine"))
            .Select(f => $"{f.Path}: namespace {f.Namespace}")
            .ToList();

        Assert.Empty(misplaced);
    }

    [Fact]
    public void No_two_engine_folders_depend_on_each_other_round_a_loop()
    {
        var graph = Dependencies();
        Assert.Contains("Errors", graph["RemoteSecret"]); // the reading works: a known edge is seen

        var cycle = FindCycle(graph);

        Assert.True(cycle is null, "engine folders in a loop: " + string.Join(" -> ", cycle ?? []));
    }

    [Fact]
    public void A_loop_between_folders_is_found()
    {
        var graph = new Dictionary<string, HashSet<string>>
        {
            ["DayTwo"] = ["RemoteSecret", "Errors"],
            ["RemoteSecret"] = ["Http", "DayTwo"],
            ["Http"] = ["Errors"],
            ["Errors"] = [],
        };

        Assert.Equal(["DayTwo", "RemoteSecret", "DayTwo"], FindCycle(graph));
        graph["RemoteSecret"].Remove("DayTwo");
        Assert.Null(FindCycle(graph));
    }

    private static Dictionary<string, HashSet<string>> Dependencies()
    {
        var graph = new Dictionary<string, HashSet<string>>();
        foreach (var file in SourceFiles().Where(f => f.Folder is not null))
        {
            var edges = graph.TryGetValue(file.Folder!, out var e) ? e : graph[file.Folder!] = [];
            foreach (Match m in EngineNamespace().Matches(File.ReadAllText(file.Path)))
            {
                if (m.Groups[1].Value != file.Folder) edges.Add(m.Groups[1].Value);
            }
        }

        return graph;
    }

    private static List<string>? FindCycle(Dictionary<string, HashSet<string>> graph)
    {
        var done = new HashSet<string>();
        var path = new List<string>();

        List<string>? Visit(string node)
        {
            var at = path.IndexOf(node);
            if (at >= 0) return [.. path[at..], node];
            if (!done.Add(node)) return null;
            path.Add(node);
            foreach (var next in (graph.TryGetValue(node, out var edges) ? edges : []).Order(StringComparer.Ordinal))
            {
                if (Visit(next) is { } cycle) return cycle;
            }

            path.RemoveAt(path.Count - 1);
            return null;
        }

        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (Visit(node) is { } cycle) return cycle;
        }

        return null;
    }

    private sealed record SourceFile(string Path, string? Folder, string Namespace);

    private static IEnumerable<SourceFile> SourceFiles()
    {
        foreach (var path in Directory.EnumerateFiles(EngineSource, "*.cs", SearchOption.AllDirectories))
        {
            var parts = System.IO.Path.GetRelativePath(EngineSource, path).Split(System.IO.Path.DirectorySeparatorChar);
            if (parts[0] is "bin" or "obj") continue;
            var ns = FileNamespace().Match(File.ReadAllText(path));
            yield return new SourceFile(path, parts.Length > 1 ? parts[0] : null, ns.Success ? ns.Groups[1].Value : "(none)");
        }
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "MeshCluster.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("MeshCluster.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^namespace ([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex FileNamespace();

    [GeneratedRegex(@"\bMeshCluster\.Engine\.([A-Z]\w*)")]
    private static partial Regex EngineNamespace();
}
