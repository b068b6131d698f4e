using System.Text;
using k8s.Models;

namespace MeshCluster.Engine.Trust;

/// <summary>
/// Secret cacerts, as <c>kubectl create secret generic cacerts -n istio-system --from-file=ca-cert.pem --from-file=ca-key.pem
/// --from-file=root-cert.pem --from-file=cert-chain.pem</c> makes it: type Opaque, one data key per file.
/// </summary>
public static class CacertsSecret
{
    public const string Name = "cacerts";

    // istiod's other accepted form (a cert-manager style Secret): tls.crt holds the chain, tls.key the key, ca.crt the root.
    private const string TlsCert = "tls.crt";
    private const string TlsKey = "tls.key";
    private const string TlsRoot = "ca.crt";

    public static V1Secret Desired(string @namespace, CacertsMaterial material) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Type = "Opaque",
        Metadata = new V1ObjectMeta { Name = Name, NamespaceProperty = @namespace },
        Data = material.ToSecretData(),
    };

    /// <summary>True when the Secret is of type Opaque (no type means Opaque): the type of the Secret this module writes, which never changes.</summary>
    public static bool IsOpaque(V1Secret secret) => string.Equals(secret.Type ?? "Opaque", "Opaque", StringComparison.Ordinal);

    /// <summary>True when the Secret already holds exactly these four files (other keys do not count), as type Opaque.</summary>
    public static bool Holds(V1Secret existing, CacertsMaterial material)
    {
        if (!IsOpaque(existing)) return false;
        return material.ToSecretData().All(d => existing.Data is not null && existing.Data.TryGetValue(d.Key, out var have) && have.AsSpan().SequenceEqual(d.Value));
    }

    /// <summary>The Secret's material in either form istiod reads; null when it holds neither.</summary>
    public static CacertsMaterial? MaterialOf(V1Secret secret, string source)
    {
        var data = secret.Data ?? new Dictionary<string, byte[]>();
        string? Text(string key) => data.TryGetValue(key, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;

        if (Text(CacertsMaterial.CaCertKey) is { } caCert)
        {
            return new CacertsMaterial(caCert, Text(CacertsMaterial.CaKeyKey) ?? string.Empty, Text(CacertsMaterial.RootCertKey) ?? string.Empty,
                Text(CacertsMaterial.CertChainKey) ?? caCert, source);
        }

        if (Text(TlsCert) is { } tlsCert)
        {
            return new CacertsMaterial(tlsCert, Text(TlsKey) ?? string.Empty, Text(TlsRoot) ?? string.Empty, tlsCert, source);
        }

        return null;
    }

    /// <summary>root-cert.pem (or ca.crt) as the Secret holds it: what istiod compares, byte for byte; null when it has neither.</summary>
    public static byte[]? RootBytes(V1Secret secret)
    {
        var data = secret.Data ?? new Dictionary<string, byte[]>();
        return data.TryGetValue(CacertsMaterial.RootCertKey, out var root) ? root : data.TryGetValue(TlsRoot, out var ca) ? ca : null;
    }

    /// <summary>SHA-256 thumbprints of the roots the Secret names (root-cert.pem or ca.crt); empty when it names none readable.</summary>
    public static IReadOnlyList<string> RootThumbprints(V1Secret secret)
    {
        var data = secret.Data ?? new Dictionary<string, byte[]>();
        var text = data.TryGetValue(CacertsMaterial.RootCertKey, out var root) ? root : data.TryGetValue(TlsRoot, out var ca) ? ca : null;
        if (text is null) return Array.Empty<string>();
        try
        {
            return TrustPem.ReadCertificates(Encoding.UTF8.GetString(text), CacertsMaterial.RootCertKey)
                .Select(c => c.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)).ToList();
        }
        catch (TrustMaterialException)
        {
            return Array.Empty<string>();
        }
    }
}
