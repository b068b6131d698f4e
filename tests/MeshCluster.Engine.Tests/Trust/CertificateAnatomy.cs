using System.Formats.Asn1;
using System.Numerics;

namespace MeshCluster.Engine.Tests.Trust;

/// <summary>
/// A certificate taken apart with the ASN.1 reader, field by field (RFC 5280, 4.1), independently of the code that made it and of
/// X509Certificate2's own parsing: what the tests compare with Istio's Makefile.
/// </summary>
internal sealed class CertificateAnatomy
{
    public required int Version { get; init; }
    public required byte[] Serial { get; init; }
    public required string SignatureAlgorithm { get; init; }
    public required bool SignatureAlgorithmHasNullParameters { get; init; }
    public required IReadOnlyList<Rdn> Issuer { get; init; }
    public required byte[] IssuerDer { get; init; }
    public required IReadOnlyList<Rdn> Subject { get; init; }
    public required byte[] SubjectDer { get; init; }
    public required DateTimeOffset NotBefore { get; init; }
    public required DateTimeOffset NotAfter { get; init; }
    public required UniversalTagNumber NotAfterEncoding { get; init; }
    public required string PublicKeyAlgorithm { get; init; }
    public required byte[] SubjectPublicKey { get; init; }
    public required IReadOnlyList<Extension> Extensions { get; init; }

    /// <summary>One attribute of the name, in encoding order: OID, string type and value.</summary>
    public sealed record Rdn(string Oid, UniversalTagNumber StringType, string Value);

    public sealed record Extension(string Oid, bool Critical, byte[] Value);

    public Extension Single(string oid) => Assert.Single(Extensions, e => e.Oid == oid);

    public static CertificateAnatomy Parse(byte[] der)
    {
        var certificate = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var tbs = certificate.ReadSequence();
        var version = 1;
        if (tbs.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            var explicitVersion = tbs.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0));
            version = (int)explicitVersion.ReadInteger() + 1;
        }

        var serial = tbs.ReadIntegerBytes().ToArray();
        var signature = tbs.ReadSequence();
        var signatureOid = signature.ReadObjectIdentifier();
        var nullParameters = signature.HasData && signature.PeekTag().HasSameClassAndValue(Asn1Tag.Null);
        var issuerDer = tbs.PeekEncodedValue().ToArray();
        var issuer = Name(tbs.ReadSequence());
        var validity = tbs.ReadSequence();
        var notBefore = Time(validity, out _);
        var notAfter = Time(validity, out var notAfterTag);
        var subjectDer = tbs.PeekEncodedValue().ToArray();
        var subject = Name(tbs.ReadSequence());
        var spki = tbs.ReadSequence();
        var keyAlgorithm = spki.ReadSequence().ReadObjectIdentifier();
        var publicKey = spki.ReadBitString(out _);
        var extensions = new List<Extension>();
        if (tbs.HasData)
        {
            var list = tbs.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 3)).ReadSequence();
            while (list.HasData)
            {
                var ext = list.ReadSequence();
                var oid = ext.ReadObjectIdentifier();
                var critical = ext.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && ext.ReadBoolean();
                extensions.Add(new Extension(oid, critical, ext.ReadOctetString()));
            }
        }

        return new CertificateAnatomy
        {
            Version = version,
            Serial = serial,
            SignatureAlgorithm = signatureOid,
            SignatureAlgorithmHasNullParameters = nullParameters,
            Issuer = issuer,
            IssuerDer = issuerDer,
            Subject = subject,
            SubjectDer = subjectDer,
            NotBefore = notBefore,
            NotAfter = notAfter,
            NotAfterEncoding = notAfterTag,
            PublicKeyAlgorithm = keyAlgorithm,
            SubjectPublicKey = publicKey,
            Extensions = extensions,
        };
    }

    /// <summary>basicConstraints: (cA, pathLenConstraint or null).</summary>
    public static (bool Ca, BigInteger? PathLength) BasicConstraints(byte[] value)
    {
        var seq = new AsnReader(value, AsnEncodingRules.DER).ReadSequence();
        var ca = seq.HasData && seq.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && seq.ReadBoolean();
        BigInteger? pathLength = seq.HasData ? seq.ReadInteger() : null;
        return (ca, pathLength);
    }

    /// <summary>keyUsage as the named bits set (0 = digitalSignature ... 5 = keyCertSign).</summary>
    public static int[] KeyUsageBits(byte[] value)
    {
        var bits = new AsnReader(value, AsnEncodingRules.DER).ReadBitString(out var unused);
        var set = new List<int>();
        for (var i = 0; i < bits.Length * 8 - unused; i++)
        {
            if ((bits[i / 8] & (0x80 >> (i % 8))) != 0) set.Add(i);
        }

        return set.ToArray();
    }

    /// <summary>subjectAltName dNSName entries.</summary>
    public static string[] DnsNames(byte[] value)
    {
        var seq = new AsnReader(value, AsnEncodingRules.DER).ReadSequence();
        var names = new List<string>();
        while (seq.HasData)
        {
            var tag = seq.PeekTag();
            if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 2))) names.Add(seq.ReadCharacterString(UniversalTagNumber.IA5String, tag));
            else seq.ReadEncodedValue();
        }

        return names.ToArray();
    }

    /// <summary>authorityKeyIdentifier keyIdentifier [0], and whether issuer/serial ([1], [2]) are there too.</summary>
    public static (byte[]? KeyId, bool HasIssuerAndSerial) AuthorityKeyIdentifier(byte[] value)
    {
        var seq = new AsnReader(value, AsnEncodingRules.DER).ReadSequence();
        byte[]? keyId = null;
        var more = false;
        while (seq.HasData)
        {
            var tag = seq.PeekTag();
            if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0))) keyId = seq.ReadOctetString(tag);
            else
            {
                more = true;
                seq.ReadEncodedValue();
            }
        }

        return (keyId, more);
    }

    public static byte[] SubjectKeyIdentifier(byte[] value) => new AsnReader(value, AsnEncodingRules.DER).ReadOctetString();

    private static IReadOnlyList<Rdn> Name(AsnReader name)
    {
        var rdns = new List<Rdn>();
        while (name.HasData)
        {
            var set = name.ReadSetOf();
            var attribute = set.ReadSequence();
            var oid = attribute.ReadObjectIdentifier();
            var tag = attribute.PeekTag();
            rdns.Add(new Rdn(oid, (UniversalTagNumber)tag.TagValue, attribute.ReadCharacterString((UniversalTagNumber)tag.TagValue)));
            Assert.False(set.HasData, "one attribute per RDN, as openssl writes them");
        }

        return rdns;
    }

    private static DateTimeOffset Time(AsnReader validity, out UniversalTagNumber tag)
    {
        tag = (UniversalTagNumber)validity.PeekTag().TagValue;
        return tag == UniversalTagNumber.UtcTime ? validity.ReadUtcTime() : validity.ReadGeneralizedTime();
    }
}
