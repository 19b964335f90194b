using FlowSdk.State;
using FlowSdk.Transport;

namespace FlowSdk.Benchmarks;

/// <summary>
/// The in-memory store behind a wrapper that forwards every call: the runtime does not recognise the
/// in-memory store behind it, so it keeps its kept-state cache in front of it (as it did in memory
/// before it stopped for the in-memory store). Subclasses change what they need (<see cref="Watch"/>).
/// </summary>
internal class PassThroughStateStore(InMemoryStateStore inner) : IStateStore, IIdleSignal
{
    public long PendingMessages => inner.PendingMessages;

    public long Activity => inner.Activity;

    public Task WhenIdleAsync(CancellationToken cancellationToken = default) => inner.WhenIdleAsync(cancellationToken);

    public ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

    public ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) => inner.TryCreateAsync(key, value, cancellationToken);

    public ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, CancellationToken cancellationToken = default) => inner.TryUpdateAsync(key, value, expectedRevision, cancellationToken);

    public ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, StatusChange change, CancellationToken cancellationToken = default) => inner.TryCreateAsync(key, value, change, cancellationToken);

    public ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, StatusChange change, CancellationToken cancellationToken = default) => inner.TryUpdateAsync(key, value, expectedRevision, change, cancellationToken);

    public ValueTask<bool> DeleteAsync(string key, ulong expectedRevision, StatusChange change, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, expectedRevision, change, cancellationToken);

    public ValueTask InitializeProgressAsync(string flow, string keyPrefix, Func<ReadOnlyMemory<byte>, ExecutionStatus> statusOf, CancellationToken cancellationToken = default) => inner.InitializeProgressAsync(flow, keyPrefix, statusOf, cancellationToken);

    public ValueTask RecountProgressAsync(string flow, string keyPrefix, Func<ReadOnlyMemory<byte>, ExecutionStatus> statusOf, CancellationToken cancellationToken = default) => inner.RecountProgressAsync(flow, keyPrefix, statusOf, cancellationToken);

    public ValueTask<ProgressCounts?> ReadProgressAsync(string flow, CancellationToken cancellationToken = default) => inner.ReadProgressAsync(flow, cancellationToken);

    public IAsyncEnumerable<string> ListKeysAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListKeysAsync(prefix, cancellationToken);

    public virtual IObservable<StateEntry> Watch(string prefix) => inner.Watch(prefix);

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
