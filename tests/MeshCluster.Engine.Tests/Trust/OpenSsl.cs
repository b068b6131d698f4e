using System.Diagnostics;

namespace MeshCluster.Engine.Tests.Trust;

/// <summary>The openssl command line, as users and Istio's Makefile run it. Tests that need it skip, saying why, where it is missing.</summary>
internal static class OpenSsl
{
    private static readonly Lazy<string?> Version = new(() =>
    {
        try
        {
            var (code, output, _) = RunIn(Directory.GetCurrentDirectory(), "version");
            return code == 0 ? output.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    });

    /// <summary>Skips the calling test unless openssl runs here.</summary>
    public static void Require()
    {
        if (Version.Value is null) Assert.Skip("openssl is not installed (on Debian: apt-get install openssl); the openssl cross-checks cannot run.");
    }

    /// <summary>Runs openssl in <paramref name="folder"/>; fails the test with its output on a non-zero exit.</summary>
    public static string Run(string folder, params string[] args)
    {
        var (code, output, error) = RunIn(folder, args);
        Assert.True(code == 0, $"openssl {string.Join(' ', args)} exited {code}: {error}{output}");
        return output;
    }

    public static (int Code, string Output, string Error) RunIn(string folder, params string[] args)
    {
        var psi = new ProcessStartInfo("openssl") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }

    /// <summary>
    /// Istio's tools/certs recipe for the root, command for command (Makefile.selfsigned.mk root-ca, root-ca.conf of common.mk),
    /// in <paramref name="folder"/>: root-key.pem and root-cert.pem.
    /// </summary>
    public static void MakefileRoot(string folder, int keySize = 4096)
    {
        File.WriteAllText(Path.Combine(folder, "root-ca.conf"), string.Join("\n",
            "[ req ]", "encrypt_key = no", "prompt = no", "utf8 = yes", "default_md = sha256", $"default_bits = {keySize}",
            "req_extensions = req_ext", "x509_extensions = req_ext", "distinguished_name = req_dn",
            "[ req_ext ]", "subjectKeyIdentifier = hash", "basicConstraints = critical, CA:true",
            "keyUsage = critical, digitalSignature, nonRepudiation, keyEncipherment, keyCertSign",
            "[ req_dn ]", "O = Istio", "CN = Root CA", ""));
        Run(folder, "genrsa", "-out", "root-key.pem", keySize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Run(folder, "req", "-sha256", "-new", "-key", "root-key.pem", "-config", "root-ca.conf", "-out", "root-cert.csr");
        Run(folder, "x509", "-req", "-sha256", "-days", "3650", "-signkey", "root-key.pem", "-extensions", "req_ext", "-extfile", "root-ca.conf",
            "-in", "root-cert.csr", "-out", "root-cert.pem");
    }

    /// <summary>The Makefile's <c>make &lt;cluster&gt;-cacerts</c> with openssl, next to a root made by <see cref="MakefileRoot"/>.</summary>
    public static void MakefileIntermediate(string folder, string cluster, int keySize = 4096)
    {
        var dir = Path.Combine(folder, cluster);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "intermediate.conf"), string.Join("\n",
            "[ req ]", "encrypt_key = no", "prompt = no", "utf8 = yes", "default_md = sha256", $"default_bits = {keySize}",
            "req_extensions = req_ext", "x509_extensions = req_ext", "distinguished_name = req_dn",
            "[ req_ext ]", "subjectKeyIdentifier = hash", "basicConstraints = critical, CA:true, pathlen:0",
            "keyUsage = critical, digitalSignature, nonRepudiation, keyEncipherment, keyCertSign", "subjectAltName=@san",
            "[ san ]", "DNS.1 = istiod.istio-system.svc", "[ req_dn ]", "O = Istio", "CN = Intermediate CA", $"L = {cluster}", ""));
        Run(folder, "genrsa", "-out", $"{cluster}/ca-key.pem", keySize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Run(folder, "req", "-sha256", "-new", "-config", $"{cluster}/intermediate.conf", "-key", $"{cluster}/ca-key.pem", "-out", $"{cluster}/cluster-ca.csr");
        Run(folder, "x509", "-req", "-sha256", "-days", "3650", "-CA", "root-cert.pem", "-CAkey", "root-key.pem", "-CAcreateserial",
            "-extensions", "req_ext", "-extfile", $"{cluster}/intermediate.conf", "-in", $"{cluster}/cluster-ca.csr", "-out", $"{cluster}/ca-cert.pem");
        File.WriteAllText(Path.Combine(dir, "cert-chain.pem"), File.ReadAllText(Path.Combine(dir, "ca-cert.pem")) + File.ReadAllText(Path.Combine(folder, "root-cert.pem")));
        File.Copy(Path.Combine(folder, "root-cert.pem"), Path.Combine(dir, "root-cert.pem"));
    }
}
