using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MeshCluster.Module.Tests;

/// <summary>
/// New-/Get-IstioCertificateAuthority and New-IstioClusterCertificate through the module, as a user runs them: files, objects, error ids,
/// and the private key in no stream, no property and no serialization. (The certificates' every field: the engine tests.)
/// </summary>
public sealed class TrustFilesTests(ClustersFixture fixture) : IDisposable
{
    private const string NewRootCmdlet = "MeshCluster.Commands.NewIstioCertificateAuthorityCommand";
    private const string GetRootCmdlet = "MeshCluster.Commands.GetIstioCertificateAuthorityCommand";
    private const string NewClusterCmdlet = "MeshCluster.Commands.NewIstioClusterCertificateCommand";
    private readonly string _dir = Directory.CreateTempSubdirectory("trust-files-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string relative) => Path.Combine(_dir, relative);

    private string[] Files() => Directory.GetFileSystemEntries(_dir, "*", SearchOption.AllDirectories)
        .Select(f => Path.GetRelativePath(_dir, f)).Order(StringComparer.Ordinal).ToArray();

    private static bool HasOpenSsl() => File.Exists("/usr/bin/openssl") || (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
        .Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "openssl")));

    private static void RequireOpenSsl()
    {
        if (!HasOpenSsl()) Assert.Skip("openssl is not installed (on Debian: apt-get install openssl); the openssl cross-checks cannot run.");
    }

    [Fact]
    public void The_trust_step_writes_the_Makefiles_layout_and_OpenSsl_verifies_every_chain()
    {
        RequireOpenSsl();
        using var ps = fixture.NewSession();
        var result = ps.Invoke("""
            $ErrorActionPreference = 'Stop'
            $ExecutionContext.SessionState.Path.SetLocation($args[0]) | ForEach-Object { }
            $root = New-IstioCertificateAuthority -Path ./certs -KeyAlgorithm Ecdsa
            $certs = $root | New-IstioClusterCertificate -ClusterName cluster1, cluster2 -Path ./certs -KeyAlgorithm Rsa -KeySize 2048
            $root
            $certs
            foreach ($c in 'cluster1', 'cluster2') { & openssl verify -CAfile "./certs/$c/root-cert.pem" "./certs/$c/cert-chain.pem" }
            & openssl x509 -noout -subject -issuer -ext basicConstraints,keyUsage,subjectAltName -in ./certs/cluster2/ca-cert.pem
            """, _dir);

        result.AssertSucceeded();
        var root = result.Output[0];
        Assert.Equal("MeshCluster.IstioCertificateAuthority", root.TypeNames[0]);
        Assert.Equal(("O=Istio, CN=Root CA", "Ecdsa", 256, P("certs")), ((string)root.Prop("Subject")!, root.Prop("KeyAlgorithm"), root.Prop("KeySize"), root.Prop("Path")));
        var rootDer = X509CertificateLoader.LoadCertificateFromFile(P("certs/root-cert.pem")).RawData;
        Assert.Equal(Convert.ToHexString(SHA256.HashData(rootDer)), root.Prop("Thumbprint"));

        var certs = result.Output.Skip(1).Take(2).ToList();
        Assert.All(certs, c => Assert.Equal("MeshCluster.IstioClusterCertificate", c.TypeNames[0]));
        Assert.Equal(new[] { "cluster1", "cluster2" }, certs.Select(c => c.Prop("ClusterName")));
        Assert.All(certs, c => Assert.Equal(root.Prop("Thumbprint"), c.Prop("RootThumbprint")));
        Assert.Equal("O=Istio, CN=Intermediate CA, L=cluster2", certs[1].Prop("Subject"));
        Assert.Equal("O=Istio, CN=Root CA", certs[1].Prop("Issuer"));
        Assert.Equal(P("certs/cluster2"), certs[1].Prop("Path"));
        var caDer = X509CertificateLoader.LoadCertificateFromFile(P("certs/cluster2/ca-cert.pem")).RawData;
        Assert.Equal(Convert.ToHexString(SHA256.HashData(caDer)), certs[1].Prop("Thumbprint"));

        var text = result.Output.Skip(3).Select(o => o.ToString()).ToList();
        Assert.Equal("./certs/cluster1/cert-chain.pem: OK", text[0]);
        Assert.Equal("./certs/cluster2/cert-chain.pem: OK", text[1]);
        var openssl = string.Join("\n", text.Skip(2));
        Assert.Contains("subject=O = Istio, CN = Intermediate CA, L = cluster2", openssl);
        Assert.Contains("issuer=O = Istio, CN = Root CA", openssl);
        Assert.Contains("CA:TRUE, pathlen:0", openssl);
        Assert.Contains("Digital Signature, Non Repudiation, Key Encipherment, Certificate Sign", openssl);
        Assert.Contains("DNS:istiod.istio-system.svc", openssl);

        Assert.Equal(new[]
        {
            "certs", "certs/cluster1", "certs/cluster1/ca-cert.pem", "certs/cluster1/ca-key.pem", "certs/cluster1/cert-chain.pem", "certs/cluster1/root-cert.pem",
            "certs/cluster2", "certs/cluster2/ca-cert.pem", "certs/cluster2/ca-key.pem", "certs/cluster2/cert-chain.pem", "certs/cluster2/root-cert.pem",
            "certs/root-cert.pem", "certs/root-key.pem",
        }, Files());
        if (!OperatingSystem.IsWindows())
        {
            foreach (var key in new[] { "certs/root-key.pem", "certs/cluster1/ca-key.pem", "certs/cluster2/ca-key.pem" })
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(P(key)));
            }
        }
    }

    [Fact]
    public void A_root_made_by_OpenSsl_as_the_Makefile_does_is_read_and_signs_an_intermediate_OpenSsl_verifies()
    {
        RequireOpenSsl();
        using var ps = fixture.NewSession();
        // tools/certs/Makefile.selfsigned.mk root-ca, with common.mk's root-ca.conf, command for command.
        var result = ps.Invoke("""
            $ErrorActionPreference = 'Stop'
            $ExecutionContext.SessionState.Path.SetLocation($args[0]) | ForEach-Object { }
            [IO.File]::WriteAllText("$PWD/root-ca.conf", (@(
                '[ req ]', 'encrypt_key = no', 'prompt = no', 'utf8 = yes', 'default_md = sha256', 'default_bits = 4096',
                'req_extensions = req_ext', 'x509_extensions = req_ext', 'distinguished_name = req_dn',
                '[ req_ext ]', 'subjectKeyIdentifier = hash', 'basicConstraints = critical, CA:true',
                'keyUsage = critical, digitalSignature, nonRepudiation, keyEncipherment, keyCertSign',
                '[ req_dn ]', 'O = Istio', 'CN = Root CA') -join "`n") + "`n")
            & openssl genrsa -out root-key.pem 4096 2>$null
            & openssl req -sha256 -new -key root-key.pem -config root-ca.conf -out root-cert.csr
            & openssl x509 -req -sha256 -days 3650 -signkey root-key.pem -extensions req_ext -extfile root-ca.conf -in root-cert.csr -out root-cert.pem 2>$null
            Get-IstioCertificateAuthority -Path . | New-IstioClusterCertificate -ClusterName cluster1 -Path . -KeySize 2048
            & openssl verify -CAfile cluster1/root-cert.pem cluster1/cert-chain.pem
            """, _dir);

        result.AssertSucceeded();
        var cert = Assert.Single(result.Output, o => o.BaseObject is not string);
        Assert.Equal("O=Istio, CN=Root CA", cert.Prop("Issuer"));
        Assert.Equal("cluster1/cert-chain.pem: OK", result.Output[^1].ToString());
        Assert.Equal(File.ReadAllText(P("root-cert.pem")), File.ReadAllText(P("cluster1/root-cert.pem")));
    }

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

    [Fact]
    public void WhatIf_makes_no_key_and_writes_nothing()
    {
        using var ps = fixture.NewSession();
        var result = ps.Invoke("""
            New-IstioCertificateAuthority -Path $args[0] -WhatIf
            New-IstioCertificateAuthority -KeyAlgorithm Ecdsa | New-IstioClusterCertificate -ClusterName c1 -Path $args[0] -WhatIf
            """, P("certs"));

        result.AssertSucceeded();
        Assert.Empty(result.Output);
        Assert.Empty(Files());
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

    [Fact]
    public void The_private_key_is_in_no_stream_property_view_or_serialization()
    {
        using var ps = fixture.NewSession();
        var result = ps.Invoke("""
            $DebugPreference = 'Continue'
            $root = New-IstioCertificateAuthority -Path $args[0] -KeyAlgorithm Rsa -KeySize 2048 -Verbose
            $cert = $root | New-IstioClusterCertificate -ClusterName c1 -Path $args[0] -KeySize 2048 -Verbose
            $root; $cert
            [System.Management.Automation.PSSerializer]::Serialize($root, 5)
            [System.Management.Automation.PSSerializer]::Serialize($cert, 5)
            "$root|$cert"
            ($root.PSObject.Properties.Name + $cert.PSObject.Properties.Name) -join ','
            """, P("certs"));

        result.AssertSucceeded();
        Assert.NotEmpty(result.Verbose);
        var names = result.Output[^1].ToString();
        Assert.DoesNotContain("PrivateKey", names);
        Assert.Contains("Certificate", names);
        var secrets = KeyLines(P("certs/root-key.pem")).Concat(KeyLines(P("certs/c1/ca-key.pem"))).ToList();
        var everything = result.EverythingAsText() + string.Join("\n", result.Output.Select(o => o.ToString()));
        foreach (var line in secrets) Assert.DoesNotContain(line, everything, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", everything);
        // The serializations hold the object's properties (the certificate as its public text), nothing of the key.
        var clixml = result.Output[2].ToString()!;
        TestContext.Current.TestOutputHelper?.WriteLine(clixml);
        Assert.Contains("N=\"Thumbprint\">" + result.Output[0].Prop("Thumbprint"), clixml);
        Assert.Contains("N=\"Certificate\"", clixml);
    }

    [Fact]
    public async Task Ctrl_C_stops_between_keys_and_leaves_no_cluster_half_written()
    {
        using var ps = fixture.NewSession();
        ps.Invoke("$global:root = New-IstioCertificateAuthority -KeyAlgorithm Ecdsa").AssertSucceeded();

        var result = await ps.InvokeAsync("$root | New-IstioClusterCertificate -ClusterName c1, c2, c3 -Path $args[0] -KeyAlgorithm Rsa -KeySize 4096",
            TimeSpan.FromMilliseconds(300), P("certs"));

        Assert.NotNull(result.Stopped);
        TestContext.Current.TestOutputHelper?.WriteLine($"stopped after {(DateTime.UtcNow - result.StopRequestedAt!.Value).TotalMilliseconds:0} ms past the request; {result.Output.Count} of 3 made");
        Assert.True(result.Output.Count < 3);
        // A cluster is there with all four files, or not at all.
        foreach (var c in new[] { "c1", "c2", "c3" })
        {
            var folder = P(Path.Combine("certs", c));
            if (!Directory.Exists(folder)) continue;
            Assert.Equal(new[] { "ca-cert.pem", "ca-key.pem", "cert-chain.pem", "root-cert.pem" }, Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
    }

    private static IEnumerable<string> KeyLines(string file) =>
        File.ReadAllLines(file).Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal)).Select(l => l[..Math.Min(24, l.Length)]);

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
