using MeshCluster.Engine.Yaml;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>What the kubeconfig in a remote secret says: how istiod reaches and authenticates to the remote cluster.</summary>
/// <remarks>No CA means the system's roots; no token means no credential (Test-IstioRemoteCluster's TLS check of a secret without a bearer token).</remarks>
public sealed record RemoteKubeConfigSpec(string ClusterName, string Server, byte[]? CertificateAuthority, string? Token, string? TlsServerName,
    bool InsecureSkipTlsVerify = false)
{
    /// <summary>client-certificate-data (base64 PEM), for Test-IstioRemoteCluster of a secret that authenticates so.</summary>
    public string? ClientCertificateData { get; init; }

    /// <summary>client-key-data (base64 PEM).</summary>
    public string? ClientKeyData { get; init; }

    /// <summary>Basic authentication's user name and password.</summary>
    public string? UserName { get; init; }

    public string? Password { get; init; }

    // The compiler's record ToString would print the token.
    public override string ToString() => $"{ClusterName} ({Server})";
}

/// <summary>
/// The kubeconfig istioctl puts in a remote secret: cluster, user and context all named after the
/// cluster, bearer-token auth (what Publish-IstioRemoteSecret writes); inline client certificates and basic
/// authentication only to test another tool's secret with its own credentials.
/// </summary>
public static class RemoteKubeConfig
{
    public static string Build(RemoteKubeConfigSpec spec)
    {
        var cluster = new Dictionary<string, object>();
        if (spec.CertificateAuthority is { Length: > 0 } ca) cluster["certificate-authority-data"] = Convert.ToBase64String(ca);
        if (spec.InsecureSkipTlsVerify) cluster["insecure-skip-tls-verify"] = true;
        cluster["server"] = spec.Server;
        if (!string.IsNullOrEmpty(spec.TlsServerName)) cluster["tls-server-name"] = spec.TlsServerName;
        var user = new Dictionary<string, object>();
        if (spec.Token is not null) user["token"] = spec.Token;
        if (spec.ClientCertificateData is not null) user["client-certificate-data"] = spec.ClientCertificateData;
        if (spec.ClientKeyData is not null) user["client-key-data"] = spec.ClientKeyData;
        if (spec.UserName is not null) user["username"] = spec.UserName;
        if (spec.Password is not null) user["password"] = spec.Password;

        // No credential at all (Test-IstioRemoteCluster's anonymous TLS check): no user, since KubernetesClient refuses a user without credentials.
        var context = new Dictionary<string, object> { ["cluster"] = spec.ClusterName };
        if (user.Count > 0) context["user"] = spec.ClusterName;
        var config = new Dictionary<string, object>
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Config",
            ["clusters"] = new[] { new Dictionary<string, object> { ["cluster"] = cluster, ["name"] = spec.ClusterName } },
            ["contexts"] = new[]
            {
                new Dictionary<string, object>
                {
                    ["context"] = context,
                    ["name"] = spec.ClusterName,
                },
            },
            ["current-context"] = spec.ClusterName,
            ["preferences"] = new Dictionary<string, object>(),
            ["users"] = user.Count == 0
                ? Array.Empty<Dictionary<string, object>>()
                : new[]
                {
                    new Dictionary<string, object>
                    {
                        ["name"] = spec.ClusterName,
                        ["user"] = user,
                    },
                },
        };
        return KubectlYaml.Serialize(config);
    }
}
