using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MeshCluster.Engine.Trust;

/// <summary>Plug-in CA material that istiod would accept, parsed.</summary>
public sealed class ValidatedCacerts
{
    internal ValidatedCacerts(X509Certificate2 intermediate, X509Certificate2 root, IReadOnlyList<X509Certificate2> roots, IReadOnlyList<X509Certificate2> chain,
        IReadOnlyList<string> warnings)
    {
        Intermediate = intermediate;
        Root = root;
        Roots = roots;
        Chain = chain;
        Warnings = warnings;
    }

    public X509Certificate2 Intermediate { get; }

    /// <summary>The root the chain ends in (one of root-cert.pem's).</summary>
    public X509Certificate2 Root { get; }

    /// <summary>Every certificate of root-cert.pem (several while a root is rotated).</summary>
    public IReadOnlyList<X509Certificate2> Roots { get; }

    /// <summary>The verified path: ca-cert.pem, each issuer of cert-chain.pem it went through, the root.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; }

    /// <summary>Where the material differs from what Istio's Makefile (and this module) make, though istiod accepts it.</summary>
    public IReadOnlyList<string> Warnings { get; }

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
/// What istiod checks of cacerts: security/pkg/pki/util/keycertbundle.go Verify (ca-cert.pem verifies through the pool of
/// cert-chain.pem to a root of root-cert.pem, with Go's default extended key usage, serverAuth; the key parses and is the
/// certificate's) and security/pkg/pki/ca/ca.go NewPluggedCertIstioCAOptions (ca-cert.pem is a CA). No rule on ca-cert.pem's own
/// pathlen and no order rule: where the material differs from what Istio's Makefile makes (or has an RSA key under 2048 bits), a
/// warning says so. Two checks beyond istiod's, both for what every proxy verifies later, a workload certificate's chain: a CA of the
/// chain whose keyUsage lacks keyCertSign (Go ignores keyUsage; proxies check it), and an issuer whose pathlen leaves no room for
/// the workload certificates (<see cref="WhyNoRoomForWorkloads"/>).
/// </summary>
public static class CacertsValidator
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string AnyExtendedKeyUsage = "2.5.29.37.0";

    /// <summary>OpenSSL's short names, the same on every platform (the OS's friendly names are not).</summary>
    private static readonly Dictionary<string, string> UsageNames = new(StringComparer.Ordinal)
    {
        ["1.3.6.1.5.5.7.3.2"] = "clientAuth",
        ["1.3.6.1.5.5.7.3.3"] = "codeSigning",
        ["1.3.6.1.5.5.7.3.4"] = "emailProtection",
        ["1.3.6.1.5.5.7.3.8"] = "timeStamping",
        ["1.3.6.1.5.5.7.3.9"] = "OCSPSigning",
    };

    /// <exception cref="TrustMaterialException">The first problem found, in words.</exception>
    internal static ValidatedCacerts Validate(CacertsMaterial material, DateTimeOffset now)
    {
        var intermediate = TrustPem.ReadCertificates(material.CaCert, CacertsMaterial.CaCertKey)[0];
        using var key = TrustPem.ReadPrivateKey(material.CaKey, CacertsMaterial.CaKeyKey);
        var roots = TrustPem.ReadCertificates(material.RootCert, CacertsMaterial.RootCertKey);
        var given = TrustPem.ReadCertificates(material.CertChain, CacertsMaterial.CertChainKey);

        if (!CertificateKeys.Matches(intermediate, key)) throw new TrustMaterialException("ca-key.pem is not the key of ca-cert.pem");
        if (CaCertificateRules.WhyNotIntermediate(intermediate) is { } notIntermediate) throw new TrustMaterialException($"ca-cert.pem cannot be istiod's CA: {notIntermediate}");

        // Expiry first, in plain words: the chain builder would only say "not time valid".
        RequireValid(intermediate, CacertsMaterial.CaCertKey, now);
        var chain = VerifiedChain(intermediate, given, roots, now);
        if (WhyNotForServerAuth(chain) is { } usage) throw new TrustMaterialException(usage);
        if (WhyNoRoomForWorkloads(chain) is { } pathLength) throw new TrustMaterialException(pathLength, Errors.ErrorIds.ClusterCertificatePathLengthExceeded);

        var root = roots.First(r => r.RawData.AsSpan().SequenceEqual(chain[^1].RawData));
        return new ValidatedCacerts(intermediate, root, roots, chain, Differences(intermediate, given, chain));
    }

    private static void RequireValid(X509Certificate2 certificate, string file, DateTimeOffset now)
    {
        if (CaCertificateRules.WhyNotValidAt(certificate, now) is { } invalid)
        {
            throw new TrustMaterialException($"'{certificate.SubjectName.Decode(X500DistinguishedNameFlags.None)}' of {file}: {invalid}");
        }
    }

    /// <summary>
    /// The chain as X.509 builds it from ca-cert.pem, cert-chain.pem as a pool in any order (Go's Intermediates), anchored in root-cert.pem's
    /// certificates only (no system store, no revocation lookups); pathlen constraints of the issuers apply, as in Go.
    /// </summary>
    private static IReadOnlyList<X509Certificate2> VerifiedChain(X509Certificate2 intermediate, IReadOnlyList<X509Certificate2> given, IReadOnlyList<X509Certificate2> roots,
        DateTimeOffset now)
    {
        using var x509 = new X509Chain();
        x509.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        x509.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        x509.ChainPolicy.VerificationTime = now.UtcDateTime;
        x509.ChainPolicy.CustomTrustStore.AddRange(roots.ToArray());
        x509.ChainPolicy.ExtraStore.AddRange(given.ToArray());
        var built = x509.Build(intermediate);
        // The material's own objects, not the chain's (disposed with it).
        var known = given.Concat(roots).Prepend(intermediate).ToList();
        var elements = x509.ChainElements.Select(e => known.FirstOrDefault(k => k.RawData.AsSpan().SequenceEqual(e.Certificate.RawData)) ?? CertificatePublicCopy(e.Certificate)).ToList();
        if (built) return elements;

        foreach (var element in elements)
        {
            var file = roots.Any(r => r.RawData.AsSpan().SequenceEqual(element.RawData)) ? CacertsMaterial.RootCertKey : CacertsMaterial.CertChainKey;
            RequireValid(element, file, now);
        }

        var reasons = x509.ChainStatus.Select(s => s.StatusInformation.Trim().TrimEnd('.')).Where(s => s.Length > 0).Distinct();
        throw new TrustMaterialException($"ca-cert.pem does not verify to a root of root-cert.pem through cert-chain.pem ({string.Join("; ", reasons)})");
    }

#pragma warning disable SYSLIB0057 // the loader API arrived in .NET 9; the engine targets net8.0
    private static X509Certificate2 CertificatePublicCopy(X509Certificate2 certificate) => new(certificate.RawData);
#pragma warning restore SYSLIB0057

    /// <summary>
    /// Go's x509 Verify with no KeyUsages asks for serverAuth: every certificate of the chain (ca-cert.pem and the root included) that has
    /// an extended key usage must list serverAuth or anyExtendedKeyUsage (crypto/x509/verify.go checkChainForKeyUsage).
    /// </summary>
    internal static string? WhyNotForServerAuth(IReadOnlyList<X509Certificate2> chain)
    {
        for (var i = 0; i < chain.Count; i++)
        {
            var usage = chain[i].Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
            if (usage is null) continue;
            var oids = usage.EnhancedKeyUsages.Cast<Oid>().ToList();
            if (oids.Any(o => o.Value is ServerAuth or AnyExtendedKeyUsage)) continue;
            var which = i == 0 ? "ca-cert.pem" : i == chain.Count - 1 ? "the root" : $"its issuer '{chain[i].SubjectName.Decode(X500DistinguishedNameFlags.None)}'";
            var listed = oids.Count == 0 ? "none" : string.Join(", ", oids.Select(o => UsageNames.TryGetValue(o.Value ?? string.Empty, out var n) ? n : o.Value));
            return $"the extended key usage of {which} lists {listed} but not serverAuth (or any): istiod verifies ca-cert.pem with Go's default, serverAuth, " +
                   "and refuses it (security/pkg/pki/util/keycertbundle.go Verify)";
        }

        return null;
    }

    /// <summary>
    /// The chain verified for ca-cert.pem is one level short of what every proxy verifies: a workload certificate under ca-cert.pem. So a CA
    /// at position j of the chain (ca-cert.pem is 0) has j CAs below it in a workload's chain, and its pathLenConstraint must allow them
    /// (RFC 5280 6.1.4 (l); Go's crypto/x509/verify.go isValid, TooManyIntermediates). istiod loads such material (its own Verify has
    /// ca-cert.pem as the leaf), then every workload certificate it signs fails: a root with pathlen:0 over an intermediate is the case.
    /// </summary>
    internal static string? WhyNoRoomForWorkloads(IReadOnlyList<X509Certificate2> chain)
    {
        for (var j = 1; j < chain.Count; j++)
        {
            var constraints = chain[j].Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
            if (constraints is not { HasPathLengthConstraint: true } || constraints.PathLengthConstraint >= j) continue;
            var which = j == chain.Count - 1 ? "the root" : "its issuer";
            var n = constraints.PathLengthConstraint;
            return $"{which} '{chain[j].SubjectName.Decode(X500DistinguishedNameFlags.None)}' says pathlen:{n} in its basicConstraints, which allows " +
                   $"{(n == 0 ? "no CA" : $"{n} CA(s)")} below it, but a workload certificate signed by ca-cert.pem has {j} below it. istiod would load this " +
                   "material, and every proxy would refuse each workload certificate it signs (RFC 5280 6.1.4; Go: \"too many intermediates\"). " +
                   "Issue the intermediate from a root without such a pathlen (Istio's Makefile and New-IstioCertificateAuthority set none)";
        }

        return null;
    }

    /// <summary>What istiod accepts but the Makefile would have made otherwise.</summary>
    private static IReadOnlyList<string> Differences(X509Certificate2 intermediate, IReadOnlyList<X509Certificate2> given, IReadOnlyList<X509Certificate2> chain)
    {
        var warnings = new List<string>();
        var constraints = intermediate.Extensions.OfType<X509BasicConstraintsExtension>().First();
        if (!constraints.HasPathLengthConstraint || constraints.PathLengthConstraint != 0)
        {
            warnings.Add($"ca-cert.pem's basicConstraints {(constraints.HasPathLengthConstraint ? $"say pathlen:{constraints.PathLengthConstraint}" : "set no pathlen")}, " +
                         "where Istio's Makefile and New-IstioClusterCertificate write pathlen:0 (a CA that signs workload certificates only); istiod accepts it.");
        }

        for (var i = 0; i < chain.Count; i++)
        {
            if (CertificateKeys.Weakness(chain[i]) is not { } weak) continue;
            var which = i == 0 ? "ca-cert.pem" : i == chain.Count - 1 ? "The root" : "The issuer";
            warnings.Add($"{which} '{chain[i].SubjectName.Decode(X500DistinguishedNameFlags.None)}': {weak}" +
                         (i == chain.Count - 1 ? " (a new root: New-IstioCertificateAuthority, then Update-IstioMeshTrust)." : " (a new intermediate: New-IstioClusterCertificate)."));
        }

        bool Same(X509Certificate2 a, X509Certificate2 b) => a.RawData.AsSpan().SequenceEqual(b.RawData);
        bool InOrder(IReadOnlyList<X509Certificate2> expected) => given.Count == expected.Count && given.Zip(expected).All(p => Same(p.First, p.Second));
        if (!given.Any(c => Same(c, intermediate)))
        {
            warnings.Add("cert-chain.pem does not hold ca-cert.pem. istiod accepts it, but sends cert-chain.pem with every workload certificate it signs " +
                         "(security/pkg/pki/ca/ca.go signWithCertChain), so peers miss the issuer of those certificates: put ca-cert.pem first, " +
                         "then each issuer up to the root, as the Makefile does.");
        }
        else if (!InOrder(chain) && !InOrder(chain.Take(chain.Count - 1).ToList()))
        {
            warnings.Add($"cert-chain.pem holds {given.Count} certificate(s) in another order than the Makefile's (ca-cert.pem, then each issuer up to the root: " +
                         $"{chain.Count} here); istiod accepts it and sends it as it is with every workload certificate.");
        }

        return warnings;
    }
}
