namespace MeshCluster;

/// <summary>What Publish-IstioRemoteSecret did with a remote secret.</summary>
public enum RemoteSecretAction
{
    /// <summary>The Secret did not exist in the primary and was created.</summary>
    Created,

    /// <summary>The Secret existed with other content (a new token or server) and was updated in place.</summary>
    Updated,

    /// <summary>The Secret already held exactly this content; nothing was sent.</summary>
    Unchanged,

    /// <summary>-OutFile: the Secret was written as YAML, not applied.</summary>
    WrittenToFile,
}

/// <summary>
/// A remote secret published to a primary cluster: istiod there reads the remote cluster through it.
/// Holds no credential (the token stays in the Secret).
/// </summary>
public sealed class IstioRemoteSecret
{
    /// <summary>Made by Publish-IstioRemoteSecret.</summary>
    public IstioRemoteSecret(RemoteSecretAction action, string secretName, string @namespace, string clusterName, string server,
        string remoteContext, string? primaryContext, string serviceAccount, string? tokenSecretName, string? resourceVersion, string? path,
        DateTimeOffset? tokenExpires = null, string? previousTokenSecretName = null, bool revoked = false, string? revocationReason = null)
    {
        Action = action;
        SecretName = secretName;
        Namespace = @namespace;
        ClusterName = clusterName;
        Server = server;
        RemoteContext = remoteContext;
        PrimaryContext = primaryContext;
        ServiceAccount = serviceAccount;
        TokenSecretName = tokenSecretName;
        ResourceVersion = resourceVersion;
        Path = path;
        TokenExpires = tokenExpires;
        PreviousTokenSecretName = previousTokenSecretName;
        Revoked = revoked;
        RevocationReason = revocationReason;
    }

    /// <summary>-RotateToken: why the previous token's secret was revoked or kept (e.g. another remote secret still holds it); null otherwise.</summary>
    public string? RevocationReason { get; }

    /// <summary>istio-remote-secret-&lt;ClusterName&gt;.</summary>
    public string SecretName { get; }

    /// <summary>The Secret's namespace in the primary; also the service account's namespace in the remote.</summary>
    public string Namespace { get; }

    /// <summary>The remote cluster's name in the mesh (the Secret's data key and annotation).</summary>
    public string ClusterName { get; }

    /// <summary>The remote API server URL written into the kubeconfig.</summary>
    public string Server { get; }

    /// <summary>The kubeconfig context of the remote cluster the token was taken from.</summary>
    public string RemoteContext { get; }

    /// <summary>The kubeconfig context of the primary cluster the Secret was written to (null for a file without -PrimaryContext).</summary>
    public string? PrimaryContext { get; }

    /// <summary>The remote service account whose token istiod uses.</summary>
    public string ServiceAccount { get; }

    /// <summary>The remote Secret the token and CA came from; null for a time-bound token (-TokenLifetime), which has none.</summary>
    public string? TokenSecretName { get; }

    /// <summary>When the token stops working: set for a time-bound token (-TokenLifetime); null for a token secret's token, which never expires.</summary>
    public DateTimeOffset? TokenExpires { get; }

    /// <summary>-RotateToken: the token secret the replaced remote secret used (found by its token), null when none could be tied to it.</summary>
    public string? PreviousTokenSecretName { get; }

    /// <summary>-RotateToken: true once <see cref="PreviousTokenSecretName"/> was deleted, so the old token no longer works.</summary>
    public bool Revoked { get; }

    /// <summary>What was done: Created, Updated, Unchanged or WrittenToFile.</summary>
    public RemoteSecretAction Action { get; }

    /// <summary>The Secret's resourceVersion in the primary after the run (null for -OutFile).</summary>
    public string? ResourceVersion { get; }

    /// <summary>The file written with -OutFile.</summary>
    public string? Path { get; }

    /// <summary>namespace/name.</summary>
    public override string ToString() => $"{Namespace}/{SecretName}";
}
