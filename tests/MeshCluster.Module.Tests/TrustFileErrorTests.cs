using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MeshCluster.Module.Tests;

/// <summary>Every bad input of the trust step's file cmdlets, through the module: its error id, category and target, and nothing written.</summary>
public sealed class TrustFileErrorTests(ClustersFixture fixture) : TempFolderTest("trust-errors-")
{
    private const string NewRootCmdlet = "MeshCluster.Commands.NewIstioCertificateAuthorityCommand";
    private const string GetRootCmdlet = "MeshCluster.Commands.GetIstioCertificateAuthorityCommand";
    private const string NewClusterCmdlet = "MeshCluster.Commands.NewIstioClusterCertificateCommand";

    private string P(string relative) => Path.Combine(TempDir, relative);

    private string[] Files() => Directory.GetFileSystemEntries(TempDir, "*", SearchOption.AllDirectories)
        .Select(f => Path.GetRelativePath(TempDir, f)).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void An_existing_root_is_kept_with_an_error_id_and_replaced_with_Force()
    {
        using var ps = fixture.NewSession();
        var first = ps.Invoke("New-IstioCertificateAuthority -Path $args[0] -KeyAlgorithm Ecdsa", P("certs"));
        first.AssertSucceeded();
        var key = File.ReadAllText(P("certs/root-key.pem"));

        var again = ps.Invoke("New-IstioCertificateAuthority -Path $args[0] -KeyAlgorithm Ecdsa", P("certs"));
        var error = Assert.Single(again.Errors);
        Assert.Equal("CertificateAuthorityExists," + NewRootCmdlet, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Assert.Equal(P("certs"), error.TargetObject);
        Assert.Empty(again.Output);
        Assert.Equal(key, File.ReadAllText(P("certs/root-key.pem")));

        var forced = ps.Invoke("New-IstioCertificateAuthority -Path $args[0] -KeyAlgorithm Ecdsa -Force", P("certs"));
        forced.AssertSucceeded();
        Assert.NotEqual(key, File.ReadAllText(P("certs/root-key.pem")));
        Assert.NotEqual(first.Output[0].Prop("Thumbprint"), forced.Output[0].Prop("Thumbprint"));
    }

    public static TheoryData<string, string, string, ErrorCategory> BadRoots => new()
    {
        // script preparing $args[0], the error id, the target (relative; empty: the folder), the category
        { "", "CertificateAuthorityNotFound", "", ErrorCategory.ObjectNotFound },
        { "New-IstioCertificateAuthority -Path $args[0] -KeyAlgorithm Ecdsa; New-IstioCertificateAuthority -Path ($args[0] + '2') -KeyAlgorithm Ecdsa; Copy-Item2", "CertificateAuthorityKeyMismatch", "", ErrorCategory.InvalidData },
        { "[IO.Directory]::CreateDirectory($args[0] + '/root-cert.pem'); [IO.File]::WriteAllText($args[0] + '/root-key.pem', 'x')", "CertificatePathInvalid", "root-cert.pem", ErrorCategory.InvalidArgument },
        { "[IO.Directory]::CreateDirectory($args[0]); [IO.File]::WriteAllText($args[0] + '/root-cert.pem', 'x'); [IO.File]::WriteAllText($args[0] + '/root-key.pem', 'x')", "CertificateAuthorityInvalid", "", ErrorCategory.InvalidData },
    };

    [Theory]
    [MemberData(nameof(BadRoots))]
    public void Bad_roots_have_their_own_error_ids(string prepare, string id, string target, ErrorCategory category)
    {
        using var ps = fixture.NewSession();
        var folder = P("root");
        // "Copy-Item2": the second root's key next to the first root's certificate (no Utility cmdlets here: .NET copies).
        ps.Invoke(prepare.Replace("Copy-Item2", "[IO.File]::Copy($args[0] + '2/root-key.pem', $args[0] + '/root-key.pem', $true)"), folder).AssertSucceeded();

        var result = ps.Invoke("Get-IstioCertificateAuthority -Path $args[0]", folder);
        var error = Assert.Single(result.Errors);
        Assert.Equal($"{id},{GetRootCmdlet}", error.FullyQualifiedErrorId);
        Assert.Equal(category, error.CategoryInfo.Category);
        Assert.Equal(target.Length == 0 ? folder : Path.Combine(folder, target), error.TargetObject);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void A_non_CA_and_an_expired_root_are_refused_and_sign_nothing()
    {
        using var ps = fixture.NewSession();
        WriteHandMade(P("leaf"), ca: true, notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        WriteHandMade(P("notca"), ca: false, notAfter: DateTimeOffset.UtcNow.AddDays(10));

        var expired = ps.Invoke("Get-IstioCertificateAuthority $args[0] | New-IstioClusterCertificate -ClusterName c1 -Path $args[1]", P("leaf"), P("out"));
        Assert.Equal("CertificateAuthorityExpired," + GetRootCmdlet, Assert.Single(expired.Errors).FullyQualifiedErrorId);
        var notCa = ps.Invoke("Get-IstioCertificateAuthority $args[0] -ErrorAction Stop | New-IstioClusterCertificate -ClusterName c1 -Path $args[1]", P("notca"), P("out"));
        Assert.Equal("CertificateAuthorityNotCA," + GetRootCmdlet, notCa.Terminating!.ErrorRecord.FullyQualifiedErrorId);
        Assert.False(Directory.Exists(P("out")));
    }

    [Fact]
    public void Bad_cluster_names_unwritable_places_and_existing_files_write_nothing()
    {
        using var ps = fixture.NewSession();
        ps.Invoke("$global:root = New-IstioCertificateAuthority -KeyAlgorithm Ecdsa").AssertSucceeded();

        var bad = ps.Invoke("$root | New-IstioClusterCertificate -ClusterName good, Bad_Name -Path $args[0]", P("certs"));
        var badError = Assert.Single(bad.Errors);
        Assert.Equal("ClusterNameInvalid," + NewClusterCmdlet, badError.FullyQualifiedErrorId);
        Assert.Equal("Bad_Name", badError.TargetObject);

        File.WriteAllText(P("file"), "x");
        var fileAsFolder = ps.Invoke("$root | New-IstioClusterCertificate -ClusterName c1 -Path $args[0]", P("file/certs"));
        Assert.Equal("CertificatePathInvalid," + NewClusterCmdlet, Assert.Single(fileAsFolder.Errors).FullyQualifiedErrorId);

        if (OperatingSystem.IsLinux())
        {
            var proc = ps.Invoke("$root | New-IstioClusterCertificate -ClusterName c1 -Path $args[0]", "/proc/meshcluster-" + Guid.NewGuid().ToString("N"));
            var procError = Assert.Single(proc.Errors);
            Assert.Equal("CertificateFileWriteFailed," + NewClusterCmdlet, procError.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.WriteError, procError.CategoryInfo.Category);
        }

        Assert.Equal(new[] { "file" }, Files());
        ps.Invoke("$root | New-IstioClusterCertificate -ClusterName c1 -Path $args[0]", P("certs")).AssertSucceeded();
        var exists = ps.Invoke("$root | New-IstioClusterCertificate -ClusterName c2, c1 -Path $args[0]", P("certs"));
        Assert.Equal("ClusterCertificateExists," + NewClusterCmdlet, Assert.Single(exists.Errors).FullyQualifiedErrorId);
        Assert.False(Directory.Exists(P("certs/c2")));
    }

    private static void WriteHandMade(string folder, bool ca, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Hand Made, O=Istio", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        using var cert = request.CreateSelfSigned(notAfter.AddDays(-30), notAfter);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "root-cert.pem"), cert.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(folder, "root-key.pem"), key.ExportPkcs8PrivateKeyPem() + "\n");
    }
}
