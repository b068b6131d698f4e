using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MeshCluster.Module.Tests;

/// <summary>
/// New-/Get-IstioCertificateAuthority and New-IstioClusterCertificate through the module, as a user runs them: files, objects, error ids,
/// and the private key in no stream, no property and no serialization. (The certificates' every field: the engine tests.)
/// </summary>
public sealed class TrustFilesTests(ClustersFixture fixture) : TempFolderTest("trust-files-")
{
    private string P(string relative) => Path.Combine(TempDir, relative);

    private string[] Files() => Directory.GetFileSystemEntries(TempDir, "*", SearchOption.AllDirectories)
        .Select(f => Path.GetRelativePath(TempDir, f)).Order(StringComparer.Ordinal).ToArray();

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
            """, TempDir);

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
            """, TempDir);

        result.AssertSucceeded();
        var cert = Assert.Single(result.Output, o => o.BaseObject is not string);
        Assert.Equal("O=Istio, CN=Root CA", cert.Prop("Issuer"));
        Assert.Equal("cluster1/cert-chain.pem: OK", result.Output[^1].ToString());
        Assert.Equal(File.ReadAllText(P("root-cert.pem")), File.ReadAllText(P("cluster1/root-cert.pem")));
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
        Assert.Contains("<S N=\"CertificatePem\">-----BEGIN CERTIFICATE-----", clixml);
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
}
