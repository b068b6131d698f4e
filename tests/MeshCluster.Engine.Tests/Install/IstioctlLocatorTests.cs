using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Install;

namespace MeshCluster.Engine.Tests.Install;

public sealed class IstioctlLocatorTests() : TempFolderTest("istioctl-locator-")
{
    private string MakeIstioctl(string folder, string name = "istioctl", bool executable = true)
    {
        var dir = Directory.CreateDirectory(Path.Combine(TempDir, folder)).FullName;
        var file = Path.Combine(dir, name);
        File.WriteAllText(file, "#!/bin/sh\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, executable ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute : UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return file;
    }

    [Fact]
    public void Explicit_path_wins_over_environment_and_PATH()
    {
        var explicitOne = MakeIstioctl("explicit");
        var env = MakeIstioctl("env");
        var onPath = MakeIstioctl("path");
        Assert.Equal(explicitOne, IstioctlLocator.Locate(explicitOne, env, Path.GetDirectoryName(onPath), false));
    }

    [Fact]
    public void Environment_wins_over_PATH()
    {
        var env = MakeIstioctl("env");
        var onPath = MakeIstioctl("path");
        Assert.Equal(env, IstioctlLocator.Locate(null, env, Path.GetDirectoryName(onPath), false));
    }

    [Fact]
    public void First_executable_on_PATH()
    {
        var notExecutable = MakeIstioctl("a", executable: false);
        var second = MakeIstioctl("b");
        var third = MakeIstioctl("c");
        var path = string.Join(Path.PathSeparator, Path.Combine(TempDir, "missing"), Path.GetDirectoryName(notExecutable), "", Path.GetDirectoryName(second), Path.GetDirectoryName(third));
        Assert.Equal(second, IstioctlLocator.Locate(null, null, path, false));
    }

    [Fact]
    public void On_Windows_the_exe_is_found()
    {
        var exe = MakeIstioctl("win", "istioctl.exe");
        Assert.Equal(exe, IstioctlLocator.Locate(null, "", Path.GetDirectoryName(exe), true));
    }

    [Fact]
    public void Nothing_on_PATH_is_IstioctlNotFound()
    {
        Directory.CreateDirectory(Path.Combine(TempDir, "empty"));
        var ex = Assert.Throws<MeshClusterException>(() => IstioctlLocator.Locate(null, null, Path.Combine(TempDir, "empty"), false));
        Assert.Equal(ErrorIds.IstioctlNotFound, ex.ErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, ex.Category);
        Assert.Equal("istioctl", ex.Target);
        Assert.NotNull(ex.RecommendedAction);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AMissingNamedPathIsNotReplacedByPath(bool viaParameter)
    {
        var onPath = MakeIstioctl("path");
        var missing = Path.Combine(TempDir, "nope", "istioctl");
        var ex = Assert.Throws<MeshClusterException>(() =>
            IstioctlLocator.Locate(viaParameter ? missing : null, viaParameter ? null : missing, Path.GetDirectoryName(onPath), false));
        Assert.Equal(ErrorIds.IstioctlNotFound, ex.ErrorId);
        Assert.Equal(missing, ex.Target);
    }
}
