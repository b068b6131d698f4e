using MeshCluster.Engine.Http;

namespace MeshCluster.Engine.Tests.Http;

public class KubeServerVersionTests
{
    [Theory]
    [InlineData("1", "20", 1, 20, true)]
    [InlineData("1", "20+", 1, 20, true)]
    [InlineData("1", "23", 1, 23, true)]
    [InlineData("1", "24", 1, 24, false)]
    [InlineData("1", "24-gke.100", 1, 24, false)]
    [InlineData("1", "31+", 1, 31, false)]
    [InlineData("2", "0", 2, 0, false)]
    public void Parses_leading_digits_and_decides_the_token_path(string major, string minor, int ma, int mi, bool makesTokenSecrets)
    {
        var version = KubeServerVersion.Parse(major, minor);
        Assert.Equal(new KubeServerVersion(ma, mi), version);
        Assert.Equal(makesTokenSecrets, version!.Value.MakesTokenSecrets);
    }

    [Theory]
    [InlineData(null, "20")]
    [InlineData("1", "")]
    [InlineData("1", "+")]
    [InlineData("v1", "20")]
    public void Unreadable_versions_give_null(string? major, string? minor) =>
        Assert.Null(KubeServerVersion.Parse(major, minor));
}
