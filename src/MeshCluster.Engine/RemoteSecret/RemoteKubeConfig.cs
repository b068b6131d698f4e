namespace MeshCluster.Engine.RemoteSecret;

/// <summary>What the kubeconfig in a remote secret says: how istiod reaches and authenticates to the remote cluster.</summary>
public sealed record RemoteKubeConfigSpec(string ClusterName, string Server, byte[] CertificateAuthority, string Token, string? TlsServerName);

/// <summary>
/// The kubeconfig istioctl puts in a remote secret: cluster, user and context all named after the
/// cluster, bearer-token auth only (istiod rejects exec and client-certificate auth by default).
/// </summary>
public static class RemoteKubeConfig
{
    public static string Build(RemoteKubeConfigSpec spec)
    {
        var cluster = new Dictionary<string, object>
        {
            ["certificate-authority-data"] = Convert.ToBase64String(spec.CertificateAuthority),
            ["server"] = spec.Server,
        };
        if (!string.IsNullOrEmpty(spec.TlsServerName)) cluster["tls-server-name"] = spec.TlsServerName;

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
                    ["user"] = new Dictionary<string, object> { ["token"] = spec.Token },
                },
            },
        };
        return RemoteYaml.Serialize(config);
    }
}
