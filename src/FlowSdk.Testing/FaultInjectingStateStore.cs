using System.Runtime.CompilerServices;
using FlowSdk.State;
using FlowSdk.Transport;

namespace FlowSdk.Testing;

/// <summary>The operations of an <see cref="IStateStore"/>, for <see cref="FaultInjectingStateStore.FailNext"/>.</summary>
public enum StateStoreOperation
{
    /// <summary><see cref="IStateStore.GetAsync"/>.</summary>
    Get,

    /// <summary><see cref="IStateStore.TryCreateAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>.</summary>
    Create,

    /// <summary><see cref="IStateStore.TryUpdateAsync(string, ReadOnlyMemory{byte}, ulong, CancellationToken)"/>.</summary>
    Update,

    /// <summary><see cref="IStateStore.DeleteAsync(string, CancellationToken)"/>.</summary>
    Delete,

    /// <summary><see cref="IStateStore.ListKeysAsync"/>.</summary>
    ListKeys,
}

/// <summary>
/// A state store that passes everything to another store and lets a test break it on purpose:
/// compare-and-set conflicts, another writer between a rule's read and its write, failing operations.
/// It is an <see cref="IIdleSignal"/> and an <see cref="ILanePreference"/> when the store it wraps
/// is, so <see cref="FlowRuntime.WhenIdleAsync"/> and the lanes work as without it.
/// </summary>
/// <example>
/// <code>
/// host.Store.ConflictNextUpdates(2);            // the next two writes meet a newer revision
/// await host.SendAsync(OrderFlow.Ports.OrderPaid, new OrderPaid("o-1", 100));
/// Assert.Equal(2, host.Store.Conflicts);         // evaluated again, then committed
/// </code>
/// </example>
/// <param name="inner">The store that holds the data.</param>
public sealed class FaultInjectingStateStore(IStateStore inner) : IStateStore, IIdleSignal, ILanePreference
{
    private readonly Lock _gate = new();
    private readonly Queue<Func<IStateStore, string, ValueTask>> _interference = new();
    private readonly Dictionary<StateStoreOperation, Queue<(Exception Failure, string? KeyPrefix)>> _failures = [];
    private readonly List<(Func<string, ReadOnlyMemory<byte>, bool> Matches, Exception Failure)> _writeFailures = [];
    private int _conflicts;
    private int _pendingConflicts;
    private int _updateAttempts;
    private int _injectedFailures;

    /// <summary>The store that holds the data; writes through it bypass the injected faults.</summary>
    public IStateStore Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <summary>Whether every update fails its compare-and-set, until set back to <see langword="false"/>.</summary>
    public bool AlwaysConflict { get; set; }

    /// <summary>How many updates (compare-and-set writes) were attempted.</summary>
    public int UpdateAttempts => Volatile.Read(ref _updateAttempts);

    /// <summary>How many updates met a newer revision: injected or real.</summary>
    public int Conflicts => Volatile.Read(ref _conflicts);

    /// <summary>How many operations failed with an injected exception.</summary>
    public int InjectedFailures => Volatile.Read(ref _injectedFailures);

    /// <summary>Makes the next <paramref name="count"/> updates fail their compare-and-set without writing, as if another writer had been first.</summary>
    /// <param name="count">How many updates conflict.</param>
    public void ConflictNextUpdates(int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Interlocked.Add(ref _pendingConflicts, count);
    }

    /// <summary>
    /// Runs <paramref name="interfere"/> just before the next update is written, with the inner store and the
    /// key: it plays another writer that changes the execution between the rule's read and its compare-and-set,
    /// so the write meets a real conflict and the runtime evaluates the event again on the new state.
    /// </summary>
    /// <param name="interfere">What the other writer does.</param>
    public void BeforeNextUpdate(Func<IStateStore, string, ValueTask> interfere)
    {
        ArgumentNullException.ThrowIfNull(interfere);
        lock (_gate)
        {
            _interference.Enqueue(interfere);
        }
    }

    /// <summary>Makes the next <paramref name="count"/> calls of <paramref name="operation"/> throw, as a store that is down would.</summary>
    /// <param name="operation">The operation that fails.</param>
    /// <param name="exception">What it throws; an <see cref="IOException"/> naming the operation by default.</param>
    /// <param name="count">How many calls fail.</param>
    /// <param name="keyPrefix">
    /// Only calls on keys that start with this fail (for <see cref="StateStoreOperation.ListKeys"/>, the
    /// prefix listed); other calls pass. Null: the next calls, whatever their key.
    /// </param>
    public void FailNext(StateStoreOperation operation, Exception? exception = null, int count = 1, string? keyPrefix = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        lock (_gate)
        {
            if (!_failures.TryGetValue(operation, out var queue))
            {
                _failures[operation] = queue = new Queue<(Exception, string?)>();
            }

            for (var i = 0; i < count; i++)
            {
                queue.Enqueue((exception ?? new IOException($"Injected failure of the state store's {operation} operation."), keyPrefix));
            }
        }
    }

    /// <summary>
    /// Makes the next <paramref name="count"/> writes (creates and updates) whose key and new value
    /// satisfy <paramref name="matches"/> throw without writing: the write of one rule fails while
    /// other writes of the same execution pass. Checked before <see cref="BeforeNextUpdate"/>'s
    /// interference, which a failing write leaves for the next update.
    /// </summary>
    /// <param name="matches">Whether a write fails, given its key and the value it would write.</param>
    /// <param name="count">How many matching writes fail.</param>
    /// <param name="exception">What they throw; an <see cref="IOException"/> by default.</param>
    /// <example>
    /// <code>
    /// // Pay's write fails twice; the other writes of order o-1 pass.
    /// host.Store.FailNextWrites((key, value) => key == "order.o-1"
    ///     &amp;&amp; FlowSerializer.Deserialize(Order.FlowFormatter.Instance, value).Phase == OrderPhase.Paid, count: 2);
    /// </code>
    /// </example>
    public void FailNextWrites(Func<string, ReadOnlyMemory<byte>, bool> matches, int count = 1, Exception? exception = null)
    {
        ArgumentNullException.ThrowIfNull(matches);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _writeFailures.Add((matches, exception ?? new IOException("Injected failure of a state store write.")));
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ThrowIfFailing(StateStoreOperation.Get, key);
        return await Inner.GetAsync(key, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        ThrowIfFailing(StateStoreOperation.Create, key);
        ThrowIfWriteFails(key, value);
        return await Inner.TryCreateAsync(key, value, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, StatusChange change, CancellationToken cancellationToken = default)
    {
        ThrowIfFailing(StateStoreOperation.Create, key);
        return await Inner.TryCreateAsync(key, value, change, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, CancellationToken cancellationToken = default)
        => TryUpdateAsync(key, value, expectedRevision, change: null, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, StatusChange change, CancellationToken cancellationToken = default)
        => TryUpdateAsync(key, value, expectedRevision, (StatusChange?)change, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask<bool> DeleteAsync(string key, ulong expectedRevision, StatusChange change, CancellationToken cancellationToken = default)
    {
        ThrowIfFailing(StateStoreOperation.Delete, key);
        return await Inner.DeleteAsync(key, expectedRevision, change, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask InitializeProgressAsync(string flow, string keyPrefix, Func<ReadOnlyMemory<byte>, ExecutionStatus> statusOf, CancellationToken cancellationToken = default)
        => Inner.InitializeProgressAsync(flow, keyPrefix, statusOf, cancellationToken);

    /// <inheritdoc/>
    public ValueTask RecountProgressAsync(string flow, string keyPrefix, Func<ReadOnlyMemory<byte>, ExecutionStatus> statusOf, CancellationToken cancellationToken = default)
        => Inner.RecountProgressAsync(flow, keyPrefix, statusOf, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<ProgressCounts?> ReadProgressAsync(string flow, CancellationToken cancellationToken = default)
        => Inner.ReadProgressAsync(flow, cancellationToken);

    private async ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, StatusChange? change, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _updateAttempts);
        ThrowIfFailing(StateStoreOperation.Update, key);
        ThrowIfWriteFails(key, value);
        Func<IStateStore, string, ValueTask>? interfere = null;
        lock (_gate)
        {
            _interference.TryDequeue(out interfere);
        }

        if (interfere is not null)
        {
            await interfere(Inner, key).ConfigureAwait(false);
        }

        StateWriteResult result;
        if (AlwaysConflict || TakePendingConflict())
        {
            var current = await Inner.GetAsync(key, cancellationToken).ConfigureAwait(false);
            result = new StateWriteResult(false, Math.Max(current?.Revision ?? 0, expectedRevision + 1));
        }
        else
        {
            result = change is { } moved
                ? await Inner.TryUpdateAsync(key, value, expectedRevision, moved, cancellationToken).ConfigureAwait(false)
                : await Inner.TryUpdateAsync(key, value, expectedRevision, cancellationToken).ConfigureAwait(false);
        }

        if (!result.Succeeded)
        {
            Interlocked.Increment(ref _conflicts);
        }

        return result;
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<string> ListKeysAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfFailing(StateStoreOperation.ListKeys, prefix);
        await foreach (var key in Inner.ListKeysAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            yield return key;
        }
    }

    /// <inheritdoc/>
    public IObservable<StateEntry> Watch(string prefix) => Inner.Watch(prefix);

    /// <inheritdoc/>
    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ThrowIfFailing(StateStoreOperation.Delete, key);
        return await Inner.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task WhenIdleAsync(CancellationToken cancellationToken = default) => (Inner as IIdleSignal)?.WhenIdleAsync(cancellationToken) ?? Task.CompletedTask;

    /// <inheritdoc/>
    public long PendingMessages => (Inner as IIdleSignal)?.PendingMessages ?? 0;

    /// <inheritdoc/>
    public long Activity => (Inner as IIdleSignal)?.Activity ?? 0;

    /// <summary>The inner store's lane preference; 0 (no preference, which the runtime ignores) when it has none.</summary>
    public int PreferredLanes => (Inner as ILanePreference)?.PreferredLanes ?? 0;

    /// <summary>Disposes the inner store.</summary>
    /// <returns>A task that completes when the inner store is disposed.</returns>
    public ValueTask DisposeAsync() => Inner.DisposeAsync();

    private bool TakePendingConflict()
    {
        while (true)
        {
            var pending = Volatile.Read(ref _pendingConflicts);
            if (pending == 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _pendingConflicts, pending - 1, pending) == pending)
            {
                return true;
            }
        }
    }

    private void ThrowIfWriteFails(string key, ReadOnlyMemory<byte> value)
    {
        Exception? failure = null;
        lock (_gate)
        {
            var index = _writeFailures.FindIndex(f => f.Matches(key, value));
            if (index >= 0)
            {
                failure = _writeFailures[index].Failure;
                _writeFailures.RemoveAt(index);
            }
        }

        if (failure is not null)
        {
            Interlocked.Increment(ref _injectedFailures);
            throw failure;
        }
    }

    private void ThrowIfFailing(StateStoreOperation operation, string key)
    {
        Exception? failure = null;
        lock (_gate)
        {
            if (_failures.TryGetValue(operation, out var queue) && queue.TryPeek(out var next)
                && (next.KeyPrefix is null || key.StartsWith(next.KeyPrefix, StringComparison.Ordinal)))
            {
                failure = queue.Dequeue().Failure;
            }
        }

        if (failure is not null)
        {
            Interlocked.Increment(ref _injectedFailures);
            throw failure;
        }
    }
}
