namespace MeshCluster.Engine;

/// <summary>
/// How engine code tells the user what it is doing. The cmdlet layer implements it by queueing
/// each call to the pipeline thread; tests implement it with a list.
/// </summary>
public interface IOperationReporter
{
    void Verbose(string message);
    void Warning(string message);
    void Debug(string message);

    /// <param name="percent">0 to 100, or -1 when unknown.</param>
    void Progress(string activity, string status, int percent = -1);

    void ProgressCompleted(string activity);
}

/// <summary>Drops everything: for callers that do not report.</summary>
public sealed class NullReporter : IOperationReporter
{
    public static readonly NullReporter Instance = new();
    public void Verbose(string message) { }
    public void Warning(string message) { }
    public void Debug(string message) { }
    public void Progress(string activity, string status, int percent = -1) { }
    public void ProgressCompleted(string activity) { }
}
