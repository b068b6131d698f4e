using System.Management.Automation;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.Trust;

/// <summary>Reads certificate and key files, telling a missing file, a folder in its place and an unreadable one apart.</summary>
internal static class TrustFileReader
{
    /// <summary>The folder must exist and be a folder: <paramref name="notFound"/> or CertificatePathInvalid otherwise.</summary>
    public static void RequireFolder(string folder, Func<string, MeshClusterException> notFound)
    {
        if (File.Exists(folder)) throw TrustFileWriter.PathInvalid(folder, $"'{folder}' is a file; give the folder that holds the certificates");
        if (!Directory.Exists(folder)) throw notFound(folder);
    }

    /// <summary>The files' text; every missing one is named in one <paramref name="notFound"/> error.</summary>
    public static string[] ReadAll(IReadOnlyList<string> paths, Func<IReadOnlyList<string>, MeshClusterException> notFound)
    {
        foreach (var path in paths)
        {
            if (Directory.Exists(path)) throw TrustFileWriter.PathInvalid(path, $"'{path}' is a folder where the file {Path.GetFileName(path)} belongs");
        }

        var missing = paths.Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0) throw notFound(missing);
        return paths.Select(Read).ToArray();
    }

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MeshClusterException(ErrorIds.CertificateFileReadFailed, ErrorCategory.ReadError,
                $"Cannot read '{path}': {ex.Message.TrimEnd('.')}.", target: path, inner: ex);
        }
    }
}
