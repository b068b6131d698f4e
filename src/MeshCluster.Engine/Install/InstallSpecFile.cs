using System.Management.Automation;
using System.Text;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.Install;

/// <summary>Writes a spec file: folders are made, an existing file is kept unless forced.</summary>
public static class InstallSpecFile
{
    /// <summary>Fails with InstallSpecFileExists before anything is written (call before ShouldProcess, too).</summary>
    public static void CheckWritable(string path, bool force)
    {
        if (Directory.Exists(path))
        {
            throw new MeshClusterException(ErrorIds.InstallSpecFileExists, ErrorCategory.ResourceExists,
                $"'{path}' is a folder; give a file path for the spec.", target: path);
        }

        if (File.Exists(path) && !force)
        {
            throw new MeshClusterException(ErrorIds.InstallSpecFileExists, ErrorCategory.ResourceExists,
                $"The file '{path}' exists and was kept. Use -Force to overwrite it.", target: path);
        }
    }

    /// <summary>Writes the spec's YAML to <paramref name="path"/> and returns the spec that says where it is.</summary>
    public static IstioRemoteInstallSpec Write(IstioRemoteInstallSpec spec, string path, bool force)
    {
        Write(path, spec.Yaml, force);
        return new IstioRemoteInstallSpec(spec.ClusterName, spec.Network, spec.MeshId, spec.RemotePilotAddress, spec.Profile, spec.Namespace, path, spec.Yaml,
            spec.PrimaryClusterName);
    }

    /// <summary>Writes <paramref name="yaml"/> to a neighbour file, then moves it over <paramref name="path"/>.</summary>
    public static void Write(string path, string yaml, bool force)
    {
        CheckWritable(path, force);
        var folder = Path.GetDirectoryName(path);
        // Written to a neighbour then moved, so a failure never leaves half a spec behind.
        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
            File.WriteAllText(temp, yaml, new UTF8Encoding(false));
            File.Move(temp, path, overwrite: force);
        }
        catch (IOException ex) when (!force && File.Exists(path))
        {
            throw new MeshClusterException(ErrorIds.InstallSpecFileExists, ErrorCategory.ResourceExists,
                $"The file '{path}' appeared while the spec was written and was kept. Use -Force to overwrite it.", target: path, inner: ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MeshClusterException(ErrorIds.InstallSpecFileWriteFailed, ErrorCategory.WriteError,
                $"The spec could not be written to '{path}': {ex.Message.TrimEnd('.')}.", target: path, inner: ex);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
