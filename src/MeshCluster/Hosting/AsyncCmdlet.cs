using System.Collections.Concurrent;
using System.Management.Automation;
using MeshCluster.Engine;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Hosting;

/// <summary>
/// Base for cmdlets that await Kubernetes calls. The async work runs on the thread pool; every
/// Write* it asks for is queued and performed here on the pipeline thread, which PowerShell
/// requires. Ctrl+C (StopProcessing) cancels the token, so a request or wait in flight ends at once.
/// Every message passes through <see cref="SecretRedactor"/>.
/// </summary>
public abstract class AsyncCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource _stopping = new();
    private BlockingCollection<Action>? _queue;
    private readonly Dictionary<string, int> _activityIds = new(StringComparer.Ordinal);

    /// <summary>Resolves what needs the runspace, then runs <see cref="BeginProcessingAsync"/>.</summary>
    protected sealed override void BeginProcessing()
    {
        BeginOnPipelineThread();
        Run(BeginProcessingAsync);
    }

    /// <summary>Work that needs the runspace (paths, session state): runs on the pipeline thread first.</summary>
    protected virtual void BeginOnPipelineThread() { }
    /// <summary>Runs <see cref="ProcessRecordAsync"/>.</summary>
    protected sealed override void ProcessRecord() => Run(ProcessRecordAsync);
    /// <summary>Runs <see cref="EndProcessingAsync"/>.</summary>
    protected sealed override void EndProcessing() => Run(EndProcessingAsync);

    /// <summary>BeginProcessing's work, off the pipeline thread.</summary>
    protected virtual Task BeginProcessingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    /// <summary>ProcessRecord's work, off the pipeline thread; the token is cancelled on Ctrl+C.</summary>
    protected virtual Task ProcessRecordAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    /// <summary>EndProcessing's work, off the pipeline thread.</summary>
    protected virtual Task EndProcessingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Ctrl+C: cancels the async work.</summary>
    protected override void StopProcessing() => _stopping.Cancel();

    private void Run(Func<CancellationToken, Task> body)
    {
        using var queue = new BlockingCollection<Action>();
        _queue = queue;
        var work = Task.Run(async () =>
        {
            try
            {
                // The HTTP handlers of cached clients report retries to whichever command is running.
                AmbientReporter.Set(Reporter);
                await body(_stopping.Token).ConfigureAwait(false);
            }
            finally
            {
                queue.CompleteAdding();
            }
        });

        try
        {
            foreach (var write in queue.GetConsumingEnumerable())
            {
                write();
            }
        }
        catch
        {
            // A write failed (the pipeline is stopping, or -ErrorAction Stop turned an error into
            // a terminating one): end the async work too, then let PowerShell see the exception.
            _stopping.Cancel();
            throw;
        }
        finally
        {
            _queue = null;
        }

        try
        {
            work.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception ex)
        {
            ErrorRecords.Report(this, ex);
        }
    }

    /// <summary>Runs <paramref name="write"/> on the pipeline thread: at once when called there, else queued.</summary>
    protected void OnPipelineThread(Action write)
    {
        var queue = _queue;
        if (queue is null)
        {
            write();
            return;
        }

        try
        {
            queue.Add(write);
        }
        catch (InvalidOperationException)
        {
            // Completed: the body has finished, nothing more can be shown.
        }
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

    private PipelineReporter? _reporter;

    /// <summary>What engine code reports through: every call lands on the pipeline thread, redacted.</summary>
    private protected IOperationReporter Reporter => _reporter ??= new PipelineReporter(this);

    private sealed class PipelineReporter : IOperationReporter
    {
        private readonly AsyncCmdlet _cmdlet;

        public PipelineReporter(AsyncCmdlet cmdlet) => _cmdlet = cmdlet;

        public void Verbose(string message) => _cmdlet.OnPipelineThread(() => _cmdlet.WriteVerbose(SecretRedactor.Redact(message)));
        public void Warning(string message) => _cmdlet.OnPipelineThread(() => _cmdlet.WriteWarning(SecretRedactor.Redact(message)));
        public void Debug(string message) => _cmdlet.OnPipelineThread(() => _cmdlet.WriteDebug(SecretRedactor.Redact(message)));

        public void Progress(string activity, string status, int percent = -1) => _cmdlet.OnPipelineThread(() =>
            _cmdlet.WriteProgress(new ProgressRecord(_cmdlet.ActivityId(activity), activity, SecretRedactor.Redact(status)) { PercentComplete = percent }));

        public void ProgressCompleted(string activity) => _cmdlet.OnPipelineThread(() =>
            _cmdlet.WriteProgress(new ProgressRecord(_cmdlet.ActivityId(activity), activity, "Completed") { RecordType = ProgressRecordType.Completed }));
    }

    private int ActivityId(string activity)
    {
        if (!_activityIds.TryGetValue(activity, out var id))
        {
            id = _activityIds.Count + 1;
            _activityIds[activity] = id;
        }

        return id;
    }
}
