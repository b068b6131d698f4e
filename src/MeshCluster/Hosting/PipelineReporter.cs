using System.Management.Automation;
using MeshCluster.Engine;

namespace MeshCluster.Hosting;

/// <summary>
/// What engine code reports through: every call lands on the pipeline thread, redacted. In a fan-out, each
/// input has a reporter of its own whose progress records are children of the command's parent record.
/// </summary>
internal sealed class PipelineReporter : IOperationReporter
{
    private readonly AsyncCmdlet _cmdlet;
    private readonly Func<string, int> _activityId;
    private readonly int _parentId;
    private readonly string? _item;
    private readonly HashSet<int> _open = new();

    /// <param name="cmdlet">The command whose pipeline thread writes.</param>
    /// <param name="activityId">A progress id per activity, unique within the command.</param>
    /// <param name="parentId">The parent record's id, or -1 for top-level records.</param>
    /// <param name="item">The input this reporter speaks for (a context), shown in its records' activity.</param>
    public PipelineReporter(AsyncCmdlet cmdlet, Func<string, int> activityId, int parentId = -1, string? item = null)
    {
        _cmdlet = cmdlet;
        _activityId = activityId;
        _parentId = parentId;
        _item = item;
    }

    public void Verbose(string message) => _cmdlet.OnPipelineThread(() => _cmdlet.WriteVerbose(SecretRedactor.Redact(message)));
    public void Warning(string message) => _cmdlet.OnPipelineThread(() => _cmdlet.WriteWarning(SecretRedactor.Redact(message)));
    public void Debug(string message) => _cmdlet.OnPipelineThread(() => _cmdlet.WriteDebug(SecretRedactor.Redact(message)));

    public void Progress(string activity, string status, int percent = -1) => _cmdlet.OnPipelineThread(() =>
    {
        var id = _activityId(activity);
        lock (_open) _open.Add(id);
        _cmdlet.WriteProgress(new ProgressRecord(id, Activity(activity), SecretRedactor.Redact(status)) { PercentComplete = percent, ParentActivityId = _parentId });
    });

    public void ProgressCompleted(string activity) => _cmdlet.OnPipelineThread(() =>
    {
        var id = _activityId(activity);
        lock (_open) _open.Remove(id);
        _cmdlet.WriteProgress(Completed(id, Activity(activity)));
    });

    /// <summary>Ends every record still open (an input that failed or was cancelled half-way).</summary>
    public void CompleteAll() => _cmdlet.OnPipelineThread(() =>
    {
        int[] open;
        lock (_open)
        {
            open = _open.ToArray();
            _open.Clear();
        }

        foreach (var id in open) _cmdlet.WriteProgress(Completed(id, Activity(string.Empty)));
    });

    private ProgressRecord Completed(int id, string activity) =>
        new(id, activity.Length == 0 ? "Completed" : activity, "Completed") { RecordType = ProgressRecordType.Completed, ParentActivityId = _parentId };

    private string Activity(string activity) => _item is null ? activity : $"{activity} ({_item})";
}
