using System.Runtime.CompilerServices;

namespace FlowSdk.State;

/// <summary>
/// The embedded state store. Revisions come from one sequence for the whole store, as in a
/// JetStream KV bucket, and values are copied in and out, so no caller shares memory with another.
/// </summary>
public sealed class InMemoryStateStore : IStateStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StateEntry> _entries = new(StringComparer.Ordinal);
    private ulong _sequence;

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
            return ValueTask.FromResult(_entries.TryGetValue(key, out var entry) ? entry with { Value = entry.Value.ToArray() } : null);
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

            var revision = ++_sequence;
            _entries[key] = new StateEntry(key, value.ToArray(), revision);
            return ValueTask.FromResult(new StateWriteResult(true, revision));
        }
    }

    /// <inheritdoc/>
    public ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var existing) || existing.Revision != expectedRevision)
            {
                return ValueTask.FromResult(new StateWriteResult(false, existing?.Revision ?? 0));
            }

            var revision = ++_sequence;
            _entries[key] = new StateEntry(key, value.ToArray(), revision);
            return ValueTask.FromResult(new StateWriteResult(true, revision));
        }
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
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
