namespace MeshCluster.Engine.Trust;

/// <summary>
/// Why certificate or key material cannot be used, in words for the user. Never leaves the engine: each caller turns it into a
/// <see cref="Errors.MeshClusterException"/> with its own id (a root's problem is not a cluster certificate's), or with
/// <see cref="ErrorId"/> when the problem has one of its own.
/// </summary>
internal sealed class TrustMaterialException : Exception
{
    public TrustMaterialException(string reason, string? errorId = null) : base(reason) => ErrorId = errorId;

    /// <summary>The problem's own id (a pathlen that leaves no room for workload certificates); null for the caller's general one.</summary>
    public string? ErrorId { get; }
}
