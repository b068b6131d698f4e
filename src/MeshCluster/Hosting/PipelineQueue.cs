using System.Collections.Concurrent;

namespace MeshCluster.Hosting;

/// <summary>
/// Work for the pipeline thread, queued from the thread pool: PowerShell takes Write* calls on the
/// pipeline thread only. <see cref="PumpUntil"/> runs the queue there until a task ends or Ctrl+C.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "A work item that outlived the pipeline may still Post; a disposed event would throw at it. Close() ends the queue; a slim event that never gave out its WaitHandle holds no OS handle.")]
internal sealed class PipelineQueue
{
    private readonly ConcurrentQueue<Action> _writes = new();
    // Set by a post, by the awaited task's end and by Ctrl+C; many before a wait collapse into one wake-up, and the pump drains the
    // whole queue each time. A slim event, not WaitHandle.WaitAny over kernel events: those cost a warm call (issue 21) an
    // AutoResetEvent and a task's wait handle left to the finalizer, and the slower wait of the OS's handles.
    private readonly ManualResetEventSlim _wake = new(false);
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
        _wake.Set();
    }

    /// <summary>
    /// On the pipeline thread: performs queued writes until <paramref name="until"/> has ended and the queue
    /// is empty, or <paramref name="stopping"/> is cancelled (then OperationCanceledException). A write that
    /// throws (the pipeline is stopping; -ErrorAction Stop) ends the pump with its exception.
    /// </summary>
    public void PumpUntil(Task until, CancellationToken stopping)
    {
        until.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_wake.Set);
        while (true)
        {
            // Reset before draining: a post or the task's end after this point sets it again, so the wait below cannot miss it.
            _wake.Reset();
            while (_writes.TryDequeue(out var write)) write();
            if (until.IsCompleted && _writes.IsEmpty) return;
            // Woken by a new write or by the task's end; Ctrl+C ends the wait with OperationCanceledException.
            _wake.Wait(stopping);
        }
    }

    /// <summary>Nothing more is shown: the command has ended.</summary>
    public void Close()
    {
        _closed = true;
        while (_writes.TryDequeue(out _)) { }
    }
}
