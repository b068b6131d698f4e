namespace MeshCluster.Engine.Errors;

/// <summary>Arguments no request can be made from (issue 20, point 10): each its own id, never the CLR exception's name.</summary>
public static partial class ErrorIds
{
    /// <summary>-KubeConfig (or $env:KUBECONFIG) holds a path no file system accepts: a NUL or other invalid character.</summary>
    public const string KubeConfigPathInvalid = nameof(KubeConfigPathInvalid);

    /// <summary>-ClusterName is a wildcard pattern PowerShell cannot parse (an unclosed '[', a bad range).</summary>
    public const string ClusterNamePatternInvalid = nameof(ClusterNamePatternInvalid);

    /// <summary>An API answer larger than any the module asks for (128 MiB for a list, 16 MiB for one object or one watch line): a proxy or another service streaming without end.</summary>
    public const string KubeApiResponseTooLarge = nameof(KubeApiResponseTooLarge);

    /// <summary>A Secret holding more than Kubernetes takes (1 MiB of data): refused before anything is sent.</summary>
    public const string SecretTooLarge = nameof(SecretTooLarge);

    /// <summary>A wait's -Timeout passed before the API server answered its first request, though the server answers: the -Timeout is too short.</summary>
    public const string WaitTimeoutTooShort = nameof(WaitTimeoutTooShort);
}
