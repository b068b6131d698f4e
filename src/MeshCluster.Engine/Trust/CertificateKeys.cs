using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.Trust;

/// <summary>Key pairs for the mesh CAs: checked sizes, made off the caller's thread, matched against certificates.</summary>
public static class CertificateKeys
{
    /// <summary>Istio's Makefile: <c>openssl genrsa 4096</c> for the root and every intermediate.</summary>
    public const int DefaultRsaSize = 4096;

    public const int DefaultEcdsaSize = 256;

    /// <summary>-KeySize, or the default of the algorithm; CertificateKeySizeInvalid when it does not fit.</summary>
    public static int Size(CertificateKeyAlgorithm algorithm, int? requested)
    {
        var size = requested ?? (algorithm == CertificateKeyAlgorithm.Rsa ? DefaultRsaSize : DefaultEcdsaSize);
        var ok = algorithm == CertificateKeyAlgorithm.Rsa
            ? size is >= 2048 and <= 8192 && size % 1024 == 0
            : size is 256 or 384;
        if (ok) return size;
        throw new MeshClusterException(ErrorIds.CertificateKeySizeInvalid, ErrorCategory.InvalidArgument,
            algorithm == CertificateKeyAlgorithm.Rsa
                ? $"-KeySize {size} does not fit RSA: give 2048, 3072, 4096 (Istio's default), ... up to 8192."
                : $"-KeySize {size} does not fit ECDSA: give 256 (P-256) or 384 (P-384).",
            target: size);
    }

    /// <summary>"RSA 4096" or "ECDSA P-256", for messages.</summary>
    public static string Describe(CertificateKeyAlgorithm algorithm, int size) =>
        algorithm == CertificateKeyAlgorithm.Rsa ? $"RSA {size}" : $"ECDSA P-{size}";

    /// <summary>
    /// A new key pair. RSA 4096 takes seconds, and no native call can be interrupted: the work runs on the thread pool and
    /// the wait for it ends at once on <paramref name="ct"/> (the abandoned key is never used).
    /// </summary>
    public static Task<AsymmetricAlgorithm> CreateAsync(CertificateKeyAlgorithm algorithm, int size, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return Task.Run(() => Create(algorithm, size), ct).WaitAsync(ct);
    }

    private static AsymmetricAlgorithm Create(CertificateKeyAlgorithm algorithm, int size)
    {
        if (algorithm == CertificateKeyAlgorithm.Ecdsa)
        {
            return ECDsa.Create(size == 384 ? ECCurve.NamedCurves.nistP384 : ECCurve.NamedCurves.nistP256);
        }

        var rsa = RSA.Create(size);
        // OpenSSL makes the key lazily, at first use: make it here, where the time is reported.
        _ = rsa.ExportParameters(false);
        return rsa;
    }

    /// <summary>The smallest RSA key the module accepts without a warning: what it makes at least (-KeySize), NIST's minimum since 2014 (SP 800-131A).</summary>
    public const int MinimumRsaSize = 2048;

    /// <summary>
    /// Null when the certificate's key is strong enough; else why not, in words. An RSA key under 2048 bits is accepted by istiod and Go
    /// (crypto/rsa refuses only keys under 1024 bits) and so is warned about, never refused: a mesh that runs on one keeps working while
    /// its owner replaces it.
    /// </summary>
    public static string? Weakness(X509Certificate2 certificate)
    {
        using var rsa = certificate.GetRSAPublicKey();
        return rsa is not null && rsa.KeySize < MinimumRsaSize
            ? $"its RSA key has {rsa.KeySize} bits, under the {MinimumRsaSize} NIST has required since 2014 (SP 800-131A): weak enough to be broken by a determined attacker. " +
              "istiod accepts it; replace it"
            : null;
    }

    /// <summary>True when <paramref name="key"/> is the private half of the certificate's public key.</summary>
    public static bool Matches(X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        switch (key)
        {
            case RSA rsa:
            {
                using var pub = certificate.GetRSAPublicKey();
                if (pub is null) return false;
                RSAParameters a = pub.ExportParameters(false), b = rsa.ExportParameters(false);
                return a.Modulus.AsSpan().SequenceEqual(b.Modulus) && a.Exponent.AsSpan().SequenceEqual(b.Exponent);
            }
            case ECDsa ec:
            {
                using var pub = certificate.GetECDsaPublicKey();
                if (pub is null || pub.KeySize != ec.KeySize) return false;
                ECParameters a = pub.ExportParameters(false), b = ec.ExportParameters(false);
                return a.Q.X.AsSpan().SequenceEqual(b.Q.X) && a.Q.Y.AsSpan().SequenceEqual(b.Q.Y);
            }
            default:
                return false;
        }
    }

    /// <summary>The signer for certificates issued with <paramref name="key"/>: SHA-256, PKCS#1 v1.5 for RSA (as openssl x509 -sha256).</summary>
    public static X509SignatureGenerator SignatureGenerator(AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        ECDsa ec => X509SignatureGenerator.CreateForECDsa(ec),
        _ => throw new ArgumentException("Only RSA and ECDSA keys sign mesh certificates.", nameof(key)),
    };

    /// <summary>A certificate request for the public half of <paramref name="key"/>.</summary>
    public static CertificateRequest Request(X500DistinguishedName subject, AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        ECDsa ec => new CertificateRequest(subject, ec, HashAlgorithmName.SHA256),
        _ => throw new ArgumentException("Only RSA and ECDSA keys are supported.", nameof(key)),
    };
}
