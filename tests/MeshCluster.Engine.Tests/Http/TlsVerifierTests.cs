using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MeshCluster.Engine.Http;

namespace MeshCluster.Engine.Tests.Http;

/// <summary>The certificate check on its own, with certificates made here (the module tests cover it against real servers).</summary>
public sealed class TlsVerifierTests : IDisposable
{
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _ca;

    public TlsVerifierTests()
    {
        var request = new CertificateRequest("CN=test-ca", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    public void Dispose()
    {
        _ca.Dispose();
        _caKey.Dispose();
    }

    private X509Certificate2 Serving(string subject, Action<SubjectAlternativeNameBuilder>? names, X509Certificate2? issuer = null, ECDsa? issuerKey = null,
        DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        if (names is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            names(san);
            request.CertificateExtensions.Add(san.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(8);
        serial[0] &= 0x7f;
        var generator = X509SignatureGenerator.CreateForECDsa(issuerKey ?? _caKey);
        return request.Create((issuer ?? _ca).SubjectName, generator, DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddDays(10), serial);
    }

    private string? Check(X509Certificate2 certificate, string expected, X509Certificate2? trusted = null) =>
        new TlsVerifier(new X509Certificate2Collection(trusted ?? _ca), expected).Check(certificate, null, SslPolicyErrors.RemoteCertificateChainErrors);

    [Fact]
    public void An_IP_address_needs_an_IP_address_SAN()
    {
        using var withIp = Serving("CN=server", s => s.AddIpAddress(IPAddress.Loopback));
        using var withoutIp = Serving("CN=127.0.0.1", s => s.AddDnsName("wrong.example"));
        Assert.Null(Check(withIp, "127.0.0.1"));
        Assert.Equal("the server's certificate is valid for wrong.example, not 127.0.0.1", Check(withoutIp, "127.0.0.1"));
    }

    [Fact]
    public void The_subjects_common_name_alone_does_not_count()
    {
        using var cnOnly = Serving("CN=api.example", null);
        Assert.Equal("the server's certificate is valid for no names, not api.example", Check(cnOnly, "api.example"));
    }

    [Fact]
    public void Wildcards_match_one_label()
    {
        using var wildcard = Serving("CN=x", s => s.AddDnsName("*.example.com"));
        Assert.Null(Check(wildcard, "api.example.com"));
        Assert.NotNull(Check(wildcard, "a.b.example.com"));
    }

    [Fact]
    public void A_certificate_from_another_authority_is_refused_even_with_the_right_name()
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var otherRequest = new CertificateRequest("CN=other-ca", otherKey, HashAlgorithmName.SHA256);
        otherRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var other = otherRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var serving = Serving("CN=server", s => s.AddDnsName("api.example"), other, otherKey);

        Assert.Equal("the server's certificate is not signed by the kubeconfig's certificate authority", Check(serving, "api.example"));
        Assert.Null(Check(serving, "api.example", trusted: other));
    }

    [Fact]
    public void An_expired_certificate_is_refused()
    {
        using var expired = Serving("CN=server", s => s.AddDnsName("api.example"), notAfter: DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.Equal("the server's certificate (or its issuer) has expired or is not yet valid", Check(expired, "api.example"));
    }

    [Fact]
    public void Brackets_of_an_IPv6_host_are_not_part_of_the_name()
    {
        using var v6 = Serving("CN=server", s => s.AddIpAddress(IPAddress.IPv6Loopback));
        Assert.Null(new TlsVerifier(new X509Certificate2Collection(_ca), "[::1]").Check(v6, null, SslPolicyErrors.None));
    }
}
