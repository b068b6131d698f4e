using System.Management.Automation;
using System.Text;
using k8s;
using k8s.Models;
using static MeshCluster.Module.Tests.RemoteSecret.RemoteSecretGround;

namespace MeshCluster.Module.Tests.RemoteSecret;

/// <summary>Publish-IstioRemoteSecret -TokenLifetime: a TokenRequest token whose exp the other day-two cmdlets read.</summary>
public sealed class TokenLifetimeTests(ClustersFixture fixture)
{
    private readonly RemoteSecretGround _ground = new(fixture);

    [Fact]
    public async Task A_time_bound_token_expires_after_the_lifetime_and_Get_and_Test_show_it()
    {
        var ns = await _ground.NamespaceAsync("d2-ttl");
        using var session = fixture.NewSession();
        var asked = DateTimeOffset.UtcNow;
        var result = session.Invoke("$DebugPreference = 'Continue'; Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -CreateServiceAccount -TokenLifetime 00:10:00 -Verbose -WarningAction SilentlyContinue", "brief", ns);
        result.AssertSucceeded();
        var o = Assert.Single(result.Output);
        Assert.Equal("Created", o.Prop("Action"));
        Assert.Null(o.Prop("TokenSecretName"));
        var expires = (DateTimeOffset)o.Prop("TokenExpires")!;

        var secret = await _ground.ReadAsync(ns, "brief");
        var token = TokenOf(secret, "brief");
        var exp = ExpClaim(token);
        Assert.Equal(exp, expires);
        // exp = the moment the API server issued it + 600 s: within the run's own span of "now".
        Assert.InRange(exp, asked.AddSeconds(600).AddSeconds(-5), DateTimeOffset.UtcNow.AddSeconds(600).AddSeconds(5));
        Assert.True(await TokenWorksAsync(secret, "brief"));
        // A TokenRequest token, not a token secret's: no token secret holds it.
        Assert.Null(await _ground.HolderAsync(ns, token));
        result.AssertNoSecret(new[] { token });

        var info = Assert.Single(session.Invoke("Get-IstioRemoteSecret -Context $C1 -Namespace $args[0]", ns).Output);
        Assert.Equal(exp, (DateTimeOffset)info.Prop("TokenExpires")!);
        Assert.Equal(Reader, info.Prop("ServiceAccount"));

        var warned = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0] -ExpiryWarning 01:00:00", ns);
        warned.AssertSucceeded();
        var health = Assert.Single(warned.Output);
        Assert.True((bool)health.Prop("Healthy")!); // a warning, not a failure
        var expiry = ((object[])health.Prop("Checks")!).Select(PSObject.AsPSObject).Single(c => (string)c.Prop("Name")! == "TokenExpiry");
        Assert.Equal("Warning", expiry.Prop("Status"));
        Assert.Contains("renew", (string)expiry.Prop("Detail")!);

        var calm = session.Invoke("Test-IstioRemoteCluster -Context $C1 -Namespace $args[0] -ExpiryWarning 00:05:00", ns);
        var calmExpiry = ((object[])Assert.Single(calm.Output).Prop("Checks")!).Select(PSObject.AsPSObject).Single(c => (string)c.Prop("Name")! == "TokenExpiry");
        Assert.Equal("Passed", calmExpiry.Prop("Status"));

        // Renewing (the scheduled pipeline's step) gives a new token each time.
        var renewed = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -TokenLifetime 01:00:00 -WarningAction SilentlyContinue", "brief", ns);
        renewed.AssertSucceeded();
        Assert.Equal("Updated", Assert.Single(renewed.Output).Prop("Action"));
        var renewedToken = TokenOf(await _ground.ReadAsync(ns, "brief"), "brief");
        Assert.NotEqual(token, renewedToken);
        Assert.InRange(ExpClaim(renewedToken), DateTimeOffset.UtcNow.AddMinutes(59), DateTimeOffset.UtcNow.AddMinutes(61));
    }

    [Fact]
    public async Task The_CA_comes_from_kube_root_ca_crt_where_the_namespace_has_it()
    {
        var ns = await _ground.NamespaceAsync("d2-rootca");
        using var session = fixture.NewSession();
        // What kube-controller-manager's root-ca-cert-publisher writes from 1.20 on (the test ground does not run it).
        var ca = await File.ReadAllTextAsync(_ground.Remote.CaFile, Ct);
        await _ground.Remote.Admin.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "kube-root-ca.crt" },
            Data = new Dictionary<string, string> { ["ca.crt"] = ca },
        }, ns, cancellationToken: Ct);

        var result = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -CreateServiceAccount -TokenLifetime 00:30:00 -Verbose -WarningAction SilentlyContinue", "rooted", ns);
        result.AssertSucceeded();
        Assert.Contains(result.Verbose, v => v.Contains($"ConfigMap {ns}/kube-root-ca.crt", StringComparison.Ordinal));
        Assert.Equal(ca, Encoding.UTF8.GetString(CaOf(await _ground.ReadAsync(ns, "rooted"), "rooted")));
    }

    [Theory]
    [InlineData("00:09:59")]
    [InlineData("00:00:00")]
    [InlineData("-01:00:00")]
    public async Task A_lifetime_under_ten_minutes_is_TokenLifetimeInvalid_and_nothing_is_written(string lifetime)
    {
        var ns = fixture.UniqueName("d2-short");
        await _ground.Primary.EnsureNamespaceAsync(ns, Ct);
        using var session = fixture.NewSession();

        var result = session.Invoke("Publish-IstioRemoteSecret -Context $C2 -Name short -PrimaryContext $C1 -Namespace $args[0] -CreateServiceAccount -TokenLifetime ([timespan]$args[1])", ns, lifetime);
        Assert.Empty(result.Output);
        var error = result.FirstError!;
        Assert.StartsWith("TokenLifetimeInvalid,MeshCluster.Commands.PublishIstioRemoteSecretCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("10 minutes", error.Exception.Message);
        Assert.Null(await TryAsync(() => _ground.Primary.Admin.CoreV1.ReadNamespacedSecretAsync("istio-remote-secret-short", ns, cancellationToken: Ct)));
        // Not even the service account's namespace was created in the remote.
        Assert.Null(await TryAsync(() => _ground.Remote.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct)));
    }

    /// <summary>The exp claim, read here independently of the module.</summary>
    private static DateTimeOffset ExpClaim(string token)
    {
        var payload = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
        using var json = System.Text.Json.JsonDocument.Parse(Convert.FromBase64String(payload));
        return DateTimeOffset.FromUnixTimeSeconds(json.RootElement.GetProperty("exp").GetInt64());
    }
}
