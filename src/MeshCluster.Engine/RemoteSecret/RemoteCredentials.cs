
namespace MeshCluster.Engine.RemoteSecret;

/// <summary>
/// What istiod would connect with, taken from a remote secret's kubeconfig: server, CA, tls-server-name
/// and the credentials istiod accepts by default that MeshCluster can test: a bearer token, an inline client
/// certificate and key, a user name and password. Nothing else of the kubeconfig ever reaches a client (no
/// exec plugin runs, no file is read). The credentials are internal and left out of <see cref="ToString"/>.
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

    /// <summary>client-certificate-data, as the kubeconfig holds it (base64 PEM): not secret, but only with its key.</summary>
    internal string? ClientCertificateData { get; init; }

    /// <summary>client-key-data (base64 PEM): secret.</summary>
    internal string? ClientKeyData { get; init; }

    internal string? UserName { get; init; }

    /// <summary>Basic authentication's password: secret.</summary>
    internal string? Password { get; init; }

    /// <summary>
    /// True when there is something to authenticate with that MeshCluster can send: a token, a client certificate with its key, or a user name
    /// with its password (KubernetesClient refuses a user with only one of them: issue 20, point 9).
    /// </summary>
    internal bool HasTestableCredentials =>
        Token is not null || (ClientCertificateData is not null && ClientKeyData is not null) || (UserName is not null && Password is not null);

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

    /// <summary>A kubeconfig with exactly these credentials (<paramref name="withCredentials"/> false: none), for KubeClientFactory.FromKubeConfigText.</summary>
    internal string ToKubeConfig(string clusterName, bool withCredentials = true) =>
        RemoteKubeConfig.Build(new RemoteKubeConfigSpec(clusterName, Server, CertificateAuthority, withCredentials ? Token : null, TlsServerName, InsecureSkipTlsVerify)
        {
            ClientCertificateData = withCredentials && ClientKeyData is not null ? ClientCertificateData : null,
            ClientKeyData = withCredentials && ClientCertificateData is not null ? ClientKeyData : null,
            UserName = withCredentials && Password is not null ? UserName : null,
            Password = withCredentials && UserName is not null ? Password : null,
        });

    public override string ToString() => Server;
}
