using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace MeshCluster.Engine.Trust;

/// <summary>What makes a certificate a CA that can sign the next level down, in words for errors.</summary>
internal static class CaCertificateRules
{
    /// <summary>Null when the certificate may sign an intermediate CA; else why not.</summary>
    public static string? WhyNotRoot(X509Certificate2 certificate)
    {
        var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (constraints is null || !constraints.CertificateAuthority) return "its basicConstraints do not say CA:TRUE";
        if (!AllowsCertificateSigning(certificate)) return "its keyUsage lacks keyCertSign";
        if (constraints.HasPathLengthConstraint && constraints.PathLengthConstraint == 0)
        {
            return "its basicConstraints say pathlen:0, which allows no intermediate CA below it";
        }

        return null;
    }

    /// <summary>
    /// Null when the certificate can be istiod's signing CA: CA:TRUE (istiod refuses anything else: security/pkg/pki/ca/ca.go
    /// NewPluggedCertIstioCAOptions), and keyCertSign when it has a keyUsage (istiod does not look, but every proxy does when it
    /// verifies the workload certificates). No pathlen rule: istiod has none.
    /// </summary>
    public static string? WhyNotIntermediate(X509Certificate2 certificate)
    {
        var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (constraints is null || !constraints.CertificateAuthority)
        {
            return "it is no CA (basicConstraints do not say CA:TRUE), and istiod refuses it (\"certificate is not authorized to sign other certificates\")";
        }

        return AllowsCertificateSigning(certificate)
            ? null
            : "its keyUsage lacks keyCertSign: istiod would load it (Go does not read keyUsage), but every proxy refuses the workload certificates it signs";
    }

    /// <summary>Null when <paramref name="now"/> lies within the certificate's validity; else how it does not.</summary>
    public static string? WhyNotValidAt(X509Certificate2 certificate, DateTimeOffset now)
    {
        var notAfter = certificate.NotAfter.ToUniversalTime();
        var notBefore = certificate.NotBefore.ToUniversalTime();
        if (notAfter <= now.UtcDateTime) return $"it expired on {Format(notAfter)}";
        if (notBefore > now.UtcDateTime) return $"it is not valid before {Format(notBefore)}";
        return null;
    }

    public static string Format(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static bool AllowsCertificateSigning(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault() is not { } usage ||
        usage.KeyUsages.HasFlag(X509KeyUsageFlags.KeyCertSign);
}
