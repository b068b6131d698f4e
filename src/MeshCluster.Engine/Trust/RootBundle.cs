using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MeshCluster.Engine.Trust;

/// <summary>
/// root-cert.pem as istiod compares it: byte for byte. istiod takes a changed bundle only when one contains the other
/// (pilot/pkg/bootstrap/istio_ca.go handleEvent: <c>bytes.Contains(current, new) || bytes.Contains(new, current)</c>), so a rotation
/// appends to the bytes as they are and later keeps the exact bytes of one block, never a re-encoding.
/// </summary>
internal sealed class RootBundle
{
    private readonly byte[] _bytes;

    private RootBundle(byte[] bytes, IReadOnlyList<(X509Certificate2 Certificate, byte[] Block)> roots)
    {
        _bytes = bytes;
        Roots = roots;
    }

    /// <summary>Each certificate of the bundle with its PEM block's exact bytes (and the line end after it, if any).</summary>
    public IReadOnlyList<(X509Certificate2 Certificate, byte[] Block)> Roots { get; }

    public byte[] Bytes => _bytes;

    public IReadOnlyList<string> Thumbprints => Roots.Select(r => Thumbprint(r.Certificate)).ToList();

    /// <exception cref="TrustMaterialException">A block that is no certificate, or none at all.</exception>
    public static RootBundle Read(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var roots = new List<(X509Certificate2, byte[])>();
        var offset = 0;
        while (PemEncoding.TryFind(text.AsSpan(offset), out var fields))
        {
            var start = offset + fields.Location.Start.Value;
            var end = offset + fields.Location.End.Value;
            if (end < text.Length && text[end] == '\r') end++;
            if (end < text.Length && text[end] == '\n') end++;
            var label = text.AsSpan(offset)[fields.Label].ToString();
            if (label == "CERTIFICATE")
            {
                var certificate = TrustPem.ReadCertificates(text[start..end], CacertsMaterial.RootCertKey)[0];
                roots.Add((certificate, Encoding.UTF8.GetBytes(text[start..end])));
            }

            offset = end;
        }

        return roots.Count > 0 ? new RootBundle(bytes, roots) : throw new TrustMaterialException("root-cert.pem holds no PEM certificate");
    }

    public bool Contains(string thumbprint) => Thumbprints.Contains(thumbprint, StringComparer.Ordinal);

    /// <summary>The bundle with <paramref name="root"/> appended after its bytes as they are (a newline between when the last line has none).</summary>
    public byte[] Appending(X509Certificate2 root)
    {
        var tail = _bytes.Length > 0 && _bytes[^1] != (byte)'\n' ? "\n" : string.Empty;
        return _bytes.Concat(Encoding.UTF8.GetBytes(tail + TrustPem.Certificate(root))).ToArray();
    }

    /// <summary>The exact bytes of <paramref name="thumbprint"/>'s block: a bundle the current one contains, as istiod asks.</summary>
    public byte[] Only(string thumbprint) => Roots.First(r => Thumbprint(r.Certificate) == thumbprint).Block;

    public static string Thumbprint(X509Certificate2 certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256);
}
