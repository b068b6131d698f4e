using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MeshCluster.Engine.Trust;

/// <summary>Plug-in CA material that istiod would accept, parsed.</summary>
public sealed class ValidatedCacerts
{
    internal ValidatedCacerts(X509Certificate2 intermediate, X509Certificate2 root, IReadOnlyList<X509Certificate2> roots)
    {
        Intermediate = intermediate;
        Root = root;
        Roots = roots;
    }

    public X509Certificate2 Intermediate { get; }

    /// <summary>The root the chain ends in (one of root-cert.pem's).</summary>
    public X509Certificate2 Root { get; }

    /// <summary>Every certificate of root-cert.pem (several while a root is rotated).</summary>
    public IReadOnlyList<X509Certificate2> Roots { get; }

    public string Thumbprint => Intermediate.GetCertHashString(HashAlgorithmName.SHA256);

    public string RootThumbprint => Root.GetCertHashString(HashAlgorithmName.SHA256);

    /// <summary>The intermediate's L= (the Makefile puts the cluster's folder name there); null without one.</summary>
    public string? ClusterName => Locality(Intermediate);

    internal static string? Locality(X509Certificate2 certificate)
    {
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.GetSingleElementType().Value == "2.5.4.7") return rdn.GetSingleElementValue();
        }

        return null;
    }
}

/// <summary>
/// What istiod checks of cacerts when it starts (security/pkg/pki/util/keycertbundle.go Verify), and what Istio's guide needs on
/// top: the intermediate verifies through cert-chain.pem to a root of root-cert.pem, its key matches, it is a CA with pathlen:0,
/// and nothing has expired.
/// </summary>
public static class CacertsValidator
{
    /// <exception cref="TrustMaterialException">The first problem found, in words.</exception>
    internal static ValidatedCacerts Validate(CacertsMaterial material, DateTimeOffset now)
    {
        var intermediate = TrustPem.ReadCertificates(material.CaCert, CacertsMaterial.CaCertKey)[0];
        using var key = TrustPem.ReadPrivateKey(material.CaKey, CacertsMaterial.CaKeyKey);
        var roots = TrustPem.ReadCertificates(material.RootCert, CacertsMaterial.RootCertKey);
        var chain = TrustPem.ReadCertificates(material.CertChain, CacertsMaterial.CertChainKey);

        if (!CertificateKeys.Matches(intermediate, key)) throw new TrustMaterialException("ca-key.pem is not the key of ca-cert.pem");
        if (CaCertificateRules.WhyNotIntermediate(intermediate) is { } notIntermediate) throw new TrustMaterialException($"ca-cert.pem cannot be istiod's CA: {notIntermediate}");
        if (!chain[0].RawData.AsSpan().SequenceEqual(intermediate.RawData))
        {
            throw new TrustMaterialException("cert-chain.pem does not start with ca-cert.pem (istiod sends the chain as it is: the intermediate first, then the root)");
        }

        // Expiry first, in plain words: the chain builder would only say "not time valid".
        foreach (var certificate in chain) RequireValid(certificate, CacertsMaterial.CertChainKey, now);
        if (roots.Count == 1) RequireValid(roots[0], CacertsMaterial.RootCertKey, now);
        var root = VerifiedRoot(intermediate, chain, roots, now);
        RequireValid(root, CacertsMaterial.RootCertKey, now);
        return new ValidatedCacerts(intermediate, root, roots);
    }

    private static void RequireValid(X509Certificate2 certificate, string file, DateTimeOffset now)
    {
        if (CaCertificateRules.WhyNotValidAt(certificate, now) is { } invalid)
        {
            throw new TrustMaterialException($"'{certificate.SubjectName.Decode(X500DistinguishedNameFlags.None)}' of {file}: {invalid}");
        }
    }

    /// <summary>The chain as X.509 builds it, anchored in root-cert.pem's certificates only (no system store, no revocation lookups).</summary>
    private static X509Certificate2 VerifiedRoot(X509Certificate2 intermediate, IReadOnlyList<X509Certificate2> chain, IReadOnlyList<X509Certificate2> roots, DateTimeOffset now)
    {
        using var x509 = new X509Chain();
        x509.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        x509.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        x509.ChainPolicy.VerificationTime = now.UtcDateTime;
        x509.ChainPolicy.CustomTrustStore.AddRange(roots.ToArray());
        x509.ChainPolicy.ExtraStore.AddRange(chain.Skip(1).ToArray());
        if (!x509.Build(intermediate))
        {
            var reasons = x509.ChainStatus.Select(s => s.StatusInformation.Trim().TrimEnd('.')).Where(s => s.Length > 0).Distinct();
            throw new TrustMaterialException($"ca-cert.pem does not verify to a root of root-cert.pem through cert-chain.pem ({string.Join("; ", reasons)})");
        }

        var anchor = x509.ChainElements[^1].Certificate;
        return roots.First(r => r.RawData.AsSpan().SequenceEqual(anchor.RawData));
    }
}
