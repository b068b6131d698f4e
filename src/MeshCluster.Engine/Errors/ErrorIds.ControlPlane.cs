namespace MeshCluster.Engine.Errors;

public static partial class ErrorIds
{
    /// <summary>Wait-IstioControlPlane: the timeout passed with pods or deployments not ready.</summary>
    public const string ControlPlaneNotReady = nameof(ControlPlaneNotReady);

    /// <summary>Wait-IstioControlPlane: the timeout passed and the namespace never appeared.</summary>
    public const string ControlPlaneNamespaceNotFound = nameof(ControlPlaneNamespaceNotFound);

    /// <summary>Wait-IstioControlPlane: -Timeout is zero, negative or more than 7 days.</summary>
    public const string ControlPlaneTimeoutInvalid = nameof(ControlPlaneTimeoutInvalid);
}
