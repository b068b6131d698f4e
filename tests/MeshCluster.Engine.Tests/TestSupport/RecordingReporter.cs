namespace MeshCluster.Engine.Tests.TestSupport;

/// <summary>The one fake reporter: keeps what engine code reports, per stream, thread-safe.</summary>
internal sealed class RecordingReporter : IOperationReporter
{
    private readonly object _gate = new();
    private readonly List<string> _verbose = new();
    private readonly List<string> _warnings = new();
    private readonly List<string> _debug = new();
    private readonly List<string> _progress = new();

    public IReadOnlyList<string> Verbose { get { lock (_gate) return _verbose.ToArray(); } }
    public IReadOnlyList<string> Warnings { get { lock (_gate) return _warnings.ToArray(); } }
    public IReadOnlyList<string> Debug { get { lock (_gate) return _debug.ToArray(); } }

    /// <summary>Progress status texts, in order.</summary>
    public IReadOnlyList<string> Progress { get { lock (_gate) return _progress.ToArray(); } }

    void IOperationReporter.Verbose(string message) { lock (_gate) _verbose.Add(message); }
    void IOperationReporter.Warning(string message) { lock (_gate) _warnings.Add(message); }
    void IOperationReporter.Debug(string message) { lock (_gate) _debug.Add(message); }
    void IOperationReporter.Progress(string activity, string status, int percent) { lock (_gate) _progress.Add(status); }
    void IOperationReporter.ProgressCompleted(string activity) { }
}
