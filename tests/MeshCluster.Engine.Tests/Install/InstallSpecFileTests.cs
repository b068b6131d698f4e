using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Install;

namespace MeshCluster.Engine.Tests.Install;

public sealed class InstallSpecFileTests() : TempFolderTest("spec-file-")
{
    [Fact]
    public void Creates_folders()
    {
        var path = Path.Combine(TempDir, "a", "b", "install.yaml");
        InstallSpecFile.Write(path, "kind: IstioOperator\n", force: false);
        Assert.Equal("kind: IstioOperator\n", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void Keeps_an_existing_file_without_Force()
    {
        var path = Path.Combine(TempDir, "install.yaml");
        File.WriteAllText(path, "old");
        var ex = Assert.Throws<MeshClusterException>(() => InstallSpecFile.Write(path, "new", force: false));
        Assert.Equal(ErrorIds.InstallSpecFileExists, ex.ErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, ex.Category);
        Assert.Equal(path, ex.Target);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(TempDir));
    }

    [Fact]
    public void Force_overwrites()
    {
        var path = Path.Combine(TempDir, "install.yaml");
        File.WriteAllText(path, "old");
        InstallSpecFile.Write(path, "new", force: true);
        Assert.Equal("new", File.ReadAllText(path));
    }

    [Fact]
    public void A_folder_is_not_overwritten_even_with_Force()
    {
        var ex = Assert.Throws<MeshClusterException>(() => InstallSpecFile.Write(TempDir, "new", force: true));
        Assert.Equal(ErrorIds.InstallSpecFileExists, ex.ErrorId);
        Assert.True(Directory.Exists(TempDir));
    }
}
