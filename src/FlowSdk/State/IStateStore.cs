namespace FlowSdk.State;

/// <summary>
/// Stores execution state as bytes under keys, with a revision per write and compare-and-set
/// updates: the shape of a NATS JetStream key/value bucket. The in-memory store is the default;
/// FlowSdk.Nats provides one over a KV bucket.
/// </summary>
public interface IStateStore : IAsyncDisposable
{
    /// <summary>Reads the current entry of <paramref name="key"/>.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entry, or <see langword="null"/> when the key has no value.</returns>
    ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Writes the first value of <paramref name="key"/>; fails when the key already has one.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The outcome, with the new revision on success.</returns>
    ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default);

    /// <summary>Writes <paramref name="value"/> only if the key's revision is still <paramref name="expectedRevision"/>.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="expectedRevision">The revision that was read.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The outcome, with the new revision on success.</returns>
    ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, CancellationToken cancellationToken = default);

    /// <summary>Lists the keys that start with <paramref name="prefix"/>.</summary>
    /// <param name="prefix">The prefix, for example <c>plan-review.</c>.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The keys, in no particular order.</returns>
    IAsyncEnumerable<string> ListKeysAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>
    /// Watches the keys that start with <paramref name="prefix"/>: committed writes are delivered in
    /// revision order, as a KV watch delivers them. Only changes committed after the subscription
    /// starts are delivered; deletes are not.
    /// </summary>
    /// <remarks>
    /// <para>
    /// A watch may skip superseded revisions: a revision that a newer write of the same key replaced
    /// before the watch delivered it need not be delivered. A NATS key/value bucket that keeps one
    /// revision per key (history 1, FlowSdk's default) works this way: a watcher sees the latest value
    /// of a key, not every intermediate revision. The latest revision of every key is always
    /// delivered. The in-memory store delivers every revision.
    /// </para>
    /// <para>
    /// State-only rules, which this watch feeds, keep their semantics all the same. A delivered
    /// change makes the runtime read the execution's current state and evaluate the rules on that,
    /// never on the delivered value, so even when every revision is delivered, changes that follow
    /// each other quickly can be evaluated together; a skipped revision's changes are likewise
    /// evaluated with the revision that replaced them, and a rule fires there if its phase and
    /// conditions hold on that state. The count of chained firings is kept in the state and grows
    /// with firings, not deliveries, so skipping changes neither it nor the bound. The runtime makes
    /// one kind of write that state rules ignore: emptying a state change's outbox once its messages
    /// are published. Should that write replace the state change before the watch delivered it, the
    /// runtime that made both evaluates the state rules when the emptying write is delivered, so the
    /// state change still triggers them.
    /// </para>
    /// </remarks>
    /// <param name="prefix">The prefix, for example <c>plan-review.</c>.</param>
    /// <returns>A hot observable: subscribing starts the watch, disposing ends it.</returns>
    IObservable<StateEntry> Watch(string prefix);

    /// <summary>Removes <paramref name="key"/> and its value.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the delete.</param>
    /// <returns>Whether the key had a value.</returns>
    ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the first value of an execution's key, like <see cref="TryCreateAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>,
    /// and counts the new execution in its flow's progress counters in the same transaction.
    /// </summary>
    /// <remarks>A store that keeps no progress counters writes the value alone (the default implementation).</remarks>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="change">The execution's status change: <see cref="StatusChange.Before"/> is <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The outcome, with the new revision on success.</returns>
    ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, StatusChange change, CancellationToken cancellationToken = default)
        => TryCreateAsync(key, value, cancellationToken);

    /// <summary>
    /// Compare-and-set write of an execution's key, like <see cref="TryUpdateAsync(string, ReadOnlyMemory{byte}, ulong, CancellationToken)"/>,
    /// that moves its flow's progress counters by <paramref name="change"/> in the same transaction when it succeeds.
    /// </summary>
    /// <remarks>
    /// <paramref name="change"/>'s <see cref="StatusChange.Before"/> is the status in the revision
    /// <paramref name="expectedRevision"/>: the write succeeds only if that revision is still the
    /// current one, so the counters move exactly once per committed change. A store that keeps no
    /// progress counters writes the value alone (the default implementation).
    /// </remarks>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="expectedRevision">The revision that was read.</param>
    /// <param name="change">The execution's status change.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The outcome, with the new revision on success.</returns>
    ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, StatusChange change, CancellationToken cancellationToken = default)
        => TryUpdateAsync(key, value, expectedRevision, cancellationToken);

    /// <summary>
    /// Removes an execution's key only if its revision is still <paramref name="expectedRevision"/>,
    /// and takes the execution out of its flow's progress counters in the same transaction.
    /// </summary>
    /// <remarks>The default implementation, for a store that keeps no progress counters, removes the key whatever its revision.</remarks>
    /// <param name="key">The key.</param>
    /// <param name="expectedRevision">The revision that was read.</param>
    /// <param name="change">The execution's status change: <see cref="StatusChange.After"/> is <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the delete.</param>
    /// <returns>Whether this call removed the key: false when it had no value or another revision.</returns>
    ValueTask<bool> DeleteAsync(string key, ulong expectedRevision, StatusChange change, CancellationToken cancellationToken = default)
        => DeleteAsync(key, cancellationToken);

    /// <summary>
    /// Makes the progress counters of a flow exact once: if the store never counted the flow's
    /// executions (its counters were never initialized, for example a database written before counters
    /// existed), it counts them now, reading the status of each with <paramref name="statusOf"/>, and
    /// from then on moves the counters with the writes. Does nothing when the counters are initialized.
    /// </summary>
    /// <remarks>The default implementation, for a store that keeps no progress counters, does nothing.</remarks>
    /// <param name="flow">The flow id.</param>
    /// <param name="keyPrefix">The prefix of the flow's execution keys, <c>&lt;flow&gt;.</c>.</param>
    /// <param name="statusOf">Reads an execution's status from its stored value; the value is valid only during the call (a store may reuse its memory for later writes), so a reader that keeps it copies it.</param>
    /// <param name="cancellationToken">Cancels the initialization.</param>
    /// <returns>A task that completes when the counters are initialized.</returns>
    ValueTask InitializeProgressAsync(string flow, string keyPrefix, Func<ReadOnlyMemory<byte>, ExecutionStatus> statusOf, CancellationToken cancellationToken = default)
        => ValueTask.CompletedTask;

    /// <summary>
    /// Counts a flow's executions again, reading the status of each with <paramref name="statusOf"/>,
    /// and replaces its progress counters with the result: the operator's repair when counters are off
    /// (see docs/operations.md for when that can happen on NATS).
    /// </summary>
    /// <remarks>The default implementation, for a store that keeps no progress counters, does nothing.</remarks>
    /// <param name="flow">The flow id.</param>
    /// <param name="keyPrefix">The prefix of the flow's execution keys, <c>&lt;flow&gt;.</c>.</param>
    /// <param name="statusOf">Reads an execution's status from its stored value; the value is valid only during the call (a store may reuse its memory for later writes), so a reader that keeps it copies it.</param>
    /// <param name="cancellationToken">Cancels the recount.</param>
    /// <returns>A task that completes when the counters are replaced.</returns>
    ValueTask RecountProgressAsync(string flow, string keyPrefix, Func<ReadOnlyMemory<byte>, ExecutionStatus> statusOf, CancellationToken cancellationToken = default)
        => ValueTask.CompletedTask;

    /// <summary>Reads the progress counters of a flow: how many of its executions are in each status.</summary>
    /// <remarks>The default implementation, for a store that keeps no progress counters, returns <see langword="null"/>.</remarks>
    /// <param name="flow">The flow id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The counts (all zero for a flow without executions), or <see langword="null"/> when the store keeps no counters.</returns>
    ValueTask<ProgressCounts?> ReadProgressAsync(string flow, CancellationToken cancellationToken = default)
        => ValueTask.FromResult<ProgressCounts?>(null);
}

/// <summary>A stored value and the revision that wrote it.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value.</param>
/// <param name="Revision">The revision; every write gets a larger one.</param>
public sealed record StateEntry(string Key, ReadOnlyMemory<byte> Value, ulong Revision);

/// <summary>The outcome of a compare-and-set write.</summary>
/// <param name="Succeeded">Whether the value was written.</param>
/// <param name="Revision">The new revision when written; otherwise the revision found, 0 when the key has no value.</param>
public readonly record struct StateWriteResult(bool Succeeded, ulong Revision);
