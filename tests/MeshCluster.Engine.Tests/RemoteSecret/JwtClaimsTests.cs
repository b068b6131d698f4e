using System.Text;
using MeshCluster.Engine.RemoteSecret;

namespace MeshCluster.Engine.Tests.RemoteSecret;

public class JwtClaimsTests
{
    private static string Base64Url(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Jwt(string payload) => $"{Base64Url("{\"alg\":\"RS256\"}")}.{Base64Url(payload)}.c2lnbmF0dXJl";

    [Fact]
    public void Reads_subject_expiry_and_the_service_account_of_a_TokenRequest_token()
    {
        var claims = JwtClaims.Read(Jwt("{\"aud\":[\"https://kubernetes.default.svc\"],\"exp\":1893456000,\"iat\":1893455400,\"sub\":\"system:serviceaccount:istio-system:istio-reader-service-account\"}"));

        Assert.NotNull(claims);
        Assert.Equal("system:serviceaccount:istio-system:istio-reader-service-account", claims.Subject);
        Assert.Equal(("istio-system", "istio-reader-service-account"), (claims.ServiceAccountNamespace, claims.ServiceAccount));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1893456000), claims.Expires);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1893455400), claims.IssuedAt);
        Assert.Null(claims.SecretName);
    }

    [Fact]
    public void A_legacy_token_has_no_expiry_and_names_its_secret()
    {
        var claims = JwtClaims.Read(Jwt("{\"iss\":\"kubernetes/serviceaccount\",\"kubernetes.io/serviceaccount/namespace\":\"ns\",\"kubernetes.io/serviceaccount/secret.name\":\"reader-token-abcde\",\"sub\":\"system:serviceaccount:ns:reader\"}"));

        Assert.NotNull(claims);
        Assert.Null(claims.Expires);
        Assert.Equal("reader-token-abcde", claims.SecretName);
        Assert.Equal(("ns", "reader"), (claims.ServiceAccountNamespace, claims.ServiceAccount));
    }

    [Theory]
    [InlineData("{\"sub\":\"a\"}")]            // payload length % 4 == 2 after trimming
    [InlineData("{\"sub\":\"ab\"}")]           // % 4 == 3
    [InlineData("{\"sub\":\"abcd\"}")]         // % 4 == 0
    [InlineData("{\"sub\":\"\u00e9\u00e8?>\"}")] // bytes that base64url encodes with - and _
    public void Decodes_base64url_of_any_padding(string payload)
    {
        var claims = JwtClaims.Read(Jwt(payload));
        Assert.NotNull(claims);
        Assert.Equal(System.Text.Json.JsonDocument.Parse(payload).RootElement.GetProperty("sub").GetString(), claims.Subject);
        Assert.Null(claims.ServiceAccount); // not system:serviceaccount:<ns>:<name>
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("plain-static-token")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9..sig")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.!!!.sig")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.WzEsMl0.sig")]      // [1,2]: no object
    [InlineData("eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.sig")]  // "not json"
    [InlineData("eyJhbGciOiJSUzI1NiJ9.e30x.sig")]         // length % 4 == 1: no base64
    public void Anything_that_is_no_JWT_gives_null(string? token) => Assert.Null(JwtClaims.Read(token));

    [Theory]
    [InlineData("{\"exp\":\"tomorrow\"}")]
    [InlineData("{\"exp\":-5}")]
    [InlineData("{\"exp\":1e300}")]
    [InlineData("{\"sub\":42}")]
    public void Claims_of_the_wrong_type_or_range_count_as_absent(string payload)
    {
        var claims = JwtClaims.Read(Jwt(payload));
        Assert.NotNull(claims);
        Assert.Null(claims.Expires);
        Assert.Null(claims.Subject);
    }

    [Fact]
    public void A_deeply_nested_or_huge_payload_does_not_crash()
    {
        Assert.NotNull(JwtClaims.Read(Jwt("{\"x\":" + new string('[', 10) + new string(']', 10) + "}")));
        Assert.Null(JwtClaims.Read(Jwt("{\"x\":" + new string('[', 5000) + new string(']', 5000) + "}")));
        Assert.Null(JwtClaims.Read(Jwt("{\"x\":\"" + new string('a', 100_000) + "\"}")));
    }
}
