namespace FlowSdk.Internal;

/// <summary>
/// Keeps one due time per execution (its deadline, or when it may be removed) and calls back when
/// the earliest comes due, with one <see cref="ITimer"/> from the runtime's <see cref="TimeProvider"/>,
/// so tests drive it with virtual time.
/// </summary>
internal sealed class DueScheduler : IDisposable
{
    private readonly TimeProvider _time;
    private readonly Action<string> _due;
    private readonly Lock _gate = new();
    private readonly SortedSet<(DateTimeOffset Due, string Id)> _queue = new();
    private readonly Dictionary<string, DateTimeOffset> _byId = new(StringComparer.Ordinal);
    private readonly ITimer _timer;
    private bool _disposed;

    public DueScheduler(TimeProvider time, Action<string> due)
    {
        _time = time;
        _due = due;
        _timer = time.CreateTimer(_ => Fire(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byId.Count;
            }
        }
    }

    /// <summary>Sets (or moves) the due time of <paramref name="id"/>.</summary>
    public void Schedule(string id, DateTimeOffset due)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (_byId.Remove(id, out var previous))
            {
                _queue.Remove((previous, id));
            }

            _byId[id] = due;
            _queue.Add((due, id));
            Arm();
        }

        // A time already due (for example a deadline passed while no host ran) fires at once.
        if (due <= _time.GetUtcNow())
        {
            Fire();
        }
    }

    public void Cancel(string id)
    {
        lock (_gate)
        {
            if (_byId.Remove(id, out var previous))
            {
                _queue.Remove((previous, id));
                Arm();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _queue.Clear();
            _byId.Clear();
        }

        _timer.Dispose();
    }

    private void Fire()
    {
        var due = new List<string>();
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            while (_queue.Count > 0 && _queue.Min.Due <= now)
            {
                var next = _queue.Min;
                _queue.Remove(next);
                _byId.Remove(next.Id);
                due.Add(next.Id);
            }

            Arm();
        }

        foreach (var id in due)
        {
            _due(id);
        }
    }

    private void Arm()
    {
        if (_disposed)
        {
            return;
        }

        if (_queue.Count == 0)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        var wait = _queue.Min.Due - _time.GetUtcNow();
        _timer.Change(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, Timeout.InfiniteTimeSpan);
    }
}
