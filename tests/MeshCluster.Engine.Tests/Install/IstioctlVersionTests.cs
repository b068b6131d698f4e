using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Install;

namespace MeshCluster.Engine.Tests.Install;

public class IstioctlVersionTests
{
    [Theory]
    [InlineData("1.6.8", 1, 6, 8, false)]
    [InlineData("1.7.0", 1, 7, 0, true)]
    [InlineData("1.24.0", 1, 24, 0, true)]
    [InlineData("1.6.14-distroless", 1, 6, 14, false)]
    [InlineData("1.25-alpha.abc", 1, 25, 0, true)]
    [InlineData("2.0.0", 2, 0, 0, true)]
    public void Parses_the_client_version(string text, int major, int minor, int patch, bool install)
    {
        var json = "{\"clientVersion\":{\"version\":\"" + text + "\",\"revision\":\"abc\",\"golang_version\":\"go1.14.7\",\"status\":\"Clean\",\"tag\":\"" + text + "\"}}";
        var v = IstioctlVersion.Parse(json, "/bin/istioctl");
        Assert.Equal((text, major, minor, patch), (v.Text, v.Major, v.Minor, v.Patch));
        Assert.Equal(install, v.HasInstallCommand);
    }

    [Fact]
    public void Tolerates_a_notice_before_the_JSON()
    {
        var v = IstioctlVersion.Parse("! a newer version is available\n{\"clientVersion\":{\"version\":\"1.7.3\"}}\n", "istioctl");
        Assert.Equal(7, v.Minor);
    }

    [Theory]
    [InlineData("")]
    [InlineData("client version: 1.6.8")]
    [InlineData("{\"clientVersion\":{\"version\":\"unknown\"}}")]
    [InlineData("{\"clientVersion\":{}}")]
    [InlineData("{\"serverVersion\":{\"version\":\"1.6.8\"}}")]
    [InlineData("{not json}")]
    public void An_unparseable_version_is_an_error(string output)
    {
        var ex = Assert.Throws<MeshClusterException>(() => IstioctlVersion.Parse(output, "/opt/istioctl"));
        Assert.Equal(ErrorIds.IstioctlVersionUnknown, ex.ErrorId);
        Assert.Equal(ErrorCategory.InvalidResult, ex.Category);
        Assert.Equal("/opt/istioctl", ex.Target);
    }

    [Fact]
    public void Before_1_7_it_is_manifest_apply()
    {
        var args = new IstioctlVersion("1.6.8", 1, 6, 8).InstallArguments("/s.yaml", "cluster2", "/k/config");
        Assert.Equal(new[] { "manifest", "apply", "-f", "/s.yaml", "--context", "cluster2", "--kubeconfig", "/k/config" }, args);
    }

    [Fact]
    public void From_1_7_it_is_install_without_prompt()
    {
        var args = new IstioctlVersion("1.7.0", 1, 7, 0).InstallArguments("/s.yaml", "cluster2", null);
        Assert.Equal(new[] { "install", "-y", "-f", "/s.yaml", "--context", "cluster2" }, args);
    }
}
