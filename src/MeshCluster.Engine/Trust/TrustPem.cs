using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MeshCluster.Engine.Trust;

/// <summary>
/// PEM as OpenSSL writes it and istiod reads it: 64-character base64 lines, LF, a newline after the END line. Reads
/// certificates, and private keys in the three forms istiod accepts: PKCS#8 (PRIVATE KEY, what OpenSSL 3 writes),
/// PKCS#1 (RSA PRIVATE KEY) and SEC 1 (EC PRIVATE KEY).
/// </summary>
public static class TrustPem
{
    private const string CertificateLabel = "CERTIFICATE";

    public static string Certificate(X509Certificate2 certificate) => new string(PemEncoding.Write(CertificateLabel, certificate.RawData)) + "\n";

    /// <summary>PKCS#8, as <c>openssl genrsa</c> of OpenSSL 3 writes it.</summary>
    public static string PrivateKey(AsymmetricAlgorithm key) => key.ExportPkcs8PrivateKeyPem() + "\n";

    /// <summary>Every CERTIFICATE block, in order; other blocks (a key, text between blocks) are skipped.</summary>
    /// <exception cref="TrustMaterialException">No certificate at all, or one that does not parse.</exception>
    internal static IReadOnlyList<X509Certificate2> ReadCertificates(string text, string what)
    {
        var found = new List<X509Certificate2>();
        foreach (var (label, der) in Blocks(text))
        {
            if (label != CertificateLabel) continue;
            try
            {
#pragma warning disable SYSLIB0057 // the loader API arrived in .NET 9; the engine targets net8.0
                found.Add(new X509Certificate2(der));
#pragma warning restore SYSLIB0057
            }
            catch (CryptographicException)
            {
                throw new TrustMaterialException($"{what} holds a CERTIFICATE block that is no valid X.509 certificate");
            }
        }

        return found.Count > 0 ? found : throw new TrustMaterialException($"{what} holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }

    /// <summary>The first private key block: RSA or EC, PKCS#8, PKCS#1 or SEC 1, unencrypted.</summary>
    /// <exception cref="TrustMaterialException">No key, an encrypted one, or one of another algorithm.</exception>
    internal static AsymmetricAlgorithm ReadPrivateKey(string text, string what)
    {
        foreach (var (label, der) in Blocks(text))
        {
            switch (label)
            {
                case "PRIVATE KEY":
                    return ImportPkcs8(der, what);
                case "RSA PRIVATE KEY":
                    return Import(RSA.Create(), k => k.ImportRSAPrivateKey(der, out _), what, "PKCS#1 RSA");
                case "EC PRIVATE KEY":
                    return Import(ECDsa.Create(), k => k.ImportECPrivateKey(der, out _), what, "SEC 1 EC");
                case "ENCRYPTED PRIVATE KEY":
                    throw Encrypted(what);
            }
        }

        // PemEncoding does not read RFC 1421 headers, the form of OpenSSL's legacy encrypted keys (Proc-Type: 4,ENCRYPTED).
        if (text.Contains("ENCRYPTED", StringComparison.Ordinal)) throw Encrypted(what);
        throw new TrustMaterialException($"{what} holds no PEM private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
    }

    private static AsymmetricAlgorithm ImportPkcs8(byte[] der, string what)
    {
        // The algorithm is named inside the PKCS#8 structure; trying both is simpler than parsing it and as strict.
        var rsa = RSA.Create();
        try
        {
            rsa.ImportPkcs8PrivateKey(der, out _);
            return rsa;
        }
        catch (CryptographicException)
        {
            rsa.Dispose();
        }

        return Import(ECDsa.Create(), k => k.ImportPkcs8PrivateKey(der, out _), what, "PKCS#8 RSA or EC");
    }

    private static T Import<T>(T key, Action<T> import, string what, string form) where T : AsymmetricAlgorithm
    {
        try
        {
            import(key);
            return key;
        }
        catch (CryptographicException)
        {
            key.Dispose();
            throw new TrustMaterialException($"{what} holds no readable {form} private key (istiod reads RSA and EC keys only)");
        }
    }

    private static TrustMaterialException Encrypted(string what) =>
        new($"{what} holds an encrypted private key; istiod cannot read one either. Decrypt it first (openssl pkey -in key.pem -out plain.pem)");

    private static IEnumerable<(string Label, byte[] Der)> Blocks(string text)
    {
        var rest = text.AsMemory();
        while (PemEncoding.TryFind(rest.Span, out var fields))
        {
            var label = rest.Span[fields.Label].ToString();
            var der = Convert.FromBase64String(rest.Span[fields.Base64Data].ToString());
            rest = rest[fields.Location.End..];
            yield return (label, der);
        }
    }
}
