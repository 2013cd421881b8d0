namespace Dca.Benchmarks;

/// <summary>
/// A synchronization context that queues what is posted to it and runs it only in <see cref="RunPending"/>,
/// on the calling thread. An async loop started under it (the snapshot builder's <c>RunAsync</c>) resumes
/// here when its channel gets data, so a benchmark can post changes, then run the real loop to its next
/// wait in one synchronous call: no thread-pool hop, no polling, nothing timed but the loop's own work.
/// </summary>
/// <remarks>
/// This works because a channel's waiter remembers the context its <c>await</c> ran under and posts the
/// continuation to it (System.Threading.Channels' AsyncOperation); the loop awaits without
/// ConfigureAwait(false), so every later wait captures this context again.
/// </remarks>
internal sealed class InlineLoopContext : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _posted = new();
    private readonly Lock _gate = new();

    public override void Post(SendOrPostCallback d, object? state)
    {
        lock (_gate)
        {
            _posted.Enqueue((d, state));
        }
    }

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Starts an async loop under this context; it runs until its first wait and returns.</summary>
    public Task Start(Func<Task> loop)
    {
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            return loop();
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    /// <summary>Runs every queued continuation (and those they queue) on this thread; returns how many ran.</summary>
    public int RunPending()
    {
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            var ran = 0;
            while (TryDequeue(out var work))
            {
                work.Callback(work.State);
                ran++;
            }
            return ran;
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    private bool TryDequeue(out (SendOrPostCallback Callback, object? State) work)
    {
        lock (_gate)
        {
            return _posted.TryDequeue(out work);
        }
    }
}
