using System.Diagnostics;
using System.Management.Automation;
using k8s;

namespace MeshCluster.Module.Tests.Hostile;

/// <summary>
/// Issue 20, point 4 for trust files and point 10 for a trust cmdlet's -Path: every certificate and key file is read up to 1 MiB
/// (CertificateFileTooLarge), a file without end or a huge sparse one included, and a NUL in -Path is CertificatePathInvalid with the
/// path printed as data. Nothing is written, nothing is sent.
/// </summary>
public sealed class TrustFileLimitTests(ClustersFixture fixture) : TempFolderTest("i20-trustfiles-")
{
    private string P(string relative) => Path.Combine(TempDir, relative);

    /// <summary>A root folder (ECDSA: instant) and cluster c1's folder under it.</summary>
    private string[] MakeCertificates(PowerShellSession ps)
    {
        ps.Invoke("New-IstioCertificateAuthority -Path $args[0] -KeyAlgorithm Ecdsa | New-IstioClusterCertificate -ClusterName c1 -Path $args[0] -KeyAlgorithm Ecdsa",
            P("certs")).AssertSucceeded();
        return new[] { P("certs"), P("certs/c1") };
    }

    private static void AssertTooLarge(PowerShellResult result, string file)
    {
        var error = Assert.Single(result.Errors);
        Assert.True(error.FullyQualifiedErrorId.StartsWith("CertificateFileTooLarge,", StringComparison.Ordinal), error.FullyQualifiedErrorId + ": " + error);
        Assert.Equal(ErrorCategory.LimitsExceeded, error.CategoryInfo.Category);
        Assert.Equal(file, error.TargetObject);
        Assert.Contains("is larger than 1 MiB", error.ToString());
        Assert.Empty(result.Output);
    }

    public static TheoryData<string, string> Files => new()
    {
        { "Get-IstioCertificateAuthority -Path $args[0]", "root-cert.pem" },
        { "Get-IstioCertificateAuthority -Path $args[0]", "root-key.pem" },
        { "Publish-IstioClusterCertificate -Path $args[1] -Context $C1 -Namespace $args[2]", "c1/ca-cert.pem" },
        { "Publish-IstioClusterCertificate -Path $args[1] -Context $C1 -Namespace $args[2]", "c1/ca-key.pem" },
        { "Publish-IstioClusterCertificate -Path $args[1] -Context $C1 -Namespace $args[2]", "c1/cert-chain.pem" },
        { "Publish-IstioClusterCertificate -Path $args[1] -Context $C1 -Namespace $args[2]", "c1/root-cert.pem" },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public async Task A_huge_sparse_trust_file_is_CertificateFileTooLarge_and_nothing_is_sent(string command, string file)
    {
        using var ps = fixture.NewSession();
        var folders = MakeCertificates(ps);
        var path = Path.Combine(folders[0], file);
        // 64 GiB that take no disk: refused by its length, before a byte is read.
        File.Delete(path);
        using (var sparse = File.Create(path)) sparse.SetLength(64L * 1024 * 1024 * 1024);
        var ns = fixture.UniqueName("i20-sparse");

        var result = ps.Invoke(command, folders[0], folders[1], ns);

        AssertTooLarge(result, path);
        await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => fixture.Clusters.Cluster1.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct));
    }

    [Fact]
    public void A_trust_file_that_is_dev_zero_or_a_pipe_without_end_stops_at_the_limit()
    {
        using var ps = fixture.NewSession();
        var folders = MakeCertificates(ps);
        var cert = Path.Combine(folders[0], "root-cert.pem");
        File.Delete(cert);
        File.CreateSymbolicLink(cert, "/dev/zero");

        AssertTooLarge(ps.Invoke("Get-IstioCertificateAuthority -Path $args[0]", folders[0]), cert);

        // A named pipe a writer feeds without end: no length to refuse it by, so the read stops at 1 MiB.
        var key = Path.Combine(folders[1], "ca-key.pem");
        File.Delete(key);
        using (var mkfifo = Process.Start("mkfifo", new[] { key })) mkfifo.WaitForExit();
        using var writer = Process.Start(new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", "exec yes > \"$0\" 2>/dev/null", key } })!;
        try
        {
            AssertTooLarge(ps.Invoke("Publish-IstioClusterCertificate -Path $args[0] -Context $C1 -Namespace $args[1]", folders[1], fixture.UniqueName("i20-fifo")), key);
        }
        finally
        {
            writer.Kill();
            writer.WaitForExit();
        }
    }

    [Fact]
    public async Task Memory_stays_bounded_reading_dev_zero_as_a_root_in_a_process_of_its_own()
    {
        var folder = Directory.CreateDirectory(P("zero")).FullName;
        File.CreateSymbolicLink(Path.Combine(folder, "root-cert.pem"), "/dev/zero");
        File.WriteAllText(Path.Combine(folder, "root-key.pem"), "not read");

        // Before: File.ReadAllText ran on to OutOfMemoryException (4 GB). The child's peak working set, the module and PowerShell
        // included, stays far below what reading /dev/zero for long would take.
        var report = await ChildHost.RunAsync("""
            Get-IstioCertificateAuthority -Path $args[0]
            [System.Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64
            """, folder);

        Assert.Equal(0, report.ExitCode);
        Assert.Equal(new[] { "CertificateFileTooLarge,MeshCluster.Commands.GetIstioCertificateAuthorityCommand" }, report.Errors);
        var peak = long.Parse(Assert.Single(report.Output), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(peak, 1, 1024L * 1024 * 1024);
    }

    public static TheoryData<string> PathCommands => new()
    {
        "Get-IstioCertificateAuthority -Path \"a`0b\"",
        "New-IstioCertificateAuthority -Path \"a`0b\" -KeyAlgorithm Ecdsa",
        "New-IstioCertificateAuthority -KeyAlgorithm Ecdsa | New-IstioClusterCertificate -ClusterName c1 -Path \"a`0b\" -KeyAlgorithm Ecdsa",
        "Publish-IstioClusterCertificate -Path \"a`0b`e[2J\" -Context $C1",
        "Update-IstioMeshTrust -Context $C1 -CertificateAuthority (New-IstioCertificateAuthority -KeyAlgorithm Ecdsa) -Phase SignWithNew -Path \"a`0b\"",
    };

    [Theory]
    [MemberData(nameof(PathCommands))]
    public void A_NUL_in_a_trust_cmdlets_Path_is_CertificatePathInvalid_printed_as_data(string command)
    {
        using var ps = fixture.NewSession();

        var result = ps.Invoke(command);

        var error = Assert.Single(result.Errors.Concat(result.Terminating is null ? Array.Empty<ErrorRecord>() : new[] { result.Terminating.ErrorRecord }));
        Assert.True(error.FullyQualifiedErrorId.StartsWith("CertificatePathInvalid,", StringComparison.Ordinal), error.FullyQualifiedErrorId + ": " + error);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.StartsWith("a\\u{0}b", (string)error.TargetObject);
        Assert.Contains("-Path 'a\\u{0}b", error.ToString());
        Assert.DoesNotContain(error.ToString(), c => char.IsControl(c));
        Assert.Empty(result.Output);
    }
}
