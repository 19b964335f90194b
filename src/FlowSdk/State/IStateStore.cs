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
    /// Watches the keys that start with <paramref name="prefix"/>: every committed write is delivered,
    /// in revision order per key, as a KV watch delivers it. Only changes committed after the
    /// subscription starts are delivered.
    /// </summary>
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
