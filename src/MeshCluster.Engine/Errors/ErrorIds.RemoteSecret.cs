namespace MeshCluster.Engine.Errors;

/// <summary>Publish-IstioRemoteSecret (what follows a first publish: ErrorIds.RemoteSecret.Upkeep.cs).</summary>
public static partial class ErrorIds
{
    public const string ServiceAccountNotFound = nameof(ServiceAccountNotFound);

    /// <summary>Before 1.24: the service account lists no token secret.</summary>
    public const string ServiceAccountTokenSecretMissing = nameof(ServiceAccountTokenSecretMissing);

    /// <summary>Before 1.24: the service account lists several token secrets.</summary>
    public const string ServiceAccountTokenSecretAmbiguous = nameof(ServiceAccountTokenSecretAmbiguous);

    /// <summary>The token controller did not fill <c>token</c> and <c>ca.crt</c> in time.</summary>
    public const string ServiceAccountTokenNotReady = nameof(ServiceAccountTokenNotReady);

    /// <summary>A secret of the name we create exists but is no token of this service account.</summary>
    public const string ServiceAccountTokenSecretConflict = nameof(ServiceAccountTokenSecretConflict);

    /// <summary>The new kubeconfig cannot list pods in the remote cluster.</summary>
    public const string RemoteSecretUnusable = nameof(RemoteSecretUnusable);

    public const string RemoteSecretFileFailed = nameof(RemoteSecretFileFailed);

    /// <summary>-Server is no absolute https URL (istiod would send the token in clear over http).</summary>
    public const string RemoteServerInvalid = nameof(RemoteServerInvalid);

    /// <summary>-Name is the primary's own cluster name (its istiod's CLUSTER_ID): istiod would ignore the Secret. -Force publishes it anyway.</summary>
    public const string RemoteSecretClusterIsPrimary = nameof(RemoteSecretClusterIsPrimary);

    /// <summary>Another remote secret of the primary already claims -Name: istiod keeps the one it read first. -Force publishes anyway.</summary>
    public const string RemoteSecretClusterClaimed = nameof(RemoteSecretClusterClaimed);
}
