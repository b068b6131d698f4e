namespace MeshCluster.Engine.Errors;

/// <summary>Arguments no request can be made from (issue 20, point 10): each its own id, never the CLR exception's name.</summary>
public static partial class ErrorIds
{
    /// <summary>-KubeConfig (or $env:KUBECONFIG) holds a path no file system accepts: a NUL or other invalid character.</summary>
    public const string KubeConfigPathInvalid = nameof(KubeConfigPathInvalid);

    /// <summary>-ClusterName is a wildcard pattern PowerShell cannot parse (an unclosed '[', a bad range).</summary>
    public const string ClusterNamePatternInvalid = nameof(ClusterNamePatternInvalid);

    /// <summary>An API answer larger than any the module asks for (128 MiB): a proxy or another service streaming without end.</summary>
    public const string KubeApiResponseTooLarge = nameof(KubeApiResponseTooLarge);
}
