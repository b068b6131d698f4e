using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;
using MeshCluster.Engine.Trust;
using static MeshCluster.Engine.Tests.Trust.TrustTestSupport;

namespace MeshCluster.Engine.Tests.Trust;

/// <summary>What istiod would refuse in cacerts is found before anything is sent; the Secret is what kubectl create secret makes.</summary>
public sealed class CacertsValidatorTests
{
    private static async Task<(IstioCertificateAuthority Root, IstioClusterCertificate Cluster, CacertsMaterial Material)> SoundAsync(string name = "cluster1")
    {
        var root = await RootAsync();
        var cluster = Assert.Single(await IntermediatesAsync(root, null, name));
        return (root, cluster, CacertsMaterial.From(cluster));
    }

    private static string Problem(CacertsMaterial material) =>
        Assert.Throws<TrustMaterialException>(() => CacertsValidator.Validate(material, CertificateFactory.Now())).Message;

    private static CacertsMaterial With(CacertsMaterial m, string? caCert = null, string? caKey = null, string? rootCert = null, string? chain = null) =>
        new(caCert ?? m.CaCert, caKey ?? m.CaKey, rootCert ?? m.RootCert, chain ?? m.CertChain, "test");

    [Fact]
    public async Task Sound_material_names_its_root_intermediate_and_cluster()
    {
        var (root, cluster, material) = await SoundAsync();
        var validated = CacertsValidator.Validate(material, CertificateFactory.Now());
        Assert.Equal(root.Thumbprint, validated.RootThumbprint);
        Assert.Equal(cluster.Thumbprint, validated.Thumbprint);
        Assert.Equal("cluster1", validated.ClusterName);
        Assert.Equal(material.CaCert + material.RootCert, material.CertChain);
        Assert.DoesNotContain("PRIVATE", material.ToString());
    }

    [Fact]
    public async Task A_key_of_another_intermediate_is_refused()
    {
        var (root, _, material) = await SoundAsync();
        var other = CacertsMaterial.From(Assert.Single(await IntermediatesAsync(root, null, "cluster2")));
        Assert.Equal("ca-key.pem is not the key of ca-cert.pem", Problem(With(material, caKey: other.CaKey)));
    }

    [Fact]
    public async Task A_chain_to_another_root_is_refused()
    {
        var (_, _, material) = await SoundAsync();
        var (_, _, foreign) = await SoundAsync();
        Assert.StartsWith("ca-cert.pem does not verify to a root of root-cert.pem", Problem(With(material, rootCert: foreign.RootCert)));
    }

    [Fact]
    public async Task A_chain_that_does_not_start_with_the_intermediate_is_refused()
    {
        var (_, _, material) = await SoundAsync();
        Assert.StartsWith("cert-chain.pem does not start with ca-cert.pem", Problem(With(material, chain: material.RootCert + material.CaCert)));
    }

    [Fact]
    public async Task An_intermediate_without_pathlen_0_or_not_a_CA_is_refused()
    {
        var root = await RootAsync();
        foreach (var (ca, pathLength, expected) in new[] { (true, (int?)null, "pathlen:0"), (true, 1, "pathlen:0"), (false, null, "no CA") })
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("O=Istio, CN=Intermediate CA, L=x", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, pathLength is not null, pathLength ?? 0, true));
            using var cert = request.Create(root.Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa((ECDsa)root.PrivateKey),
                DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1), new byte[] { 1, 2, 3 });
            var pem = cert.ExportCertificatePem() + "\n";
            var rootPem = root.Certificate.ExportCertificatePem() + "\n";
            var material = new CacertsMaterial(pem, key.ExportPkcs8PrivateKeyPem(), rootPem, pem + rootPem, "test");
            Assert.Contains(expected, Problem(material));
        }
    }

    [Fact]
    public async Task An_expired_intermediate_is_refused_in_plain_words()
    {
        var root = await RootAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("O=Istio, CN=Intermediate CA, L=x", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        using var cert = request.Create(root.Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa((ECDsa)root.PrivateKey),
            DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddDays(-1), new byte[] { 7 });
        var pem = cert.ExportCertificatePem() + "\n";
        var rootPem = root.Certificate.ExportCertificatePem() + "\n";
        Assert.Contains("expired on", Problem(new CacertsMaterial(pem, key.ExportPkcs8PrivateKeyPem(), rootPem, pem + rootPem, "test")));
    }

    [Fact]
    public async Task Garbage_in_any_file_is_named()
    {
        var (_, _, material) = await SoundAsync();
        Assert.Contains("ca-cert.pem holds no PEM certificate", Problem(With(material, caCert: "x")));
        Assert.Contains("ca-key.pem holds no PEM private key", Problem(With(material, caKey: "x")));
        Assert.Contains("root-cert.pem holds no PEM certificate", Problem(With(material, rootCert: "")));
        Assert.Contains("cert-chain.pem holds no PEM certificate", Problem(With(material, chain: "x")));
    }

    [Fact]
    public async Task The_Secret_is_kubectl_create_secret_generic_and_is_recognised_again()
    {
        var (root, _, material) = await SoundAsync();
        var secret = CacertsSecret.Desired("istio-system", material);
        Assert.Equal(("cacerts", "istio-system", "Opaque"), (secret.Metadata.Name, secret.Metadata.NamespaceProperty, secret.Type));
        Assert.Equal(new[] { "ca-cert.pem", "ca-key.pem", "cert-chain.pem", "root-cert.pem" }, secret.Data.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(material.CaCert, System.Text.Encoding.UTF8.GetString(secret.Data["ca-cert.pem"]));
        Assert.True(CacertsSecret.Holds(secret, material));
        Assert.Equal(new[] { root.Thumbprint }, CacertsSecret.RootThumbprints(secret));

        // Extra keys do not count; another type or one changed byte does.
        secret.Data["ca-crl.pem"] = new byte[] { 1 };
        Assert.True(CacertsSecret.Holds(secret, material));
        Assert.False(CacertsSecret.Holds(new V1Secret { Type = "kubernetes.io/tls", Data = secret.Data }, material));
        var changed = new Dictionary<string, byte[]>(secret.Data) { ["ca-key.pem"] = System.Text.Encoding.UTF8.GetBytes(material.CaKey + " ") };
        Assert.False(CacertsSecret.Holds(new V1Secret { Type = "Opaque", Data = changed }, material));

        // istiod's other form (tls.crt, tls.key, ca.crt) is read too.
        var tls = new V1Secret
        {
            Data = new Dictionary<string, byte[]>
            {
                ["tls.crt"] = System.Text.Encoding.UTF8.GetBytes(material.CertChain),
                ["tls.key"] = System.Text.Encoding.UTF8.GetBytes(material.CaKey),
                ["ca.crt"] = System.Text.Encoding.UTF8.GetBytes(material.RootCert),
            },
        };
        Assert.Equal(root.Thumbprint, CacertsValidator.Validate(CacertsSecret.MaterialOf(tls, "tls")!, CertificateFactory.Now()).RootThumbprint);
        Assert.Equal(new[] { root.Thumbprint }, CacertsSecret.RootThumbprints(tls));
        Assert.Null(CacertsSecret.MaterialOf(new V1Secret { Data = new Dictionary<string, byte[]> { ["other"] = new byte[1] } }, "x"));
        Assert.Empty(CacertsSecret.RootThumbprints(new V1Secret { Data = new Dictionary<string, byte[]> { ["root-cert.pem"] = new byte[] { 1 } } }));
    }

    [Fact]
    public void The_report_says_one_root_only_when_every_cluster_has_sound_cacerts_of_that_root()
    {
        var (a, _) = HandMadeRoot("O=Istio, CN=Root A", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var (b, _) = HandMadeRoot("O=Istio, CN=Root B", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        ClusterTrustReading Sound(string ctx, X509Certificate2 root) => new(ctx, "istio-system", ClusterTrustState.Cacerts, ctx, root, root, null);

        var one = MeshTrustInspector.Compare(new[] { Sound("c1", a), Sound("c2", a) });
        Assert.All(one, s => Assert.True(s.SharesOneRoot));
        Assert.All(one, s => Assert.Null(s.Problem));

        var two = MeshTrustInspector.Compare(new[] { Sound("c1", a), Sound("c2", b) });
        Assert.All(two, s => Assert.False(s.SharesOneRoot));
        Assert.Contains("'c2' (" + b.GetCertHashString(HashAlgorithmName.SHA256) + ")", two[0].Problem);

        var missing = MeshTrustInspector.Compare(new[] { Sound("c1", a), new ClusterTrustReading("c2", "istio-system", ClusterTrustState.NoCacerts, null, null, null, "No cacerts.") });
        Assert.All(missing, s => Assert.False(s.SharesOneRoot));
        Assert.Equal("'c2' has no sound cacerts.", missing[0].Problem);
        Assert.Equal("No cacerts.", missing[1].Problem);
        Assert.Equal(ClusterTrustState.NoCacerts, missing[1].State);

        Assert.Empty(MeshTrustInspector.Compare(Array.Empty<ClusterTrustReading>()));
    }
}
