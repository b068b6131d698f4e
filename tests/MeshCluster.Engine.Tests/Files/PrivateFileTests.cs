using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;
using MeshCluster.Engine.Files;

namespace MeshCluster.Engine.Tests.Files;

public sealed class PrivateFileTests() : TempFolderTest("private-file-")
{
    private static Exception Failed(string reason) => new InvalidOperationException(reason);

    [Fact]
    public void Replaces_the_whole_file_and_leaves_no_temporary_file()
    {
        var path = Path.Combine(TempDir, "secret.yaml");
        File.WriteAllText(path, "old and longer content\n");
        PrivateFile.Write(path, "new\n", Failed);
        Assert.Equal("new\n", File.ReadAllText(path));
        Assert.Equal(new[] { path }, Directory.GetFileSystemEntries(TempDir));
    }

    [Fact]
    public void Creates_missing_folders_when_asked_and_refuses_a_folder_as_the_file()
    {
        var path = Path.Combine(TempDir, "a", "b", "secret.yaml");
        Assert.Throws<InvalidOperationException>(() => PrivateFile.Write(path, "x", Failed));
        PrivateFile.Write(path, "x", Failed, createFolder: true);
        Assert.Equal("x", File.ReadAllText(path));
        Assert.Contains("is a folder", Assert.Throws<InvalidOperationException>(() => PrivateFile.Write(TempDir, "x", Failed)).Message);
    }

    [Fact]
    public void Without_overwrite_an_existing_file_is_kept()
    {
        var path = Path.Combine(TempDir, "key.pem");
        File.WriteAllText(path, "mine");
        Assert.Contains("exists", Assert.Throws<InvalidOperationException>(() => PrivateFile.Write(path, "theirs", Failed, overwrite: false)).Message);
        Assert.Equal("mine", File.ReadAllText(path));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void On_Unix_the_file_is_0600_even_over_a_0644_one()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");
        var path = Path.Combine(TempDir, "secret.yaml");
        File.WriteAllText(path, "old");
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
        PrivateFile.Write(path, "new", Failed);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    [SupportedOSPlatform("windows")]
    public void On_Windows_the_ACL_grants_the_current_user_alone_and_inherits_nothing()
    {
        Assert.SkipUnless(OperatingSystem.IsWindows(), "Windows ACLs (this runs on Windows only)");
        var path = Path.Combine(TempDir, "secret.yaml");
        PrivateFile.Write(path, "new", Failed);
        var security = new FileInfo(path).GetAccessControl();
        var me = WindowsIdentity.GetCurrent().User!;
        Assert.True(security.AreAccessRulesProtected);
        var rule = Assert.Single(security.GetAccessRules(true, true, typeof(SecurityIdentifier)).Cast<FileSystemAccessRule>());
        Assert.Equal(me, rule.IdentityReference);
        Assert.Equal(AccessControlType.Allow, rule.AccessControlType);
        Assert.Equal(FileSystemRights.FullControl, rule.FileSystemRights & FileSystemRights.FullControl);
    }
}
