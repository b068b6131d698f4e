namespace MeshCluster.Engine.Errors;

/// <summary>Commands racing each other on the same remote cluster (issue 20): rotations, publishes and removals at once.</summary>
public static partial class ErrorIds
{
    /// <summary>Publish-IstioRemoteSecret -RotateToken: the Secret being rotated was removed meanwhile (Remove-IstioRemoteSecret); the rotation does not recreate it.</summary>
    public const string RemoteSecretRemovedMeanwhile = nameof(RemoteSecretRemovedMeanwhile);

    /// <summary>Publish-IstioRemoteSecret: the token just written to the primary was revoked meanwhile by a racing rotation, again after retries.</summary>
    public const string RemoteSecretTokenRevokedMeanwhile = nameof(RemoteSecretTokenRevokedMeanwhile);
}
