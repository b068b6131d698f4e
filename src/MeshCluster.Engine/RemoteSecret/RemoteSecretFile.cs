using System.Management.Automation;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>Writes a file that holds a credential: readable by its owner only, from the first byte.</summary>
public static class RemoteSecretFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void Write(string path, string content)
    {
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                // UnixCreateMode applies only to a new file; an existing one is narrowed before it is truncated and written.
                options.UnixCreateMode = OwnerOnly;
                if (File.Exists(path)) File.SetUnixFileMode(path, OwnerOnly);
            }

            using var stream = new FileStream(path, options);
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false));
            writer.Write(content);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new MeshClusterException(ErrorIds.RemoteSecretFileFailed, ErrorCategory.WriteError,
                $"Cannot write the remote secret to '{path}': {ex.Message.TrimEnd('.')}.", target: path);
        }
    }
}
