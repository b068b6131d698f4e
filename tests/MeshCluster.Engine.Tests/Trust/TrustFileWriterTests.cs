using System.Management.Automation;
using System.Runtime.Versioning;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Trust;
using static MeshCluster.Engine.Tests.Trust.TrustTestSupport;

namespace MeshCluster.Engine.Tests.Trust;

/// <summary>All or nothing, owner-only keys from the first byte, and every path problem with its id.</summary>
public sealed class TrustFileWriterTests
{
    private static MeshClusterException NotExpected(string path) => throw new InvalidOperationException("no file should exist: " + path);

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void Key_files_are_owner_only_and_certificates_readable_and_no_temporary_is_left()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix modes: the Windows ACL is made by FileSystemAclExtensions and checked on Windows only.");
        using var dir = new TempFolder();
        TrustFileWriter.WriteAll(new[]
        {
            new TrustFile(dir["a/key.pem"], "secret", OwnerOnly: true),
            new TrustFile(dir["a/cert.pem"], "public", OwnerOnly: false),
        }, overwrite: false, NotExpected);

        Assert.Equal(new[] { "a", "a/cert.pem", "a/key.pem" }, FilesUnder(dir.Path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir["a/key.pem"]));
        Assert.True(File.GetUnixFileMode(dir["a/cert.pem"]).HasFlag(UnixFileMode.OtherRead));
        Assert.Equal("secret", File.ReadAllText(dir["a/key.pem"]));
    }

    [Fact]
    public void A_failure_after_the_first_file_removes_everything_it_wrote_and_the_folders_it_made()
    {
        using var dir = new TempFolder();
        // The second target is a folder with content: its rename fails after the first file is in place.
        Directory.CreateDirectory(dir["new/sub"]);
        Directory.CreateDirectory(dir["existing/blocker.pem/inside"]);

        var ex = Assert.Throws<MeshClusterException>(() => TrustFileWriter.WriteAll(new[]
        {
            new TrustFile(dir["existing/made/first.pem"], "one", OwnerOnly: true),
            new TrustFile(dir["existing/blocker.pem"], "two", OwnerOnly: false),
        }, overwrite: true, NotExpected));

        Assert.Equal(ErrorIds.CertificateFileWriteFailed, ex.ErrorId);
        Assert.Equal(ErrorCategory.WriteError, ex.Category);
        Assert.Equal(dir["existing/blocker.pem"], ex.Target);
        Assert.Contains("Nothing was written", ex.Message);
        // Only what was there before: the folder made for first.pem is gone again, and so are the temporaries.
        Assert.Equal(new[] { "existing", "existing/blocker.pem", "existing/blocker.pem/inside", "new", "new/sub" }, FilesUnder(dir.Path));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void An_unwritable_place_is_a_write_failure_with_nothing_left()
    {
        using var dir = new TempFolder();
        string target;
        if (OperatingSystem.IsLinux())
        {
            // Even root cannot make a folder in /proc: a place no permission bit governs.
            target = "/proc/meshcluster-test-" + Guid.NewGuid().ToString("N") + "/certs";
        }
        else
        {
            Assert.SkipWhen(OperatingSystem.IsWindows(), "needs /proc or Unix permissions");
            Directory.CreateDirectory(dir["locked"]);
            File.SetUnixFileMode(dir["locked"], UnixFileMode.UserRead | UnixFileMode.UserExecute);
            target = dir["locked/certs"];
        }

        var ex = Assert.Throws<MeshClusterException>(() => TrustFileWriter.WriteAll(new[] { new TrustFile(Path.Combine(target, "k.pem"), "k", true) }, false, NotExpected));
        Assert.Equal(ErrorIds.CertificateFileWriteFailed, ex.ErrorId);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public void A_file_that_appears_meanwhile_is_kept_without_overwrite()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir["k.pem"], "theirs");
        var ex = Assert.Throws<MeshClusterException>(() => TrustFileWriter.WriteAll(new[] { new TrustFile(dir["k.pem"], "ours", true) }, false,
            path => new MeshClusterException("Exists", ErrorCategory.ResourceExists, path, target: path)));
        Assert.Equal("Exists", ex.ErrorId);
        Assert.Equal("theirs", File.ReadAllText(dir["k.pem"]));
        Assert.Equal(new[] { "k.pem" }, FilesUnder(dir.Path));
    }

    [Fact]
    public void Check_finds_a_file_where_a_folder_belongs_and_a_folder_where_a_file_belongs()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir["file"], "x");
        var parent = Assert.Throws<MeshClusterException>(() => TrustFileWriter.Check(dir["file/certs"], new[] { dir["file/certs/a.pem"] }));
        Assert.Equal(ErrorIds.CertificatePathInvalid, parent.ErrorId);
        Assert.Equal(dir["file"], parent.Target);

        Directory.CreateDirectory(dir["certs/a.pem"]);
        var folder = Assert.Throws<MeshClusterException>(() => TrustFileWriter.Check(dir["certs"], new[] { dir["certs/a.pem"] }));
        Assert.Equal(ErrorIds.CertificatePathInvalid, folder.ErrorId);
        Assert.Equal(dir["certs/a.pem"], folder.Target);

        File.WriteAllText(dir["certs/b.pem"], "x");
        Assert.Equal(new[] { dir["certs/b.pem"] }, TrustFileWriter.Check(dir["certs"], new[] { dir["certs/b.pem"], dir["certs/c.pem"] }));
    }

    [Fact]
    public async Task The_trust_cmdlets_paths_refuse_a_file_where_the_folder_belongs_before_any_key()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir["certs"], "not a folder");
        var ex = await Assert.ThrowsAsync<MeshClusterException>(() => RootAsync(dir["certs"], CertificateKeyAlgorithm.Rsa));
        Assert.Equal(ErrorIds.CertificatePathInvalid, ex.ErrorId);

        var root = await RootAsync();
        Directory.CreateDirectory(dir["out/c1/ca-key.pem"]);
        var cluster = await Assert.ThrowsAsync<MeshClusterException>(() => IntermediatesAsync(root, dir["out"], "c1"));
        Assert.Equal(ErrorIds.CertificatePathInvalid, cluster.ErrorId);
        Assert.Equal(new[] { "certs", "out", "out/c1", "out/c1/ca-key.pem" }, FilesUnder(dir.Path));
    }
}
