using System.Management.Automation;
using System.Text;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Files;

namespace MeshCluster.Engine.Trust;

/// <summary>A file to write: a key file is readable by its owner only, from the moment it exists.</summary>
public sealed record TrustFile(string Path, string Content, bool OwnerOnly)
{
    /// <summary>Names the file only: the content may be a private key.</summary>
    public override string ToString() => Path;
}

/// <summary>
/// Writes certificate and key files all or nothing: each goes to a temporary neighbour created with its final permissions
/// (0600 for a key on Unix; on Windows an ACL granting the current user alone, inheritance cut), then all are renamed into
/// place. On any failure the temporaries, the files placed so far and the folders made are removed again.
/// </summary>
public static class TrustFileWriter
{
    /// <summary>
    /// Before anything is made: CertificatePathInvalid for a file where a folder should be, or a folder where a file should be.
    /// Returns the files that exist already.
    /// </summary>
    public static IReadOnlyList<string> Check(string folder, IEnumerable<string> files)
    {
        for (var dir = folder; !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(dir)) throw PathInvalid(dir, $"'{Printable.Quote(dir)}' is a file; the certificates need a folder there");
        }

        var existing = new List<string>();
        foreach (var file in files)
        {
            if (Directory.Exists(file)) throw PathInvalid(file, $"'{Printable.Quote(file)}' is a folder where the file {Path.GetFileName(file)} belongs");
            if (File.Exists(file)) existing.Add(file);
        }

        return existing;
    }

    /// <summary>Writes every file or none; an existing file is replaced only with <paramref name="overwrite"/>, else <paramref name="exists"/> is thrown.</summary>
    public static void WriteAll(IReadOnlyList<TrustFile> files, bool overwrite, Func<string, MeshClusterException> exists)
    {
        var madeFolders = new List<string>();
        var temporaries = new List<(string Temporary, string Final)>();
        var placed = new List<string>();
        var current = files.Count > 0 ? files[0].Path : string.Empty;
        try
        {
            foreach (var folder in files.Select(f => Path.GetDirectoryName(f.Path)!).Distinct(StringComparer.Ordinal))
            {
                MakeFolder(folder, madeFolders);
            }

            foreach (var file in files)
            {
                current = file.Path;
                var temporary = Path.Combine(Path.GetDirectoryName(file.Path)!, $".{Path.GetFileName(file.Path)}.{Guid.NewGuid():N}.tmp");
                temporaries.Add((temporary, file.Path));
                WriteNew(temporary, file.Content, file.OwnerOnly);
            }

            foreach (var (temporary, final) in temporaries)
            {
                current = final;
                var existed = File.Exists(final);
                File.Move(temporary, final, overwrite);
                if (!existed) placed.Add(final);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            Undo(temporaries, placed, madeFolders);
            if (!overwrite && ex is IOException && File.Exists(current) && !placed.Contains(current)) throw exists(current);
            throw new MeshClusterException(ErrorIds.CertificateFileWriteFailed, ErrorCategory.WriteError,
                $"Cannot write '{Printable.Quote(current)}': {Printable.Quote(ex.Message.TrimEnd('.'))}. Nothing was written.", target: current, inner: ex);
        }
    }

    public static MeshClusterException PathInvalid(string path, string message) =>
        new(ErrorIds.CertificatePathInvalid, ErrorCategory.InvalidArgument, message + ". Nothing was written.", target: path);

    private static void MakeFolder(string folder, List<string> made)
    {
        var missing = new Stack<string>();
        for (var dir = folder; !string.IsNullOrEmpty(dir) && !Directory.Exists(dir); dir = Path.GetDirectoryName(dir)) missing.Push(dir);
        while (missing.TryPop(out var dir))
        {
            Directory.CreateDirectory(dir);
            made.Add(dir);
        }
    }

    private static void WriteNew(string path, string content, bool ownerOnly)
    {
        using var stream = PrivateFile.CreateNew(path, ownerOnly);
        var bytes = new UTF8Encoding(false).GetBytes(content);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    private static void Undo(List<(string Temporary, string Final)> temporaries, List<string> placed, List<string> madeFolders)
    {
        foreach (var path in temporaries.Select(t => t.Temporary).Concat(placed))
        {
            try { File.Delete(path); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { /* best effort: the error names the first failure */ }
        }

        for (var i = madeFolders.Count - 1; i >= 0; i--)
        {
            try { Directory.Delete(madeFolders[i]); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { /* not empty or gone */ }
        }
    }
}
