using MeshCluster.Engine.RemoteSecret;

namespace MeshCluster.Engine.DayTwo;

/// <summary>
/// What istiod would connect with, taken from a remote secret's kubeconfig: server, CA, tls-server-name
/// and bearer token. Nothing else of the kubeconfig ever reaches a client (no exec plugin runs, no file
/// is read). The token is internal and left out of <see cref="ToString"/>.
/// </summary>
public sealed class RemoteCredentials
{
    internal RemoteCredentials(string server, byte[]? certificateAuthority, string? tlsServerName, bool insecureSkipTlsVerify, string? token)
    {
        Server = server;
        CertificateAuthority = certificateAuthority;
        TlsServerName = tlsServerName;
        InsecureSkipTlsVerify = insecureSkipTlsVerify;
        Token = token;
    }

    public string Server { get; }

    /// <summary>certificate-authority-data; null means the system's trusted roots.</summary>
    public byte[]? CertificateAuthority { get; }

    public string? TlsServerName { get; }
    public bool InsecureSkipTlsVerify { get; }

    /// <summary>The bearer token; null when the kubeconfig authenticates otherwise.</summary>
    internal string? Token { get; }

    /// <summary>True when the two hold the same bearer token (compared in constant time).</summary>
    internal static bool SameToken(string? a, string? b) =>
        a is not null && b is not null &&
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(a), System.Text.Encoding.UTF8.GetBytes(b));

    /// <summary>A kubeconfig with exactly these credentials (<paramref name="withToken"/> false: none), for KubeClientFactory.FromKubeConfigText.</summary>
    internal string ToKubeConfig(string clusterName, bool withToken = true) =>
        RemoteKubeConfig.Build(new RemoteKubeConfigSpec(clusterName, Server, CertificateAuthority, withToken ? Token : null, TlsServerName, InsecureSkipTlsVerify));

    public override string ToString() => Server;
}
