using System.Collections.Immutable;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using FlowSdk.Internal;
using FlowSdk.Transport;

namespace FlowSdk.State;

/// <summary>
/// The embedded state store. Revisions come from one sequence for the whole store, as in a
/// JetStream KV bucket, and values are copied in and out, so no caller shares memory with another.
/// </summary>
/// <remarks>
/// Watchers receive each committed write through their own queue, in commit order, after the write
/// returns; <see cref="WhenIdleAsync"/> completes once every watcher has been handed every change.
/// The runtime keeps no kept-state cache in front of this store (a read here is already a
/// dictionary lookup), whatever <see cref="FlowRuntimeOptions.StateCacheCapacity"/> says.
/// A key's value is kept in a buffer of its own that later writes of the key overwrite when the value
/// fits (and takes at least half of it), instead of a new array per write: with many live keys the
/// replaced values would otherwise survive long enough to be promoted by the garbage collector, and
/// collecting them there cost a third of the time at 100,000 keys written round-robin. Nothing outside
/// holds the buffer: reads and watchers get copies.
/// </remarks>
public sealed class InMemoryStateStore : IStateStore, IIdleSignal, IReadsAsCheapAsACache
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Slot> _entries = new(StringComparer.Ordinal);
    private readonly IdleTracker _pending = new();
    private readonly Dictionary<string, ProgressCounts> _progress = new(StringComparer.Ordinal);
    private readonly HashSet<string> _counted = new(StringComparer.Ordinal);
    private ImmutableArray<Watcher> _watchers = [];
    private ulong _sequence;

    /// <summary>How many committed changes are not yet handed to every watcher.</summary>
    public long PendingMessages => _pending.Pending;

    /// <inheritdoc/>
    public long Activity => _pending.Activity;

    /// <summary>Completes when every committed change has been handed to every watcher.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when no change is waiting for a watcher.</returns>
    public Task WhenIdleAsync(CancellationToken cancellationToken = default) => _pending.WhenIdleAsync(cancellationToken);

    /// <summary>How many keys hold a value.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        lock (_gate)
        {
            return ValueTask.FromResult(_entries.TryGetValue(key, out var slot) ? new StateEntry(key, slot.Value.ToArray(), slot.Revision) : null);
        }
    }

    /// <inheritdoc/>
    public ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var existing))
            {
                return ValueTask.FromResult(new StateWriteResult(false, existing.Revision));
            }

            return ValueTask.FromResult(new StateWriteResult(true, Commit(key, value)));
        }
    }

    /// <inheritdoc/>
    public ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, CancellationToken cancellationToken = default)
        => TryUpdate(key, value, expectedRevision, change: null);

    /// <inheritdoc/>
    public ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, StatusChange change, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var existing))
            {
                return ValueTask.FromResult(new StateWriteResult(false, existing.Revision));
            }

            Move(change);
            return ValueTask.FromResult(new StateWriteResult(true, Commit(key, value)));
        }
    }

    /// <inheritdoc/>
    public ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, StatusChange change, CancellationToken cancellationToken = default)
        => TryUpdate(key, value, expectedRevision, change);

    /// <inheritdoc/>
    public ValueTask<bool> DeleteAsync(string key, ulong expectedRevision, StatusChange change, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var existing) || existing.Revision != expectedRevision)
            {
                return ValueTask.FromResult(false);
            }

            _entries.Remove(key);
            ++_sequence;
            Move(change);
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public ValueTask InitializeProgressAsync(string flow, string keyPrefix, Func<ReadOnlyMemory<byte>, ExecutionStatus> statusOf, CancellationToken cancellationToken = default)
        => CountExecutions(flow, keyPrefix, statusOf, again: false);

    /// <inheritdoc/>
    public ValueTask RecountProgressAsync(string flow, string keyPrefix, Func<ReadOnlyMemory<byte>, ExecutionStatus> statusOf, CancellationToken cancellationToken = default)
        => CountExecutions(flow, keyPrefix, statusOf, again: true);

    private ValueTask CountExecutions(string flow, string keyPrefix, Func<ReadOnlyMemory<byte>, ExecutionStatus> statusOf, bool again)
    {
        ArgumentException.ThrowIfNullOrEmpty(flow);
        ArgumentException.ThrowIfNullOrEmpty(keyPrefix);
        ArgumentNullException.ThrowIfNull(statusOf);
        lock (_gate)
        {
            if (!again && _counted.Contains(flow))
            {
                return ValueTask.CompletedTask;
            }

            // Counted under the lock: no write moves the counters while they are computed.
            var counts = new ProgressCounts();
            foreach (var (key, slot) in _entries)
            {
                if (key.StartsWith(keyPrefix, StringComparison.Ordinal))
                {
                    counts[statusOf(slot.Buffer.AsMemory(0, slot.Length))]++;
                }
            }

            _progress[flow] = counts;
            _counted.Add(flow);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<ProgressCounts?> ReadProgressAsync(string flow, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(flow);
        lock (_gate)
        {
            return ValueTask.FromResult<ProgressCounts?>(_progress.TryGetValue(flow, out var counts) ? counts.Clone() : new ProgressCounts());
        }
    }

    private ValueTask<StateWriteResult> TryUpdate(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, StatusChange? change)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var existing) || existing.Revision != expectedRevision)
            {
                return ValueTask.FromResult(new StateWriteResult(false, existing?.Revision ?? 0));
            }

            if (change is { } moved)
            {
                Move(moved);
            }

            return ValueTask.FromResult(new StateWriteResult(true, Commit(key, value)));
        }
    }

    /// <summary>Moves the flow's counters; called under the lock, with the write it belongs to.</summary>
    private void Move(StatusChange change)
    {
        if (!change.Moves)
        {
            return;
        }

        if (!_progress.TryGetValue(change.Flow, out var counts))
        {
            _progress[change.Flow] = counts = new ProgressCounts();
        }

        counts.Apply(change);
    }

    /// <inheritdoc/>
    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        lock (_gate)
        {
            if (!_entries.Remove(key))
            {
                return ValueTask.FromResult(false);
            }

            ++_sequence;
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public IObservable<StateEntry> Watch(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return Observable.Create<StateEntry>(observer =>
        {
            var watcher = new Watcher(prefix, observer, _pending);
            lock (_gate)
            {
                _watchers = _watchers.Add(watcher);
            }

            return Disposable.Create(() =>
            {
                lock (_gate)
                {
                    _watchers = _watchers.Remove(watcher);
                }

                watcher.Stop();
            });
        });
    }

    /// <summary>
    /// Stores a value under the lock, in the key's buffer when it fits and takes at least half of it,
    /// and queues a copy for each watcher, so they see commit order.
    /// </summary>
    private ulong Commit(string key, ReadOnlyMemory<byte> value)
    {
        var revision = ++_sequence;
        if (_entries.TryGetValue(key, out var slot) && value.Length <= slot.Buffer.Length && value.Length * 2 >= slot.Buffer.Length)
        {
            value.CopyTo(slot.Buffer);
            slot.Length = value.Length;
            slot.Revision = revision;
        }
        else
        {
            _entries[key] = new Slot(value.ToArray(), revision);
        }

        foreach (var watcher in _watchers)
        {
            if (key.StartsWith(watcher.Prefix, StringComparison.Ordinal))
            {
                watcher.Enqueue(new StateEntry(key, value.ToArray(), revision));
            }
        }

        return revision;
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<string> ListKeysAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string[] keys;
        lock (_gate)
        {
            keys = _entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToArray();
        }

        foreach (var key in keys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return key;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        ImmutableArray<Watcher> watchers;
        lock (_gate)
        {
            watchers = _watchers;
            _watchers = [];
        }

        foreach (var watcher in watchers)
        {
            watcher.Stop();
            await watcher.Completion.ConfigureAwait(false);
        }
    }

    /// <summary>A key's value (the first <see cref="Length"/> bytes of <see cref="Buffer"/>) and the revision that wrote it; changed only under the lock.</summary>
    private sealed class Slot(byte[] buffer, ulong revision)
    {
        public byte[] Buffer = buffer;
        public int Length = buffer.Length;
        public ulong Revision = revision;

        public ReadOnlySpan<byte> Value => Buffer.AsSpan(0, Length);
    }

    private sealed class Watcher
    {
        private readonly Channel<StateEntry> _queue = Channel.CreateUnbounded<StateEntry>(new UnboundedChannelOptions { SingleReader = true });
        private readonly IObserver<StateEntry> _observer;
        private readonly IdleTracker _pending;
        private volatile bool _stopped;

        public Watcher(string prefix, IObserver<StateEntry> observer, IdleTracker pending)
        {
            Prefix = prefix;
            _observer = observer;
            _pending = pending;
            Completion = Task.Run(PumpAsync);
        }

        public string Prefix { get; }

        public Task Completion { get; }

        public void Enqueue(StateEntry entry)
        {
            _pending.Add();
            if (!_queue.Writer.TryWrite(entry))
            {
                _pending.Done();
            }
        }

        public void Stop()
        {
            _stopped = true;
            _queue.Writer.TryComplete();
        }

        private async Task PumpAsync()
        {
            await foreach (var entry in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                try
                {
                    if (!_stopped)
                    {
                        // The entry is this watcher's own copy, made at the commit.
                        _observer.OnNext(entry);
                    }
                }
                catch (Exception)
                {
                    // A watcher that throws misses that change, as a KV watcher would; the others go on.
                }
                finally
                {
                    _pending.Done();
                }
            }
        }
    }
}
