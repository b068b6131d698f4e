using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MeshCluster.Engine.Trust;

/// <summary>
/// The two certificates of Istio's tools/certs Makefile (common.mk, Makefile.selfsigned.mk), field for field and extension for
/// extension in OpenSSL 3's order: the self-signed root (root-ca.conf) and a cluster's intermediate (intermediate.conf, signed
/// with <c>openssl x509 -req -CA</c>, which adds the authority key identifier last).
/// </summary>
public static class CertificateFactory
{
    public const string DefaultOrganization = "Istio";
    public const string DefaultRootCommonName = "Root CA";
    public const string IntermediateOrganization = "Istio";
    public const string IntermediateCommonName = "Intermediate CA";

    /// <summary>INTERMEDIATE_SAN_DNS of common.mk.</summary>
    public const string IstiodDnsName = "istiod.istio-system.svc";

    /// <summary>ROOTCA_DAYS and INTERMEDIATE_DAYS of common.mk.</summary>
    public static readonly TimeSpan DefaultValidity = TimeSpan.FromDays(3650);

    // digitalSignature, nonRepudiation, keyEncipherment, keyCertSign: the keyUsage line of both configurations.
    private const X509KeyUsageFlags CaKeyUsage = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation |
                                                 X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyCertSign;

    /// <summary>O=&lt;organization&gt;, CN=&lt;commonName&gt;, self-signed: subjectKeyIdentifier, basicConstraints critical CA:true, keyUsage critical.</summary>
    public static X509Certificate2 CreateRoot(string organization, string commonName, AsymmetricAlgorithm key, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var subject = Name(("O", organization), ("CN", commonName));
        var request = CertificateKeys.Request(subject, key);
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(CaKeyUsage, true));
        return request.Create(subject, CertificateKeys.SignatureGenerator(key), notBefore, notAfter, Serial());
    }

    /// <summary>
    /// O=Istio, CN=Intermediate CA, L=&lt;cluster&gt;, signed by the root: subjectKeyIdentifier, basicConstraints critical CA:true pathlen:0,
    /// keyUsage critical, subjectAltName DNS:istiod.istio-system.svc, authorityKeyIdentifier (the root's key id).
    /// </summary>
    public static X509Certificate2 CreateIntermediate(string clusterName, X509Certificate2 root, AsymmetricAlgorithm rootKey, AsymmetricAlgorithm key,
        DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var subject = Name(("O", IntermediateOrganization), ("CN", IntermediateCommonName), ("L", clusterName));
        var request = CertificateKeys.Request(subject, key);
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(CaKeyUsage, true));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(IstiodDnsName);
        request.CertificateExtensions.Add(san.Build(false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(RootKeyIdentifier(root)));
        return request.Create(root.SubjectName, CertificateKeys.SignatureGenerator(rootKey), notBefore, notAfter, Serial());
    }

    /// <summary>Now, to the second: certificates hold whole seconds, and the output objects must say what the certificate says.</summary>
    public static DateTimeOffset Now() => DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    /// <summary>The root's subjectKeyIdentifier; a root without one (a corporate PKI's) gets the hash openssl would compute.</summary>
    private static byte[] RootKeyIdentifier(X509Certificate2 root) =>
        root.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault() is { SubjectKeyIdentifierBytes: var id }
            ? id.ToArray()
            : new X509SubjectKeyIdentifierExtension(root.PublicKey, false).SubjectKeyIdentifierBytes.ToArray();

    /// <summary>The RDNs in the order given (openssl's [req_dn] order), each a UTF8String (utf8 = yes).</summary>
    private static X500DistinguishedName Name(params (string Type, string Value)[] rdns)
    {
        // The builder puts each new RDN in front of the ones before it: add them last to first.
        var builder = new X500DistinguishedNameBuilder();
        foreach (var (type, value) in Enumerable.Reverse(rdns))
        {
            switch (type)
            {
                case "O": builder.AddOrganizationName(value); break;
                case "CN": builder.AddCommonName(value); break;
                case "L": builder.AddLocalityName(value); break;
                default: throw new ArgumentOutOfRangeException(nameof(rdns), type, "O, CN or L.");
            }
        }

        return builder.Build();
    }

    /// <summary>A positive 20-byte random serial, as OpenSSL 3 makes them (-CAcreateserial, x509 -req).</summary>
    private static byte[] Serial()
    {
        var serial = RandomNumberGenerator.GetBytes(20);
        serial[0] &= 0x7F;
        if (serial[0] == 0) serial[0] = 0x01; // a leading zero byte would not be the shortest encoding
        return serial;
    }
}
