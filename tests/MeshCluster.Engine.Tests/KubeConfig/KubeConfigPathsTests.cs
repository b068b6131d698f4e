using MeshCluster.Engine.KubeConfig;

namespace MeshCluster.Engine.Tests.KubeConfig;

public sealed class KubeConfigPathsTests
{
    private static readonly char Sep = Path.PathSeparator;

    [Fact]
    public void Explicit_path_wins_over_the_environment() =>
        Assert.Equal(new[] { Path.GetFullPath("/a/x") }, KubeConfigPaths.Resolve("/a/x", $"/b/y{Sep}/c/z", "/home/u"));

    [Fact]
    public void Environment_list_splits_on_the_platform_separator_and_drops_empty_entries() =>
        Assert.Equal(new[] { Path.GetFullPath("/b/y"), Path.GetFullPath("/c/z") }, KubeConfigPaths.Resolve(null, $"/b/y{Sep}{Sep}/c/z{Sep}", "/home/u"));

    [Fact]
    public void Duplicates_count_once() =>
        Assert.Equal(new[] { Path.GetFullPath("/b/y") }, KubeConfigPaths.Resolve(null, $"/b/y{Sep}/b/y", "/home/u"));

    [Fact]
    public void Default_is_home_kube_config() =>
        Assert.Equal(new[] { Path.Combine("/home/u", ".kube", "config") }, KubeConfigPaths.Resolve(null, "  ", "/home/u"));
}
