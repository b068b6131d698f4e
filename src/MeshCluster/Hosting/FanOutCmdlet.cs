using System.Management.Automation;
using MeshCluster.Engine;

namespace MeshCluster.Hosting;

/// <summary>
/// A cmdlet that talks to many clusters: its pipeline inputs are worked on at once, up to -ThrottleLimit,
/// each result written as it completes (so in completion order, each naming its context). A failure for one
/// input is a non-terminating error and the others go on; with -ErrorAction Stop the first failure cancels the rest.
/// This class is the scheduler: it starts an input's work, awaits whichever ends first, and shows a parent
/// progress record over the inputs' own (from the second input on).
/// </summary>
public abstract class FanOutCmdlet : KubeCmdlet
{
    private readonly AsyncLocal<IOperationReporter?> _itemReporter = new();
    private int _parentId = -1;
    private bool _parentShown;
    private int _started;
    private int _done;

    /// <summary>How many inputs are worked on at once (8, as PowerShell's own fan-out cmdlets default to).</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int ThrottleLimit { get; set; } = 8;

    /// <summary>One input's work: made on the pipeline thread from the parameters bound for that input
    /// (they change with the next one), run off it. <paramref name="Name"/> labels its progress (a context).</summary>
    private protected sealed record PipelineItem(string? Name, Func<CancellationToken, Task> Work);

    /// <summary>Each input's work, made from the parameters bound for it: copy them into locals here, never read them in the closure.</summary>
    private protected abstract PipelineItem NextItem();

    /// <summary>Starts this input's work, once fewer than -ThrottleLimit are running (with 1, each runs to its end first).</summary>
    private protected sealed override void ProcessInput()
    {
        PipelineItem item;
        try
        {
            item = NextItem();
        }
        catch (Exception ex)
        {
            ErrorRecords.Report(this, ex);
            return;
        }

        if (ThrottleLimit <= 1)
        {
            RunNow(item.Work);
            return;
        }

        Guard(() =>
        {
            while (RunningWork.Count >= ThrottleLimit) AwaitAny();
            Start(item);
        });
    }

    /// <summary>Waits for every input still running and completes the parent progress record.</summary>
    private protected sealed override void FinishInputs()
    {
        Guard(() =>
        {
            while (RunningWork.Count > 0) AwaitAny();
        });
        if (_parentShown) WriteProgress(new ProgressRecord(_parentId, ParentActivity, "Completed") { RecordType = ProgressRecordType.Completed });
    }

    /// <inheritdoc />
    private protected sealed override IOperationReporter? ItemReporter => _itemReporter.Value;

    private void Start(PipelineItem item)
    {
        if (_parentId < 0) _parentId = NextActivityId();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var reporter = new PipelineReporter(this, activity =>
        {
            lock (ids)
            {
                if (!ids.TryGetValue(activity, out var id)) ids[activity] = id = NextActivityId();
                return id;
            }
        }, _parentId, item.Name);
        var stopping = StopToken;
        var task = Task.Run(async () =>
        {
            _itemReporter.Value = reporter;
            AmbientReporter.Set(reporter);
            await item.Work(stopping).ConfigureAwait(false);
        });
        RunningWork.Add(new Running(task, reporter));
        _started++;
        ShowParent();
    }

    /// <summary>Writes until one running input ends, then reports how it ended.</summary>
    private void AwaitAny()
    {
        var any = Task.WhenAny(RunningWork.Select(r => r.Task));
        Pump(any);
        foreach (var finished in RunningWork.Where(r => r.Task.IsCompleted).ToArray())
        {
            RunningWork.Remove(finished);
            _done++;
            finished.Reporter?.CompleteAll();
            ShowParent();
            Reap(finished);
        }
    }

    private string ParentActivity => MyInvocation.MyCommand?.Name ?? GetType().Name;

    /// <summary>The parent record, from the second input on: a command with one input has no use for "1 of 1".</summary>
    private void ShowParent()
    {
        if (_started < 2) return;
        _parentShown = true;
        var running = _started - _done;
        WriteProgress(new ProgressRecord(_parentId, ParentActivity, $"{_done} of {_started} done, {running} running")
        {
            PercentComplete = _started == 0 ? 0 : 100 * _done / _started,
        });
    }
}
