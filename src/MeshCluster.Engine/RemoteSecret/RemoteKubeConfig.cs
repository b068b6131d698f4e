namespace MeshCluster.Engine.RemoteSecret;

/// <summary>What the kubeconfig in a remote secret says: how istiod reaches and authenticates to the remote cluster.</summary>
/// <remarks>No CA means the system's roots; no token means no credential (Test-IstioRemoteCluster's TLS check of a secret without a bearer token).</remarks>
public sealed record RemoteKubeConfigSpec(string ClusterName, string Server, byte[]? CertificateAuthority, string? Token, string? TlsServerName,
    bool InsecureSkipTlsVerify = false)
{
    // The compiler's record ToString would print the token.
    public override string ToString() => $"{ClusterName} ({Server})";
}

/// <summary>
/// The kubeconfig istioctl puts in a remote secret: cluster, user and context all named after the
/// cluster, bearer-token auth only (istiod rejects exec and client-certificate auth by default).
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

        var config = new Dictionary<string, object>
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Config",
            ["clusters"] = new[] { new Dictionary<string, object> { ["cluster"] = cluster, ["name"] = spec.ClusterName } },
            ["contexts"] = new[]
            {
                new Dictionary<string, object>
                {
                    ["context"] = new Dictionary<string, object> { ["cluster"] = spec.ClusterName, ["user"] = spec.ClusterName },
                    ["name"] = spec.ClusterName,
                },
            },
            ["current-context"] = spec.ClusterName,
            ["preferences"] = new Dictionary<string, object>(),
            ["users"] = new[]
            {
                new Dictionary<string, object>
                {
                    ["name"] = spec.ClusterName,
                    ["user"] = user,
                },
            },
        };
        return RemoteYaml.Serialize(config);
    }
}
