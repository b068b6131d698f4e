using System.Net;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>The names and markers istioctl create-remote-secret uses; istiod selects remote secrets by them.</summary>
public static partial class RemoteSecretNames
{
    public const string SecretPrefix = "istio-remote-secret-";
    public const string MultiClusterLabel = "istio/multiCluster";
    public const string ClusterAnnotation = "networking.istio.io/cluster";
    public const string DefaultServiceAccount = "istio-reader-service-account";
    public const string ServiceAccountNameAnnotation = "kubernetes.io/service-account.name";
    public const string ServiceAccountTokenType = "kubernetes.io/service-account-token";
    public const string FieldManager = "meshcluster";

    /// <summary>On every object MeshCluster creates in a remote cluster (value <see cref="FieldManager"/>): only such token secrets are ever revoked by Remove-IstioRemoteSecret.</summary>
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";

    /// <summary>On a token secret made by -RotateToken: the remote cluster's name it was made for.</summary>
    public const string TokenForClusterAnnotation = "meshcluster.io/cluster-name";

    /// <summary>
    /// On a token secret made by -RotateToken: the SHA-256 (hex) of the token it replaces. Ties an
    /// interrupted rotation's new secret to the token the primary still holds, so a re-run reuses it.
    /// </summary>
    public const string ReplacesTokenAnnotation = "meshcluster.io/replaces-token-sha256";

    /// <summary>
    /// On a token secret made by -RotateToken until the rotation has its token in the primary (removed by the confirmation that
    /// follows the swap): another rotation's orphan clean-up leaves such a secret alone while it is young, for its rotation may
    /// still be verifying it.
    /// </summary>
    public const string UnconfirmedAnnotation = "meshcluster.io/unconfirmed";

    /// <summary>How long an unconfirmed token secret is taken for a rotation in progress (a rotation's token wait and verification take well under this).</summary>
    public static readonly TimeSpan UnconfirmedGrace = TimeSpan.FromMinutes(10);

    /// <summary>The prefix of the uniquely named token secrets -RotateToken creates (the API server appends 5 characters).</summary>
    public static string RotatedTokenSecretPrefix(string serviceAccount) => TokenSecretName(serviceAccount) + "-";

    public static string SecretName(string clusterName) => SecretPrefix + clusterName;

    /// <summary>The token secret istioctl creates from Kubernetes 1.24 on.</summary>
    public static string TokenSecretName(string serviceAccount) => serviceAccount + "-istio-remote-secret-token";

    /// <summary>istioctl's (and the Istio chart's) reader ClusterRole and ClusterRoleBinding name.</summary>
    public static string ReaderClusterRoleName(string @namespace) => "istio-reader-clusterrole-" + @namespace;

    /// <summary>The name the pre-1.24 token controller gives the secrets it makes: &lt;sa&gt;-token-&lt;5 random characters&gt;.</summary>
    public static bool IsGeneratedTokenSecretName(string? secretName, string serviceAccount) =>
        secretName is not null && secretName.Length == serviceAccount.Length + 12 &&
        secretName.StartsWith(serviceAccount + "-token-", StringComparison.Ordinal) &&
        secretName.AsSpan(serviceAccount.Length + 7).IndexOfAnyExcept(TokenSuffixAlphabet) < 0;

    // The alphabet of Kubernetes' random name suffixes (utilrand.String: no vowels, no 0, 1, 3).
    private static readonly System.Buffers.SearchValues<char> TokenSuffixAlphabet = System.Buffers.SearchValues.Create("bcdfghjklmnpqrstvwxz2456789");

    /// <summary>True when the URL's host is a loopback name or address, which the primary's istiod cannot reach.</summary>
    public static bool IsLoopbackServer(string? server)
    {
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri)) return false;
        var host = uri.Host.Trim('[', ']');
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ||
            host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
    }
}
