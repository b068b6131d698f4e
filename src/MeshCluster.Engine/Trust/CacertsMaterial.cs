using System.Text;

namespace MeshCluster.Engine.Trust;

/// <summary>
/// The four files of a cluster's plug-in CA (Istio's Makefile leaves them in &lt;cluster&gt;/, istiod reads them from Secret cacerts):
/// ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem. A class, not a record: a record's ToString would print the key.
/// </summary>
public sealed class CacertsMaterial
{
    public const string CaCertKey = "ca-cert.pem";
    public const string CaKeyKey = "ca-key.pem";
    public const string RootCertKey = "root-cert.pem";
    public const string CertChainKey = "cert-chain.pem";

    /// <summary>The four names in the order of the Makefile's <c>kubectl create secret generic cacerts</c> line.</summary>
    public static readonly IReadOnlyList<string> Keys = new[] { CaCertKey, CaKeyKey, RootCertKey, CertChainKey };

    public CacertsMaterial(string caCert, string caKey, string rootCert, string certChain, string source)
    {
        CaCert = caCert;
        CaKey = caKey;
        RootCert = rootCert;
        CertChain = certChain;
        Source = source;
    }

    public string CaCert { get; }

    /// <summary>The intermediate's private key, PEM: goes into files and the Secret only, never into a message.</summary>
    internal string CaKey { get; }

    public string RootCert { get; }

    /// <summary>The intermediate, then the root (<c>cat ca-cert.pem root-cert.pem</c>).</summary>
    public string CertChain { get; }

    /// <summary>Where it came from, for messages: a folder, or "the intermediate of cluster 'x'".</summary>
    public string Source { get; }

    /// <summary>What a cluster certificate made in this session holds, in the form the Makefile writes.</summary>
    public static CacertsMaterial From(IstioClusterCertificate certificate)
    {
        var caCert = TrustPem.Certificate(certificate.Certificate);
        var rootCert = TrustPem.Certificate(certificate.RootCertificate);
        return new CacertsMaterial(caCert, TrustPem.PrivateKey(certificate.PrivateKey), rootCert, caCert + rootCert,
            certificate.Path ?? $"the intermediate CA of cluster '{certificate.ClusterName}'");
    }

    /// <summary>The Secret's data: each file's bytes under its file name, as <c>kubectl create secret generic --from-file</c>.</summary>
    public IDictionary<string, byte[]> ToSecretData() => new Dictionary<string, byte[]>
    {
        [CaCertKey] = Encoding.UTF8.GetBytes(CaCert),
        [CaKeyKey] = Encoding.UTF8.GetBytes(CaKey),
        [RootCertKey] = Encoding.UTF8.GetBytes(RootCert),
        [CertChainKey] = Encoding.UTF8.GetBytes(CertChain),
    };

    /// <summary>The file's text by its name.</summary>
    internal string this[string key] => key switch
    {
        CaCertKey => CaCert,
        CaKeyKey => CaKey,
        RootCertKey => RootCert,
        CertChainKey => CertChain,
        _ => throw new ArgumentOutOfRangeException(nameof(key), key, null),
    };

    /// <summary>Names the source only.</summary>
    public override string ToString() => $"cacerts material from {Source}";
}
