using System.Management.Automation;
using MeshCluster.Engine;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Hosting;

/// <summary>
/// Base for cmdlets that await Kubernetes calls. The async work runs on the thread pool; every Write* it
/// asks for is queued and performed on the pipeline thread, which PowerShell requires. Ctrl+C
/// (StopProcessing) cancels the token, so a request or wait in flight ends at once. Every message passes
/// through <see cref="SecretRedactor"/>.
/// Each pipeline input is one item of work, done before the next is read. The chain above it: <see cref="KubeConfigCmdlet"/>
/// adds -KubeConfig, <see cref="KubeCmdlet"/> -Context, <see cref="FanOutCmdlet"/> -ThrottleLimit and inputs worked on at once.
/// </summary>
public abstract class AsyncCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Running> _running = new();
    private PipelineQueue? _queue;
    private PipelineReporter? _reporter;
    private int _nextActivityId;

    /// <summary>Work started and not yet reaped; <see cref="Reporter"/> is an input's own in a fan-out.</summary>
    private protected sealed record Running(Task Task, PipelineReporter? Reporter);

    /// <summary>Resolves what needs the runspace, then runs <see cref="BeginProcessingAsync"/>.</summary>
    protected sealed override void BeginProcessing()
    {
        _queue = new PipelineQueue();
        try
        {
            BeginOnPipelineThread();
        }
        catch (MeshClusterException ex)
        {
            ThrowTerminatingError(ErrorRecords.From(ex));
        }

        if (Overrides(nameof(BeginProcessingAsync))) RunNow(BeginProcessingAsync);
    }

    /// <summary>Work that needs the runspace (paths, session state): runs on the pipeline thread first.</summary>
    protected virtual void BeginOnPipelineThread() { }

    /// <summary>Runs this input's work (<see cref="ProcessInput"/>).</summary>
    protected sealed override void ProcessRecord() => ProcessInput();

    /// <summary>Finishes the inputs still running (<see cref="FinishInputs"/>), then runs <see cref="EndProcessingAsync"/>.</summary>
    protected sealed override void EndProcessing()
    {
        FinishInputs();
        if (Overrides(nameof(EndProcessingAsync))) RunNow(EndProcessingAsync);
        _queue?.Close();
    }

    /// <summary>One input: <see cref="ProcessRecordAsync"/> run to its end, which may read the bound parameters while it runs.</summary>
    private protected virtual void ProcessInput() => RunNow(ProcessRecordAsync);

    /// <summary>What EndProcessing waits for before its own work: nothing here, as each input ended before the next.</summary>
    private protected virtual void FinishInputs() { }

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

    /// <summary>Disposes the token source behind Ctrl+C; PowerShell disposes a cmdlet that is IDisposable when the pipeline ends.</summary>
    public void Dispose()
    {
        // Work that outlived the 5 s Guard gives it may still hold the token: the source is left to the collector then.
        if (_running.All(r => r.Task.IsCompleted)) _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The token the async work gets: cancelled by Ctrl+C, a terminating error or -ErrorAction Stop.</summary>
    private protected CancellationToken StopToken => _stopping.Token;

    /// <summary>The work started and not yet reaped.</summary>
    private protected List<Running> RunningWork => _running;

    /// <summary>A progress activity id of this command's own.</summary>
    private protected int NextActivityId() => Interlocked.Increment(ref _nextActivityId);

    /// <summary>Runs work to its end, writing as it goes; its failure is reported here.</summary>
    private protected void RunNow(Func<CancellationToken, Task> work)
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

    /// <summary>Writes what the work queues until <paramref name="until"/> ends.</summary>
    private protected void Pump(Task until)
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
    private protected void Reap(Running finished)
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
    private protected void Guard(Action body)
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
    private protected IOperationReporter Reporter => ItemReporter ?? (_reporter ??= new PipelineReporter(this, TopLevelActivityId));

    /// <summary>The running input's own reporter, where inputs run at once (<see cref="FanOutCmdlet"/>).</summary>
    private protected virtual IOperationReporter? ItemReporter => null;

    private readonly Dictionary<string, int> _topLevelIds = new(StringComparer.Ordinal);

    private int TopLevelActivityId(string activity)
    {
        lock (_topLevelIds)
        {
            if (!_topLevelIds.TryGetValue(activity, out var id)) _topLevelIds[activity] = id = NextActivityId();
            return id;
        }
    }
}
