namespace MeshCluster.Engine.Errors;

/// <summary>Stable error ids (<c>&lt;Noun&gt;&lt;Reason&gt;</c>). Scripts match on these: never rename one.</summary>
public static partial class ErrorIds
{
    public const string KubeConfigNotFound = nameof(KubeConfigNotFound);
    public const string KubeConfigInvalid = nameof(KubeConfigInvalid);
    public const string KubeContextNotFound = nameof(KubeContextNotFound);
    public const string KubeCredentialPluginFailed = nameof(KubeCredentialPluginFailed);
    /// <summary>Get-IstioDiscoveryAddress: -Timeout is zero, negative or more than 7 days.</summary>
    public const string TimeoutInvalid = nameof(TimeoutInvalid);

    public const string KubeApiUnreachable = nameof(KubeApiUnreachable);
    public const string KubeApiError = nameof(KubeApiError);
    public const string KubeApiForbidden = nameof(KubeApiForbidden);
    public const string KubeApiUnauthorized = nameof(KubeApiUnauthorized);

    /// <summary>An answer no API server sends (not JSON, a garbled watch event): a proxy in the way, or a corrupted stream.</summary>
    public const string KubeApiInvalidResponse = nameof(KubeApiInvalidResponse);

    /// <summary>The last line of defence: a failure the module did not foresee, with the exception inside. A bug: please report it.</summary>
    public const string UnexpectedError = nameof(UnexpectedError);

    /// <summary>A namespace or object name that Kubernetes would refuse (checked before the first request).</summary>
    public const string ResourceNameInvalid = nameof(ResourceNameInvalid);

    /// <summary>A cluster name that is no DNS-1123 label (shared by the install spec and the remote secret).</summary>
    public const string ClusterNameInvalid = nameof(ClusterNameInvalid);

    public const string IngressGatewayNotFound = nameof(IngressGatewayNotFound);
    public const string DiscoveryAddressPending = nameof(DiscoveryAddressPending);
    public const string DiscoveryAddressTimeout = nameof(DiscoveryAddressTimeout);
}
