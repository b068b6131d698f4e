using System.Management.Automation;
using MeshCluster.Module.Tests.RemoteSecret;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests.Hostile;

/// <summary>
/// Issue 20, point 10: arguments no request can be made from have the module's own error id (never a CLR exception's name or
/// UnexpectedError), a fitting category and a target, and nothing is sent or written.
/// </summary>
public sealed class ArgumentErrorIdTests(ClustersFixture fixture) : TempFolderTest("i20-args-")
{
    private readonly RemoteSecretGround _ground = new(fixture);

    [Theory]
    [InlineData("Get-IstioRemoteSecret")]
    [InlineData("Get-IstioDiscoveryAddress")]
    public void A_NUL_in_KubeConfig_is_KubeConfigPathInvalid(string cmdlet)
    {
        using var session = fixture.NewSession();

        var result = session.Invoke($"{cmdlet} -KubeConfig \"a`0b\"");

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("KubeConfigPathInvalid,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal("a\\u{0}b", error.TargetObject);
        Assert.DoesNotContain('\0', error.ToString());
    }

    [Theory]
    [InlineData("Get-IstioRemoteSecret -ClusterName '[a'")]
    [InlineData("Test-IstioRemoteCluster -ClusterName 'x[b-a]y' -Timeout 00:00:05")]
    public async Task An_invalid_wildcard_in_ClusterName_is_ClusterNamePatternInvalid_and_nothing_is_sent(string command)
    {
        await using var proxy = FaultProxy.Start(_ground.Remote);
        using var session = fixture.NewSession();

        var result = session.Invoke($"{command} -KubeConfig $args[0] -Context $args[1]", proxy.KubeConfigPath, proxy.ContextName);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("ClusterNamePatternInvalid,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Empty(result.Output);
        Assert.DoesNotContain(proxy.Requests, r => r.Path.Contains("/secrets", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("New-IstioCertificateAuthority -Path $args[0] -KeyAlgorithm Ecdsa -ValidFor ([TimeSpan]::MaxValue)")]
    [InlineData("New-IstioCertificateAuthority -Path $args[0] -KeyAlgorithm Ecdsa -ValidFor ([TimeSpan]::FromDays(36501))")]
    public void A_ValidFor_beyond_X509s_dates_is_CertificateValidityInvalid_and_nothing_is_written(string command)
    {
        using var session = fixture.NewSession();

        var result = session.Invoke(command, Path.Combine(TempDir, "certs"));

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("CertificateValidityInvalid,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.False(Directory.Exists(Path.Combine(TempDir, "certs")) && Directory.EnumerateFileSystemEntries(Path.Combine(TempDir, "certs")).Any());
    }
}
