namespace MeshCluster.Engine.Trust;

/// <summary>
/// Why certificate or key material cannot be used, in words for the user. Never leaves the engine: each caller turns it into a
/// <see cref="Errors.MeshClusterException"/> with its own id (a root's problem is not a cluster certificate's).
/// </summary>
internal sealed class TrustMaterialException : Exception
{
    public TrustMaterialException(string reason) : base(reason) { }
}
