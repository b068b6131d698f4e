using System.IO.Compression;

namespace MeshCluster.Benchmarks;

/// <summary>
/// What a user downloads: the module folder's size (all files, and Dependencies/ apart) and the folder zipped as the package
/// zips it (a .nupkg is this zip plus its nuspec and a few small NuGet files), against issue 21's goal of no more than 1.5x the
/// folder before it.
/// </summary>
internal static class ModuleSize
{
    /// <summary>The module folder of main before issue 21 (out/MeshCluster, du -sb): KubernetesClient, YamlDotNet, the engine.</summary>
    private const long FolderBeforeIssue21 = 13_017_409;

    public static void Report(string manifest, Report report)
    {
        var folder = Path.GetDirectoryName(manifest)!;
        var files = Directory.GetFiles(folder, "*", SearchOption.AllDirectories);
        long Size(IEnumerable<string> paths) => paths.Sum(f => new FileInfo(f).Length);
        var total = Size(files);
        var dependencies = Path.Combine(folder, "Dependencies") + Path.DirectorySeparatorChar;
        var zipped = Zipped(folder);
        var biggest = files.OrderByDescending(f => new FileInfo(f).Length).Take(3).Select(f => $"{Path.GetRelativePath(folder, f)} {Mb(new FileInfo(f).Length)}");
        report.Note($"size: module folder {Mb(total)} in {files.Length} files (Dependencies/ {Mb(Size(files.Where(f => f.StartsWith(dependencies, StringComparison.Ordinal))))}); " +
                    $"zipped as the package zips it {Mb(zipped)}; largest: {string.Join(", ", biggest)}");
        report.Goal("module folder no larger than 1.5x the folder before issue 21 (" + Mb(FolderBeforeIssue21) + ")",
            $"{Mb(total)} = {total / (double)FolderBeforeIssue21:0.00}x", total <= 1.5 * FolderBeforeIssue21);
    }

    private static long Zipped(string folder)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories))
            {
                zip.CreateEntryFromFile(file, Path.GetRelativePath(folder, file), CompressionLevel.Optimal);
            }
        }

        return buffer.Length;
    }

    private static string Mb(long bytes) => $"{bytes / 1_000_000.0:0.0} MB";
}
