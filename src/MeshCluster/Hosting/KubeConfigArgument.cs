namespace MeshCluster.Hosting;

/// <summary>
/// -KubeConfig as PowerShell users write it. On Linux and macOS ':' both separates kubeconfig files
/// (as in KUBECONFIG) and ends a PowerShell drive name, so <c>TestDrive:/mesh.yaml</c> would split
/// into two files. A piece that names a file-system drive is joined with the piece after it and made
/// a file-system path before the engine splits the list.
/// </summary>
internal static class KubeConfigArgument
{
    /// <param name="value">The -KubeConfig text.</param>
    /// <param name="isFileSystemDrive">Whether a name is a PowerShell drive of the FileSystem provider.</param>
    /// <param name="toProviderPath">A PowerShell path as a file-system path.</param>
    public static string? WithDrivesResolved(string? value, Func<string, bool> isFileSystemDrive, Func<string, string> toProviderPath)
    {
        if (string.IsNullOrEmpty(value) || Path.PathSeparator != ':' || !value.Contains(':')) return value;
        var pieces = value.Split(':');
        var result = new List<string>(pieces.Length);
        for (var i = 0; i < pieces.Length; i++)
        {
            var name = pieces[i].Trim();
            if (i + 1 < pieces.Length && name.Length > 0 && !name.Contains('/') && isFileSystemDrive(name))
            {
                result.Add(toProviderPath(name + ":" + pieces[++i]));
            }
            else
            {
                result.Add(pieces[i]);
            }
        }

        return string.Join(':', result);
    }
}
