using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;
using System.Text;

namespace MeshCluster.Engine.Files;

/// <summary>
/// Writes a file that holds a credential or a private key: readable by its owner only from the first
/// byte (mode 0600 on Unix; on Windows an ACL that grants the current user alone, inheriting nothing),
/// and whole or not at all: the content goes to a new file beside the target, which then replaces the
/// target in one rename. A full disk or a crash leaves the old file as it was, never half a new one.
/// </summary>
public static class PrivateFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <param name="failed">Turns the reason (a folder, no access, disk full...) into the caller's error.</param>
    /// <param name="overwrite">False: an existing target is an error, checked again at the rename.</param>
    /// <param name="createFolder">Create the target's folder when missing (else a missing folder is an error).</param>
    public static void Write(string path, string content, Func<string, Exception> failed, bool overwrite = true, bool createFolder = false)
    {
        if (Directory.Exists(path)) throw failed("it is a folder; give a file path");
        if (!overwrite && File.Exists(path)) throw failed("the file exists");
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            if (createFolder) Directory.CreateDirectory(folder);
            using (var stream = CreateNew(temporary))
            {
                var bytes = new UTF8Encoding(false).GetBytes(content);
                stream.Write(bytes, 0, bytes.Length);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw failed(ex is UnauthorizedAccessException ? "access to it is denied" : ex.Message.TrimEnd('.'));
        }
        finally
        {
            try
            {
                if (File.Exists(temporary)) File.Delete(temporary);
            }
            catch (IOException)
            {
                // Best effort: the temporary file is owner-only, and the error above is what matters.
            }
        }
    }

    /// <summary>
    /// A new file (never an existing one) with its final permissions from the moment it exists: owner-only
    /// (0600; on Windows the ACL of <see cref="OwnerOnlySecurity"/>), or, for a certificate, readable by all (0644).
    /// </summary>
    public static FileStream CreateNew(string path, bool ownerOnly = true)
    {
        if (OperatingSystem.IsWindows() && ownerOnly) return CreateOwnerOnlyOnWindows(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = ownerOnly ? OwnerOnly : OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        return new FileStream(path, options);
    }

    [SupportedOSPlatform("windows")]
    private static FileStream CreateOwnerOnlyOnWindows(string path) =>
        new FileInfo(path).Create(FileMode.CreateNew, FileSystemRights.Write | FileSystemRights.ReadPermissions, FileShare.None, 4096,
            FileOptions.None, OwnerOnlySecurity(WindowsIdentity.GetCurrent().User
                ?? throw new UnauthorizedAccessException("The current Windows user has no security identifier.")));

    /// <summary>An ACL that grants <paramref name="owner"/> alone full control and inherits nothing from the folder.</summary>
    [SupportedOSPlatform("windows")]
    public static FileSecurity OwnerOnlySecurity(SecurityIdentifier owner)
    {
        var security = new FileSecurity();
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        security.SetOwner(owner);
        security.AddAccessRule(new FileSystemAccessRule(owner, FileSystemRights.FullControl, AccessControlType.Allow));
        return security;
    }
}
