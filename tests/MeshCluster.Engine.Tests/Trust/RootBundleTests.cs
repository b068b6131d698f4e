using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MeshCluster.Engine.Trust;

namespace MeshCluster.Engine.Tests.Trust;

/// <summary>
/// root-cert.pem as istiod compares it (pilot/pkg/bootstrap/istio_ca.go handleEvent: <c>bytes.Contains(current, new) ||
/// bytes.Contains(new, current)</c>): every bundle a rotation writes must contain, or be contained in, the one before, byte for byte,
/// whatever line ends and text the file held.
/// </summary>
public sealed class RootBundleTests
{
    private static X509Certificate2 Root(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static bool Contains(byte[] outer, byte[] inner) => outer.AsSpan().IndexOf(inner) >= 0;

    [Theory]
    [InlineData("\n", "")] // OpenSSL's form
    [InlineData("\r\n", "")] // written on Windows
    [InlineData("", "")] // no newline after the END line
    [InlineData("\n", "# the mesh root, made 2024\n")] // text before the block
    public void TrustBoth_appends_to_the_bytes_as_they_are_and_RetireOld_keeps_one_block_the_bundle_contains(string lineEnd, string preamble)
    {
        var old = Root("old");
        var @new = Root("new");
        var pem = new string(PemEncoding.Write("CERTIFICATE", old.RawData)).Replace("\n", lineEnd.Length == 0 ? "\n" : lineEnd) + lineEnd;
        var current = Encoding.UTF8.GetBytes(preamble + pem);

        var bundle = RootBundle.Read(current);
        Assert.Equal(new[] { RootBundle.Thumbprint(old) }, bundle.Thumbprints);
        var both = bundle.Appending(@new);
        Assert.True(Contains(both, current), "TrustBoth's bundle must contain the current one (istiod ignores it otherwise)");

        var twoRoots = RootBundle.Read(both);
        Assert.Equal(new[] { RootBundle.Thumbprint(old), RootBundle.Thumbprint(@new) }, twoRoots.Thumbprints);
        var newAlone = twoRoots.Only(RootBundle.Thumbprint(@new));
        var oldAlone = twoRoots.Only(RootBundle.Thumbprint(old));
        Assert.True(Contains(both, newAlone) && Contains(both, oldAlone), "RetireOld's bundle must be contained in the one before");
        Assert.Equal(new[] { RootBundle.Thumbprint(@new) }, RootBundle.Read(newAlone).Thumbprints);
        Assert.Equal(new[] { RootBundle.Thumbprint(old) }, RootBundle.Read(oldAlone).Thumbprints);
    }

    [Fact]
    public void A_bundle_without_a_certificate_is_refused()
    {
        Assert.Throws<TrustMaterialException>(() => RootBundle.Read(Encoding.UTF8.GetBytes("not a certificate\n")));
    }

    [Fact]
    public void The_record_round_trips_through_the_annotations_and_keeps_the_others()
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var record = new MeshRotationRecord(MeshTrustPhase.SignWithNew, "NEW", "OLD", at, "NEW", at.AddMinutes(1));
        var annotations = record.Apply(new Dictionary<string, string> { ["kept"] = "yes", [MeshRotationRecord.PhaseAnnotation] = "TrustBoth" });
        Assert.Equal("yes", annotations["kept"]);
        Assert.Equal("NEW 2027-01-15T08:01:00Z", annotations[MeshRotationRecord.SigningSinceAnnotation]);
        Assert.Equal(record, MeshRotationRecord.Read(annotations));
        Assert.Equal(MeshRotationRecord.None, MeshRotationRecord.Read(new Dictionary<string, string> { [MeshRotationRecord.PhaseAnnotation] = "Sideways" }));
    }
}
