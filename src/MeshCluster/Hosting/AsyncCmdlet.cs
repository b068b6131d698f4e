using System.Management.Automation;
using MeshCluster.Engine;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Hosting;

/// <summary>
/// Base for cmdlets that await Kubernetes calls. The async work runs on the thread pool; every Write* it
/// asks for is queued and performed on the pipeline thread, which PowerShell requires. Ctrl+C
/// (StopProcessing) cancels the token, so a request or wait in flight ends at once. Every message passes
/// through <see cref="SecretRedactor"/>.
/// Each pipeline input is one item of work. With <see cref="MaxConcurrency"/> 1 (the default) an input is
/// done before the next is read; a cmdlet that talks to many clusters raises it (-ThrottleLimit), and then
/// up to that many inputs run at once, their results written as each completes.
/// </summary>
public abstract class AsyncCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Running> _running = new();
    private readonly AsyncLocal<IOperationReporter?> _itemReporter = new();
    private PipelineQueue? _queue;
    private PipelineReporter? _reporter;
    private int _nextActivityId;
    private int _parentId = -1;
    private bool _parentShown;
    private int _started;
    private int _done;

    private sealed record Running(Task Task, PipelineReporter? Reporter);

    /// <summary>One input's work: made on the pipeline thread from the parameters bound for that input
    /// (they change with the next one), run off it. <paramref name="Name"/> labels its progress (a context).</summary>
    private protected sealed record PipelineItem(string? Name, Func<CancellationToken, Task> Work);

    /// <summary>How many inputs may be worked on at once; 1 keeps them in order, one after the other.</summary>
    private protected virtual int MaxConcurrency => 1;

    /// <summary>Resolves what needs the runspace, then runs <see cref="BeginProcessingAsync"/>.</summary>
    protected sealed override void BeginProcessing()
    {
        _queue = new PipelineQueue();
        BeginOnPipelineThread();
        if (Overrides(nameof(BeginProcessingAsync))) RunNow(BeginProcessingAsync);
    }

    /// <summary>Work that needs the runspace (paths, session state): runs on the pipeline thread first.</summary>
    protected virtual void BeginOnPipelineThread() { }

    /// <summary>Starts this input's work, once fewer than <see cref="MaxConcurrency"/> are running.</summary>
    protected sealed override void ProcessRecord()
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

        if (MaxConcurrency <= 1)
        {
            RunNow(item.Work);
            return;
        }

        Guard(() =>
        {
            while (_running.Count >= MaxConcurrency) AwaitAny();
            Start(item);
        });
    }

    /// <summary>Waits for every input still running, then runs <see cref="EndProcessingAsync"/>.</summary>
    protected sealed override void EndProcessing()
    {
        Guard(() =>
        {
            while (_running.Count > 0) AwaitAny();
        });
        if (_parentShown) WriteProgress(new ProgressRecord(_parentId, ParentActivity, "Completed") { RecordType = ProgressRecordType.Completed });
        if (Overrides(nameof(EndProcessingAsync))) RunNow(EndProcessingAsync);
        _queue?.Close();
    }

    /// <summary>This input's work. The default runs <see cref="ProcessRecordAsync"/>, which may read the bound
    /// parameters while it runs: right for one input at a time. A cmdlet that fans out takes them here instead.</summary>
    private protected virtual PipelineItem NextItem() => new(null, ProcessRecordAsync);

    /// <summary>BeginProcessing's work, off the pipeline thread.</summary>
    protected virtual Task BeginProcessingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    /// <summary>ProcessRecord's work, off the pipeline thread; the token is cancelled on Ctrl+C.</summary>
    protected virtual Task ProcessRecordAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    /// <summary>EndProcessing's work, off the pipeline thread.</summary>
    protected virtual Task EndProcessingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Ctrl+C: cancels the async work.</summary>
    protected override void StopProcessing() => _stopping.Cancel();

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(Type, string), bool> s_overrides = new();

    /// <summary>Whether this cmdlet has work of its own in that phase: a phase it leaves alone costs no trip to the thread pool.</summary>
    private bool Overrides(string method) => s_overrides.GetOrAdd((GetType(), method), key =>
        key.Item1.GetMethod(key.Item2, System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public)
            ?.DeclaringType != typeof(AsyncCmdlet));

    /// <summary>Runs work to its end, writing as it goes; its failure is reported here.</summary>
    private void RunNow(Func<CancellationToken, Task> work)
    {
        var task = Task.Run(async () =>
        {
            // The HTTP handlers of cached clients report retries to whichever command is running.
            AmbientReporter.Set(Reporter);
            await work(_stopping.Token).ConfigureAwait(false);
        });
        var running = new Running(task, null);
        // Counted as running, so that Ctrl+C or a failure waits for it to let go (its finally blocks clean up).
        _running.Add(running);
        Guard(() =>
        {
            Pump(task);
            _running.Remove(running);
            Reap(running);
        });
    }

    private void Start(PipelineItem item)
    {
        if (_parentId < 0) _parentId = Interlocked.Increment(ref _nextActivityId);
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var reporter = new PipelineReporter(this, activity =>
        {
            lock (ids)
            {
                if (!ids.TryGetValue(activity, out var id)) ids[activity] = id = Interlocked.Increment(ref _nextActivityId);
                return id;
            }
        }, _parentId, item.Name);
        var task = Task.Run(async () =>
        {
            _itemReporter.Value = reporter;
            AmbientReporter.Set(reporter);
            await item.Work(_stopping.Token).ConfigureAwait(false);
        });
        _running.Add(new Running(task, reporter));
        _started++;
        ShowParent();
    }

    /// <summary>Writes until one running input ends, then reports how it ended.</summary>
    private void AwaitAny()
    {
        var any = Task.WhenAny(_running.Select(r => r.Task));
        Pump(any);
        foreach (var finished in _running.Where(r => r.Task.IsCompleted).ToArray())
        {
            _running.Remove(finished);
            _done++;
            finished.Reporter?.CompleteAll();
            ShowParent();
            Reap(finished);
        }
    }

    private void Pump(Task until)
    {
        try
        {
            _queue!.PumpUntil(until, _stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>Reports a finished task's failure: non-terminating errors go on, anything else ends the command.</summary>
    private void Reap(Running finished)
    {
        if (!finished.Task.IsFaulted && !finished.Task.IsCanceled) return;
        var failure = finished.Task.IsCanceled
            ? new OperationCanceledException()
            : finished.Task.Exception!.InnerExceptions.Count == 1 ? finished.Task.Exception.InnerException! : finished.Task.Exception;
        if (failure is OperationCanceledException && _stopping.IsCancellationRequested) throw new PipelineStoppedException();
        ErrorRecords.Report(this, failure);
    }

    /// <summary>
    /// Whatever ends the command early (Ctrl+C, a terminating error, -ErrorAction Stop) cancels the inputs still
    /// running and waits for them to let go, so none goes on changing a cluster behind the user's back.
    /// </summary>
    private void Guard(Action body)
    {
        try
        {
            body();
        }
        catch
        {
            _stopping.Cancel();
            var pending = _running.Select(r => r.Task).ToArray();
            _running.Clear();
            try
            {
                Task.WaitAll(pending, TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
                // Their failures are beside the point now.
            }

            _queue?.Close();
            throw;
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

    /// <summary>Runs <paramref name="write"/> on the pipeline thread: at once when called there, else queued.</summary>
    internal void OnPipelineThread(Action write)
    {
        if (_queue is { } queue) queue.Post(write);
        else write();
    }

    /// <summary>WriteObject, on the pipeline thread.</summary>
    protected void Emit(object output) => OnPipelineThread(() => WriteObject(output));

    /// <summary>A non-terminating error, on the pipeline thread: the command goes on with its next item.</summary>
    private protected void EmitError(MeshClusterException error) => OnPipelineThread(() => WriteError(ErrorRecords.From(error)));

    /// <summary>Asks ShouldProcess on the pipeline thread and waits for the answer.</summary>
    protected Task<bool> ShouldProcessAsync(string target, string action)
    {
        var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        OnPipelineThread(() =>
        {
            try
            {
                answer.TrySetResult(ShouldProcess(SecretRedactor.Redact(target), action));
            }
            catch (Exception ex)
            {
                answer.TrySetException(ex);
                throw;
            }
        });
        return answer.Task;
    }

    /// <summary>What engine code reports through: the running input's reporter in a fan-out, else the command's.</summary>
    private protected IOperationReporter Reporter => _itemReporter.Value ?? (_reporter ??= new PipelineReporter(this, TopLevelActivityId));

    private readonly Dictionary<string, int> _topLevelIds = new(StringComparer.Ordinal);

    private int TopLevelActivityId(string activity)
    {
        lock (_topLevelIds)
        {
            if (!_topLevelIds.TryGetValue(activity, out var id)) _topLevelIds[activity] = id = Interlocked.Increment(ref _nextActivityId);
            return id;
        }
    }
}
