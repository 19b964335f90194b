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
