using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Input;

namespace MeshCluster.Engine.Trust;

/// <summary>
/// Reads certificate and key files, telling a missing file, a folder in its place, an unreadable one and one too large apart. Every
/// file is read through one bounded loop (issue 20, point 4): a file without end (/dev/zero, a pipe fed forever) stops at the bound,
/// a huge sparse one is refused by its length before a byte is read.
/// </summary>
internal static class TrustFileReader
{
    /// <summary>
    /// The largest certificate or key file read: 1 MiB. Each of them is one certificate or key (a few KB; an RSA 8192 key is 6.5 KB in PEM)
    /// or goes whole into Secret cacerts, whose data Kubernetes caps at 1 MiB (MaxSecretSize, pkg/apis/core/validation): anything larger
    /// could never reach istiod.
    /// </summary>
    public const int MaxFileBytes = 1024 * 1024;

    /// <summary>The folder must exist and be a folder: <paramref name="notFound"/> or CertificatePathInvalid otherwise.</summary>
    public static void RequireFolder(string folder, Func<string, MeshClusterException> notFound)
    {
        if (File.Exists(folder)) throw TrustFileWriter.PathInvalid(folder, $"'{Printable.Quote(folder)}' is a file; give the folder that holds the certificates");
        if (!Directory.Exists(folder)) throw notFound(folder);
    }

    /// <summary>
    /// The files' text; every missing one is named in one <paramref name="notFound"/> error. For each of <paramref name="keys"/> (private
    /// key files) a warning before it is used when, on Unix, its group or others may read it.
    /// </summary>
    public static string[] ReadAll(IReadOnlyList<string> paths, Func<IReadOnlyList<string>, MeshClusterException> notFound,
        IReadOnlyCollection<string>? keys = null, IOperationReporter? reporter = null)
    {
        foreach (var path in paths)
        {
            if (Directory.Exists(path)) throw TrustFileWriter.PathInvalid(path, $"'{Printable.Quote(path)}' is a folder where the file {Path.GetFileName(path)} belongs");
        }

        var missing = paths.Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0) throw notFound(missing);
        return paths.Select(p => Read(p, keys?.Contains(p) == true ? reporter : null)).ToArray();
    }

    /// <summary>At most <see cref="MaxFileBytes"/> of the file, as UTF-8 text; <paramref name="keyReporter"/> set for a private key file.</summary>
    internal static string Read(string path, IOperationReporter? keyReporter = null)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 16 * 1024, FileOptions.SequentialScan);
            // The mode of what was opened (a symbolic link's target: the file whose bytes are the key), read before the key is used.
            if (keyReporter is not null && !OperatingSystem.IsWindows()) WarnIfShared(path, File.GetUnixFileMode(stream.SafeFileHandle), keyReporter);

            // A 200 MB or a sparse 1 TB file is refused before a byte is read; a device or a pipe is read up to the bound and no further.
            return InputLimits.ReadBounded(stream, MaxFileBytes, () => TooLarge(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MeshClusterException(ErrorIds.CertificateFileReadFailed, ErrorCategory.ReadError,
                $"Cannot read '{Printable.Quote(path)}': {Printable.Quote(ex.Message.TrimEnd('.'))}.", target: path, inner: ex);
        }
    }

    /// <summary>Group or world access to a private key, said before it is used (ssh refuses such a key; a mesh root's key signs every cluster's CA).</summary>
    private static void WarnIfShared(string path, UnixFileMode mode, IOperationReporter reporter)
    {
        const UnixFileMode shared = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
        if ((mode & shared) == 0) return;
        var who = (mode & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0 ? "every user of this machine" : "its group";
        reporter.Warning($"The private key file '{Printable.Quote(path)}' can be read or written by {who} (mode {Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0')}); " +
                         $"whoever reads it can sign certificates every cluster of the mesh trusts. Make it readable by its owner only (chmod 600).");
    }

    private static MeshClusterException TooLarge(string path) =>
        new(ErrorIds.CertificateFileTooLarge, ErrorCategory.LimitsExceeded,
            $"'{Printable.Quote(path)}' is larger than {MaxFileBytes / 1024 / 1024} MiB (or has no end, as a device or a pipe): no certificate or key file is, " +
            "and a Secret holds at most 1 MiB. Nothing past that was read.", target: path,
            recommendedAction: "Give the PEM file of the certificate or key itself.");
}
