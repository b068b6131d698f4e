using MeshCluster.Engine.KubeConfig;

namespace MeshCluster.Engine.Tests.KubeConfig;

public sealed class KubeConfigFilesTests
{
    private static readonly char Sep = Path.PathSeparator;

    private static IReadOnlyList<string> Resolve(string? kubeConfig, string environment, Func<string, string>? resolveRelative = null) =>
        KubeConfigFiles.Resolve(kubeConfig, resolveRelative, environment, "/home/u").Paths;

    [Fact]
    public void Explicit_path_wins_over_the_environment() =>
        Assert.Equal(new[] { Path.GetFullPath("/a/x") }, Resolve("/a/x", $"/b/y{Sep}/c/z"));

    [Fact]
    public void Environment_list_splits_on_the_platform_separator_and_drops_empty_entries() =>
        Assert.Equal(new[] { Path.GetFullPath("/b/y"), Path.GetFullPath("/c/z") }, Resolve(null, $"/b/y{Sep}{Sep}/c/z{Sep}"));

    [Fact]
    public void Duplicates_count_once() =>
        Assert.Equal(new[] { Path.GetFullPath("/b/y") }, Resolve(null, $"/b/y{Sep}/b/y"));

    [Fact]
    public void Default_is_home_kube_config() =>
        Assert.Equal(new[] { Path.Combine("/home/u", ".kube", "config") }, Resolve(null, "  "));

    [Fact]
    public void Relative_explicit_entries_go_through_the_callers_resolution_and_environment_entries_do_not()
    {
        // The cmdlet passes PowerShell's own resolution (its current location, not the process's).
        Assert.Equal(new[] { Path.GetFullPath("/ps/location/rel.yaml"), Path.GetFullPath("/abs.yaml") },
            Resolve($"rel.yaml{Sep}/abs.yaml", "ignored", p => "/ps/location/" + p));
        Assert.Equal(new[] { Path.GetFullPath("env.yaml") }, Resolve(null, "env.yaml", p => "/ps/location/" + p));
    }

    [Fact]
    public void Tilde_means_the_home_folder() =>
        Assert.Equal(new[] { Path.GetFullPath("/home/u/k.yaml") }, Resolve("~/k.yaml", string.Empty, p => "/elsewhere/" + p));

    [Fact]
    public void The_list_prints_as_KUBECONFIG_spells_it() =>
        Assert.Equal($"{Path.GetFullPath("/b/y")}{Sep}{Path.GetFullPath("/c/z")}", KubeConfigFiles.Resolve(null, null, $"/b/y{Sep}/c/z", "/h").ToString());
}
