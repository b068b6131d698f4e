namespace MeshCluster.Engine;

/// <summary>
/// The reporter of the command now running, for code that a cached client shares between commands
/// (the HTTP handlers): it cannot hold a reporter of its own, so it reports to the caller's.
/// </summary>
public static class AmbientReporter
{
    private static readonly AsyncLocal<IOperationReporter?> Value = new();

    /// <summary>The current command's reporter, else one that drops everything.</summary>
    public static IOperationReporter Current => Value.Value ?? NullReporter.Instance;

    /// <summary>Makes <paramref name="reporter"/> current for this async flow and the tasks it starts.</summary>
    public static void Set(IOperationReporter reporter) => Value.Value = reporter;
}
