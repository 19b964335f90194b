namespace FlowSdk.Internal;

/// <summary>
/// Counts work in progress, completes waiters when the count returns to zero, and counts every start:
/// the runtime's, the SQLite store's and the NATS transport's and store's pending work.
/// </summary>
internal sealed class IdleTracker
{
    private readonly Lock _gate = new();
    private long _pending;
    private long _activity;
    private TaskCompletionSource? _idle;

    /// <summary>Grows by one whenever work is started (or <see cref="Touch"/> is called).</summary>
    public long Activity => Interlocked.Read(ref _activity);

    public long Pending
    {
        get
        {
            lock (_gate)
            {
                return _pending;
            }
        }
    }

    /// <summary>Records activity that is not itself pending work (a delivery handed on at once).</summary>
    public void Touch() => Interlocked.Increment(ref _activity);

    public void Add(long count = 1)
    {
        lock (_gate)
        {
            _pending += count;
            Interlocked.Increment(ref _activity);
        }
    }

    public void Done()
    {
        TaskCompletionSource? release = null;
        lock (_gate)
        {
            if (_pending <= 0)
            {
                throw new InvalidOperationException("Work was marked done more often than it was started.");
            }

            if (--_pending == 0)
            {
                release = _idle;
                _idle = null;
            }
        }

        release?.TrySetResult();
    }

    public Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_pending == 0)
            {
                return Task.CompletedTask;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task.WaitAsync(cancellationToken);
        }
    }
}
