using k8s;

namespace MeshCluster.Engine.Http;

/// <summary>A client for one cluster, with what messages need to say where it talks to.</summary>
public sealed class KubeConnection : IDisposable
{
    internal KubeConnection(IKubernetes client, string contextName, string server, bool skipTlsVerify, TlsVerifier? tls = null,
        k8s.Authentication.ITokenProvider? credentials = null)
    {
        Client = client;
        ContextName = contextName;
        Server = ServerUrl.Masked(server)!; // for messages only: a password in the URL never shows
        SkipTlsVerify = skipTlsVerify;
        Tls = tls;
        Credentials = credentials;
    }

    /// <summary>The client; its credentials are inside and never printed.</summary>
    public IKubernetes Client { get; }

    /// <summary>The kubeconfig context (or, for a remote secret's kubeconfig, the cluster name).</summary>
    public string ContextName { get; }

    /// <summary>The API server URL, as the kubeconfig gives it, a user name or password in it masked (for messages).</summary>
    public string Server { get; }

    /// <summary>True when the kubeconfig turns certificate verification off.</summary>
    public bool SkipTlsVerify { get; }

    /// <summary>The certificate check of this client (null for http or insecure-skip-tls-verify): it knows why a server was refused.</summary>
    internal TlsVerifier? Tls { get; }

    /// <summary>The credential plugin's token source, when the context uses one.</summary>
    internal k8s.Authentication.ITokenProvider? Credentials { get; }

    /// <summary>For connections built by <see cref="KubeClientFactory.FromKubeConfigText"/> only: the cached ones live as long as the process.</summary>
    public void Dispose() => Client.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"{ContextName} ({Server})";
}
