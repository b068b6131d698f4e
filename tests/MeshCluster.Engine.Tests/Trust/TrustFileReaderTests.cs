using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Trust;

namespace MeshCluster.Engine.Tests.Trust;

/// <summary>Every certificate and key file is read up to 1 MiB and no further (issue 20, point 4); a -Path no file system takes has its own id (point 10).</summary>
public sealed class TrustFileReaderTests() : TempFolderTest("trust-reader-")
{
    private string P(string name) => Path.Combine(TempDir, name);

    [Fact]
    public void A_file_of_exactly_the_limit_is_read_and_one_byte_more_is_CertificateFileTooLarge()
    {
        File.WriteAllBytes(P("at.pem"), new byte[TrustFileReader.MaxFileBytes]);
        Assert.Equal(TrustFileReader.MaxFileBytes, TrustFileReader.Read(P("at.pem")).Length);

        File.WriteAllBytes(P("over.pem"), new byte[TrustFileReader.MaxFileBytes + 1]);
        var error = Assert.Throws<MeshClusterException>(() => TrustFileReader.Read(P("over.pem")));
        Assert.Equal((ErrorIds.CertificateFileTooLarge, System.Management.Automation.ErrorCategory.LimitsExceeded, (object)P("over.pem")), (error.ErrorId, error.Category, error.Target));
    }

    [Fact]
    public void A_sparse_file_of_a_terabyte_is_refused_by_its_length_and_dev_zero_at_the_limit()
    {
        using (var sparse = File.Create(P("sparse.pem"))) sparse.SetLength(1L << 40);
        Assert.Equal(ErrorIds.CertificateFileTooLarge, Assert.Throws<MeshClusterException>(() => TrustFileReader.Read(P("sparse.pem"))).ErrorId);
        Assert.Equal(ErrorIds.CertificateFileTooLarge, Assert.Throws<MeshClusterException>(() => TrustFileReader.Read("/dev/zero")).ErrorId);
    }

    [Theory]
    [InlineData("a\0b")]
    [InlineData("\0")]
    public void A_NUL_in_a_Path_is_CertificatePathInvalid_and_printed_as_data(string given)
    {
        var resolved = false;
        var error = Assert.Throws<MeshClusterException>(() => TrustPath.Resolve(given, p => { resolved = true; return p; }));
        Assert.Equal((ErrorIds.CertificatePathInvalid, System.Management.Automation.ErrorCategory.InvalidArgument), (error.ErrorId, error.Category));
        Assert.Contains("\\u{0}", error.Message);
        Assert.DoesNotContain('\0', error.Message);
        Assert.False(resolved);
        Assert.Equal("/some/where", TrustPath.Resolve("where", _ => "/some/where"));
    }
}
