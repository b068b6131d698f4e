namespace MeshCluster.Engine.Errors;

/// <summary>Remote secrets after the first publish: Get-IstioRemoteSecret, Test-IstioRemoteCluster, Remove-IstioRemoteSecret and Publish-IstioRemoteSecret's -RotateToken and -TokenLifetime (the first publish: ErrorIds.RemoteSecret.cs).</summary>
public static partial class ErrorIds
{
    /// <summary>No remote secret for a cluster name (non-terminating: a list of names goes on).</summary>
    public const string RemoteSecretNotFound = nameof(RemoteSecretNotFound);

    /// <summary>Remove-IstioRemoteSecret: the Secret holds the kubeconfigs of other clusters too (istiod reads each data key as a cluster).</summary>
    public const string RemoteSecretSharedByClusters = nameof(RemoteSecretSharedByClusters);

    /// <summary>Test-IstioRemoteCluster: -Timeout is zero, negative or more than 7 days.</summary>
    public const string RemoteClusterTimeoutInvalid = nameof(RemoteClusterTimeoutInvalid);

    /// <summary>Test-IstioRemoteCluster: -ExpiryWarning is negative.</summary>
    public const string RemoteClusterExpiryWarningInvalid = nameof(RemoteClusterExpiryWarningInvalid);

    /// <summary>-TokenLifetime is below the API server's minimum of 10 minutes.</summary>
    public const string TokenLifetimeInvalid = nameof(TokenLifetimeInvalid);

    /// <summary>-TokenLifetime: no CA certificate of the remote cluster was found (kube-root-ca.crt, or a token secret's ca.crt).</summary>
    public const string ServiceAccountCaNotFound = nameof(ServiceAccountCaNotFound);
}
