using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.RemoteSecret;

namespace MeshCluster.Engine.Tests.RemoteSecret;

public sealed class RemoteSecretFileTests() : TempFolderTest("meshcluster-rs-")
{
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_new_file_is_owner_only()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");
        var path = Path.Combine(TempDir, "secret.yaml");
        RemoteSecretFile.Write(path, "content\n");
        Assert.Equal("content\n", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void An_existing_readable_file_is_narrowed_and_replaced()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");
        var path = Path.Combine(TempDir, "secret.yaml");
        File.WriteAllText(path, "a much longer old content that must not survive\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100); // 0644
        RemoteSecretFile.Write(path, "new\n");
        Assert.Equal("new\n", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void A_missing_folder_gives_RemoteSecretFileFailed()
    {
        var path = Path.Combine(TempDir, "no-such-folder", "secret.yaml");
        var ex = Assert.Throws<MeshClusterException>(() => RemoteSecretFile.Write(path, "x"));
        Assert.Equal(ErrorIds.RemoteSecretFileFailed, ex.ErrorId);
        Assert.Equal(ErrorCategory.WriteError, ex.Category);
        Assert.Equal(path, ex.Target);
    }
}
