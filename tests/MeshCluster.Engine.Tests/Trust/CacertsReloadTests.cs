using MeshCluster.Engine.Istiod;
using MeshCluster.Engine.Trust;
using static MeshCluster.Engine.Tests.Istiod.IstiodDeploymentReaderTests;

namespace MeshCluster.Engine.Tests.Trust;

/// <summary>Whether a running istiod picks up a new cacerts by itself, by version (pilot/pkg/bootstrap/istio_ca.go at 1.11, 1.12, 1.17, 1.18, 1.19, 1.20).</summary>
public sealed class CacertsReloadTests
{
    private static IstiodDeployment Istiod(string image, params (string Name, string Value)[] env) =>
        IstiodDeploymentReader.FromDeployment(Deployment(image: image, env: env.ToDictionary(e => e.Name, e => e.Value)))!;

    [Theory]
    [InlineData("docker.io/istio/pilot:1.26.0", false)]
    [InlineData("docker.io/istio/pilot:1.19.0", false)]
    [InlineData("docker.io/istio/pilot:1.18.2", false)] // AUTO_RELOAD_PLUGIN_CERTS defaults to true in 1.18
    [InlineData("docker.io/istio/pilot:1.17.8", true)] // ... and to false in 1.12-1.17
    [InlineData("docker.io/istio/pilot:1.12.0", true)]
    [InlineData("docker.io/istio/pilot:1.11.8", true)] // no reload at all
    public void A_new_intermediate_of_the_same_root_is_reloaded_from_1_19_and_by_AUTO_RELOAD_PLUGIN_CERTS_before(string image, bool restart)
    {
        var advice = CacertsReload.Advise(Istiod(image), CacertsChange.Intermediate, false);
        Assert.Equal(restart, advice.RestartNeeded);
        Assert.Contains(image[(image.LastIndexOf(':') + 1)..], advice.Message);
    }

    [Fact]
    public void AUTO_RELOAD_PLUGIN_CERTS_turns_the_reload_on_in_1_12_to_1_17_and_off_in_1_18()
    {
        Assert.Equal(false, CacertsReload.Advise(Istiod("pilot:1.15.0", ("AUTO_RELOAD_PLUGIN_CERTS", "true")), CacertsChange.Intermediate, false).RestartNeeded);
        Assert.Equal(true, CacertsReload.Advise(Istiod("pilot:1.18.0", ("AUTO_RELOAD_PLUGIN_CERTS", "false")), CacertsChange.Intermediate, false).RestartNeeded);
        Assert.Equal(false, CacertsReload.Advise(Istiod("pilot:1.19.0", ("AUTO_RELOAD_PLUGIN_CERTS", "false")), CacertsChange.Intermediate, false).RestartNeeded);
        Assert.Equal(true, CacertsReload.Advise(Istiod("pilot:1.11.0", ("AUTO_RELOAD_PLUGIN_CERTS", "true")), CacertsChange.Intermediate, false).RestartNeeded);
    }

    [Fact]
    public void An_unreadable_version_says_so_and_what_each_would_do()
    {
        var advice = CacertsReload.Advise(Istiod("registry.local/istio/pilot@sha256:0123"), CacertsChange.Intermediate, false);
        Assert.Null(advice.RestartNeeded);
        Assert.StartsWith("its version cannot be read (its image 'registry.local/istio/pilot@sha256:0123' names no version): istiod 1.19 and later reload", advice.Message);
    }

    [Fact]
    public void An_istiod_that_started_without_plug_in_certificates_always_needs_a_restart()
    {
        var advice = CacertsReload.Advise(Istiod("pilot:1.26.0"), CacertsChange.FirstPlugIn, false);
        Assert.Equal(true, advice.RestartNeeded);
        Assert.Contains("started without plug-in certificates", advice.Message);
    }

    [Fact]
    public void A_new_root_is_taken_only_from_1_20_with_ISTIO_MULTIROOT_MESH_and_a_nested_bundle()
    {
        var multiRoot = ("ISTIO_MULTIROOT_MESH", "true");
        Assert.Equal(false, CacertsReload.Advise(Istiod("pilot:1.26.0", multiRoot), CacertsChange.Root, true).RestartNeeded);
        Assert.Equal(false, CacertsReload.Advise(Istiod("pilot:1.20.0", multiRoot), CacertsChange.Root, true).RestartNeeded);

        var off = CacertsReload.Advise(Istiod("pilot:1.26.0"), CacertsChange.Root, true);
        Assert.Equal(true, off.RestartNeeded);
        Assert.Contains("it does not run with ISTIO_MULTIROOT_MESH=true", off.Message);
        Assert.Contains("updating new ROOT-CA not supported", off.Message);

        Assert.Contains("neither contains the old one", CacertsReload.Advise(Istiod("pilot:1.26.0", multiRoot), CacertsChange.Root, false).Message);
        Assert.Contains("older than 1.20", CacertsReload.Advise(Istiod("pilot:1.19.3", multiRoot), CacertsChange.Root, true).Message);
        Assert.Null(CacertsReload.Advise(Istiod("pilot:latest", multiRoot), CacertsChange.Root, true).RestartNeeded);
    }
}
