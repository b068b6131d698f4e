using System.Collections.Concurrent;

namespace MeshCluster.Hosting;

/// <summary>
/// Work for the pipeline thread, queued from the thread pool: PowerShell takes Write* calls on the
/// pipeline thread only. <see cref="PumpUntil"/> runs the queue there until a task ends or Ctrl+C.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "A work item that outlived the pipeline may still Post; a disposed event would throw at it. Close() ends the queue.")]
internal sealed class PipelineQueue
{
    private readonly ConcurrentQueue<Action> _writes = new();
    // Many posts before a wait collapse into one wake-up; the pump drains the whole queue each time.
    private readonly AutoResetEvent _posted = new(false);
    private readonly int _pipelineThread = Environment.CurrentManagedThreadId;
    private volatile bool _closed;

    /// <summary>Runs <paramref name="write"/> at once on the pipeline thread, else queues it for the next pump; dropped once closed.</summary>
    public void Post(Action write)
    {
        if (Environment.CurrentManagedThreadId == _pipelineThread)
        {
            write();
            return;
        }

        if (_closed) return;
        _writes.Enqueue(write);
        _posted.Set();
    }

    /// <summary>
    /// On the pipeline thread: performs queued writes until <paramref name="until"/> has ended and the queue
    /// is empty, or <paramref name="stopping"/> is cancelled (then OperationCanceledException). A write that
    /// throws (the pipeline is stopping; -ErrorAction Stop) ends the pump with its exception.
    /// </summary>
    public void PumpUntil(Task until, CancellationToken stopping)
    {
        while (true)
        {
            while (_writes.TryDequeue(out var write)) write();
            if (until.IsCompleted && _writes.IsEmpty) return;
            stopping.ThrowIfCancellationRequested();
            // Woken by a new write, by the task's end, or by Ctrl+C.
            WaitHandle.WaitAny(new[] { _posted, ((IAsyncResult)until).AsyncWaitHandle, stopping.WaitHandle });
        }
    }

    /// <summary>Nothing more is shown: the command has ended.</summary>
    public void Close()
    {
        _closed = true;
        while (_writes.TryDequeue(out _)) { }
    }
}
