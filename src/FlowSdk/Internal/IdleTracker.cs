namespace FlowSdk.Internal;

/// <summary>Counts work in progress and completes waiters when the count returns to zero.</summary>
internal sealed class IdleTracker
{
    private readonly Lock _gate = new();
    private long _pending;
    private long _activity;

    public long Activity => Interlocked.Read(ref _activity);
    private TaskCompletionSource? _idle;

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
