using System.Management.Automation;

namespace MeshCluster.Engine.Errors;

/// <summary>
/// A failure the user can act on. The cmdlet layer turns it into an ErrorRecord with
/// <see cref="ErrorId"/> as the FullyQualifiedErrorId prefix, so ids stay stable across releases.
/// Messages are built from our own words and redacted values only: never from raw HTTP exceptions.
/// </summary>
public sealed class MeshClusterException : Exception
{
    public MeshClusterException(string errorId, ErrorCategory category, string message, object? target = null,
        bool terminating = false, Exception? inner = null, string? recommendedAction = null)
        : base(SecretRedactor.Redact(message), inner)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
        Terminating = terminating;
        RecommendedAction = recommendedAction;
    }

    public string ErrorId { get; }
    public ErrorCategory Category { get; }
    public object? Target { get; }

    /// <summary>True where nothing else in the pipeline can succeed either (a broken kubeconfig).</summary>
    public bool Terminating { get; }

    public string? RecommendedAction { get; }

    /// <summary>The HTTP status, where the API server answered with an error.</summary>
    public System.Net.HttpStatusCode? StatusCode { get; init; }
}
