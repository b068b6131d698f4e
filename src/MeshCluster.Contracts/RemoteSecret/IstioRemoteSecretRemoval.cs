namespace MeshCluster;

/// <summary>What Remove-IstioRemoteSecret -PassThru removed. Holds no credential.</summary>
public sealed class IstioRemoteSecretRemoval
{
    /// <summary>Made by Remove-IstioRemoteSecret.</summary>
    public IstioRemoteSecretRemoval(string clusterName, string secretName, string @namespace, string context,
        string? remoteContext, string? tokenSecretName, bool tokenRevoked, string? revocationReason = null)
    {
        ClusterName = clusterName;
        SecretName = secretName;
        Namespace = @namespace;
        Context = context;
        RemoteContext = remoteContext;
        TokenSecretName = tokenSecretName;
        TokenRevoked = tokenRevoked;
        RevocationReason = revocationReason;
    }

    /// <summary>-RevokeToken: why the token secret was revoked or kept (e.g. a remote secret in another namespace still holds its token); null otherwise.</summary>
    public string? RevocationReason { get; }

    /// <summary>The remote cluster's name in the mesh.</summary>
    public string ClusterName { get; }

    /// <summary>The remote secret deleted from the primary.</summary>
    public string SecretName { get; }

    /// <summary>Its namespace in the primary.</summary>
    public string Namespace { get; }

    /// <summary>The kubeconfig context of the primary cluster.</summary>
    public string Context { get; }

    /// <summary>-RemoteContext, when the token was to be revoked.</summary>
    public string? RemoteContext { get; }

    /// <summary>The token secret in the remote that held the secret's token, when one MeshCluster created was found.</summary>
    public string? TokenSecretName { get; }

    /// <summary>True when <see cref="TokenSecretName"/> was deleted, so the token no longer works.</summary>
    public bool TokenRevoked { get; }

    /// <summary>namespace/name.</summary>
    public override string ToString() => $"{Namespace}/{SecretName}";
}
