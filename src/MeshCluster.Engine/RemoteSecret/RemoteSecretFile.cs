using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Files;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>-OutFile: the remote secret as YAML, in a file readable by its owner only, replaced whole or not at all.</summary>
public static class RemoteSecretFile
{
    public static void Write(string path, string content) =>
        PrivateFile.Write(path, content, reason => new MeshClusterException(ErrorIds.RemoteSecretFileFailed, ErrorCategory.WriteError,
            $"Cannot write the remote secret to '{path}': {reason}.", target: path));
}
