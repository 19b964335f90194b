using System.Collections.Immutable;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Runtime.CompilerServices;
using FlowSdk.Internal;
using FlowSdk.Nats.Internal;
using FlowSdk.State;
using FlowSdk.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;

namespace FlowSdk.Nats;

/// <summary>
/// Execution state in a JetStream key/value bucket. Keys are <c>&lt;flow id&gt;.&lt;execution id&gt;</c>
/// (for example <c>plan-review.plan-1</c>), values the MessagePack bytes of the flow's state class,
/// revisions the bucket's revisions; writes are compare-and-set on the revision read. Any NATS
/// client can read the bucket (docs/nats.md).
/// </summary>
/// <remarks>
/// The bucket (<see cref="NatsFlowOptions.StateBucket"/>) is created with history 1 when missing;
/// an existing bucket is used as it is. <see cref="Watch"/> delivers the writes committed after the
/// watch started, in revision order, skipping a revision that a newer write of the same key replaced
/// before it was delivered (with history 1 the bucket no longer holds it); the latest revision of
/// every key is always delivered. As an <see cref="IIdleSignal"/> the store counts the writes it
/// committed itself that a watch of this store has not delivered (or skipped) yet.
/// </remarks>
public sealed class NatsStateStore : IStateStore, IIdleSignal, ITransientErrorClassifier
{
    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> Writer = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    private readonly NatsJSContext _js;
    private readonly NatsKVContext _kv;
    private readonly NatsFlowOptions _options;
    private readonly ILogger _logger;
    private readonly IdleTracker _pending = new();
    private readonly SemaphoreSlim _initGate = new(1, 1);
    private readonly Lock _gate = new();
    private ImmutableArray<KvWatch> _watches = [];
    private INatsKVStore? _store;
    private int _disposed;

    /// <summary>Creates a store on <paramref name="connection"/>, which the caller keeps owning.</summary>
    /// <param name="connection">The NATS connection.</param>
    /// <param name="options">Bucket name and storage; the defaults when <see langword="null"/>.</param>
    public NatsStateStore(INatsConnection connection, NatsFlowOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _options = (options ?? new NatsFlowOptions()).Clone();
        _options.Validate();
        _js = new NatsJSContext(connection);
        _kv = new NatsKVContext(_js);
        _logger = (_options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("FlowSdk.Nats.State");
    }

    /// <summary>The key/value bucket.</summary>
    public string Bucket => _options.StateBucket;

    /// <summary>How many writes this store committed that a watch of this store has not delivered yet.</summary>
    public long PendingMessages => _pending.Pending;

    /// <inheritdoc/>
    public long Activity => _pending.Activity;

    /// <summary>Completes when every write this store committed has been delivered to every watch of this store that covers it.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when no write is waiting for a watch.</returns>
    public Task WhenIdleAsync(CancellationToken cancellationToken = default) => _pending.WhenIdleAsync(cancellationToken);

    /// <summary>Makes sure the bucket exists, creating it when missing. Other members do it on first use.</summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A task that completes when the bucket is there.</returns>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await StoreAsync(cancellationToken).ConfigureAwait(false);
        await ThreadHop.ToThreadPool();
    }

    /// <inheritdoc/>
    /// <remarks>No responders, timeouts, a lost connection, JetStream leader elections and a missing key reported during a failover.</remarks>
    public bool IsTransient(Exception exception) => TransientErrors.IsTransient(exception);

    /// <inheritdoc/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var store = await StoreAsync(cancellationToken).ConfigureAwait(false);
        var result = await store.TryGetEntryAsync(key, revision: 0, serializer: NatsTransport.Reader, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (result.Success)
        {
            return new StateEntry(key, result.Value.Value ?? [], result.Value.Revision);
        }

        return result.Error is NatsKVKeyNotFoundException or NatsKVKeyDeletedException ? null : throw result.Error;
    }

    /// <inheritdoc/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var store = await StoreAsync(cancellationToken).ConfigureAwait(false);
        await WatchesReadyAsync().ConfigureAwait(false);
        var result = await store.TryCreateAsync(key, value, Writer, cancellationToken).ConfigureAwait(false);
        if (result.Success)
        {
            Committed(key, result.Value);
            return new StateWriteResult(true, result.Value);
        }

        if (result.Error is not NatsKVCreateException)
        {
            throw result.Error;
        }

        var current = await GetAsync(key, cancellationToken).ConfigureAwait(false);
        return new StateWriteResult(false, current?.Revision ?? 0);
    }

    /// <inheritdoc/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var store = await StoreAsync(cancellationToken).ConfigureAwait(false);
        await WatchesReadyAsync().ConfigureAwait(false);
        var result = await store.TryUpdateAsync(key, value, expectedRevision, Writer, cancellationToken).ConfigureAwait(false);
        if (result.Success)
        {
            Committed(key, result.Value);
            return new StateWriteResult(true, result.Value);
        }

        if (result.Error is not NatsKVWrongLastRevisionException)
        {
            throw result.Error;
        }

        var current = await GetAsync(key, cancellationToken).ConfigureAwait(false);
        return new StateWriteResult(false, current?.Revision ?? 0);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// After the state write commits, the flow's counter key <c>_progress.&lt;flow&gt;</c> is moved by
    /// compare-and-set (one write for the changes committed meanwhile, and a read only when another host moved the key; see <see cref="ProgressPrefix"/>).
    /// </remarks>
    public ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, StatusChange change, CancellationToken cancellationToken = default)
    {
        var write = TryCreateAsync(key, value, cancellationToken);
        return change.Moves ? MoveAfterAsync(write, change) : write;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// After the state write commits, the flow's counter key <c>_progress.&lt;flow&gt;</c> is moved by
    /// compare-and-set (one write for the changes committed meanwhile, and a read only when another host moved the key; see <see cref="ProgressPrefix"/>).
    /// </remarks>
    public ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, StatusChange change, CancellationToken cancellationToken = default)
    {
        // Most updates keep the status: then the write is all there is, without a step around it.
        var write = TryUpdateAsync(key, value, expectedRevision, cancellationToken);
        return change.Moves ? MoveAfterAsync(write, change) : write;
    }

    /// <summary>Moves the counter key once <paramref name="write"/> succeeded.</summary>
    private async ValueTask<StateWriteResult> MoveAfterAsync(ValueTask<StateWriteResult> write, StatusChange change)
    {
        var result = await write.ConfigureAwait(false);
        if (result.Succeeded)
        {
            await MoveProgressAsync(change).ConfigureAwait(false);
        }

        return result;
    }

    /// <inheritdoc/>
    /// <remarks>A KV delete with the expected last revision, then the counter key is moved as for a write.</remarks>
    public async ValueTask<bool> DeleteAsync(string key, ulong expectedRevision, StatusChange change, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var store = await StoreAsync(cancellationToken).ConfigureAwait(false);
        await WatchesReadyAsync().ConfigureAwait(false);
        var result = await store.TryDeleteAsync(key, new NatsKVDeleteOpts { Revision = expectedRevision }, cancellationToken).ConfigureAwait(false);
        if (!result.Success)
        {
            return result.Error is NatsKVWrongLastRevisionException or NatsKVKeyNotFoundException or NatsKVKeyDeletedException ? false : throw result.Error;
        }

        await MoveProgressAsync(change).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// When the bucket has no counter key for the flow yet, counts the flow's executions (a listing,
    /// once) and creates the key. Writes that change a status before the key exists leave it alone:
    /// the count includes them. Hosts writing the flow while the first count runs (a rolling upgrade
    /// of a bucket from before counters) can make that count miss their changes; start the first host
    /// of the new version alone to rule that out (docs/operations.md).
    /// </remarks>
    public async ValueTask InitializeProgressAsync(string flow, string keyPrefix, Func<ReadOnlyMemory<byte>, ExecutionStatus> statusOf, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(flow);
        ArgumentException.ThrowIfNullOrEmpty(keyPrefix);
        ArgumentNullException.ThrowIfNull(statusOf);
        var progressKey = ProgressPrefix + flow;
        if (await GetAsync(progressKey, cancellationToken).ConfigureAwait(false) is not null)
        {
            return;
        }

        var counts = new ProgressCounts();
        var executions = 0;
        await foreach (var key in ListKeysAsync(keyPrefix, cancellationToken).ConfigureAwait(false))
        {
            if (await GetAsync(key, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                counts[statusOf(entry.Value)]++;
                executions++;
            }
        }

        var store = await StoreAsync(cancellationToken).ConfigureAwait(false);
        var text = counts.ToString();
        var created = await store.TryCreateAsync(progressKey, (ReadOnlyMemory<byte>)System.Text.Encoding.UTF8.GetBytes(text), Writer, cancellationToken).ConfigureAwait(false);
        await ThreadHop.ToThreadPool();
        if (created.Success)
        {
            Log.ProgressCounted(_logger, flow, executions, Bucket, text);
        }
        else if (created.Error is not NatsKVCreateException)
        {
            throw created.Error;
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Reads the counter key, counts the executions (a listing), and writes the count by
    /// compare-and-set on the revision read first: when a host moved the counters during the listing,
    /// the write fails and the count starts over (up to 5 times, then an error says the flow is too
    /// busy to recount). A status change committed during the listing whose counter move comes after
    /// the write is counted twice: recount while the flow is quiet.
    /// </remarks>
    public async ValueTask RecountProgressAsync(string flow, string keyPrefix, Func<ReadOnlyMemory<byte>, ExecutionStatus> statusOf, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(flow);
        ArgumentException.ThrowIfNullOrEmpty(keyPrefix);
        ArgumentNullException.ThrowIfNull(statusOf);
        var progressKey = ProgressPrefix + flow;
        var store = await StoreAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var before = await GetAsync(progressKey, cancellationToken).ConfigureAwait(false);
            var counts = new ProgressCounts();
            await foreach (var key in ListKeysAsync(keyPrefix, cancellationToken).ConfigureAwait(false))
            {
                if (await GetAsync(key, cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    counts[statusOf(entry.Value)]++;
                }
            }

            var text = (ReadOnlyMemory<byte>)System.Text.Encoding.UTF8.GetBytes(counts.ToString());
            var written = before is null
                ? await store.TryCreateAsync(progressKey, text, Writer, cancellationToken).ConfigureAwait(false)
                : await store.TryUpdateAsync(progressKey, text, before.Revision, Writer, cancellationToken).ConfigureAwait(false);
            await ThreadHop.ToThreadPool();
            if (written.Success)
            {
                return;
            }

            if (written.Error is not (NatsKVWrongLastRevisionException or NatsKVCreateException))
            {
                throw written.Error;
            }
        }

        throw new InvalidOperationException($"Flow '{flow}' kept changing while its executions were counted (5 attempts): its progress counters in key '{progressKey}' of bucket '{Bucket}' are unchanged. Recount while the flow is quieter.");
    }

    /// <inheritdoc/>
    public async ValueTask<ProgressCounts?> ReadProgressAsync(string flow, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(flow);
        var entry = await GetAsync(ProgressPrefix + flow, cancellationToken).ConfigureAwait(false);
        return entry is null ? new ProgressCounts() : ParseProgress(entry);
    }

    /// <summary>
    /// The prefix of the counter keys, <c>_progress.&lt;flow&gt;</c>: one per flow in the state bucket,
    /// its value the counts as text (<c>Running=3,Waiting=1,...</c>, see <see cref="ProgressCounts.ToString"/>).
    /// Outside every flow's key prefix, so listings and watches of executions never see them.
    /// </summary>
    public const string ProgressPrefix = "_progress.";

    private static ProgressCounts ParseProgress(StateEntry entry)
        => ProgressCounts.Parse(System.Text.Encoding.UTF8.GetString(entry.Value.Span), $"key '{entry.Key}'");

    /// <summary>
    /// Moves the flow's counter key by one committed status change, and completes when the key
    /// includes it. The changes of this store's concurrent writes are applied together (group
    /// commit): while one move of a flow's key is on its way, the changes committed meanwhile add
    /// up, and the next move writes their sum with one compare-and-set, on the value the previous move wrote (read again only after a conflict or an error). Writes on many
    /// lanes therefore never compete with each other for the key, only with other hosts.
    /// </summary>
    private Task MoveProgressAsync(StatusChange change)
    {
        if (!change.Moves)
        {
            return Task.CompletedTask;
        }

        ProgressBatch batch;
        bool start;
        lock (_progressBatches)
        {
            if (!_progressBatches.TryGetValue(change.Flow, out batch!))
            {
                batch = new ProgressBatch();
                _progressBatches[change.Flow] = batch;
            }

            batch.Delta.Apply(change);
            batch.Changes++;
            start = _progressWriters.Add(change.Flow);
        }

        if (start)
        {
            // The writer runs on its own: a lane whose change started it does not wait for the batches after its own.
            _ = Task.Run(() => WriteProgressAsync(change.Flow));
        }

        return batch.Done.Task;
    }

    /// <summary>Applies the flow's pending batches one after another until none is left.</summary>
    private async Task WriteProgressAsync(string flow)
    {
        while (true)
        {
            ProgressBatch? batch;
            lock (_progressBatches)
            {
                if (_progressBatches.Remove(flow, out batch) is false)
                {
                    _progressWriters.Remove(flow);
                    return;
                }
            }

            try
            {
                await ApplyProgressAsync(flow, batch!).ConfigureAwait(false);
            }
            finally
            {
                // Applied, or the miss logged: the writes waiting on the batch go on either way.
                batch!.Done.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Moves the flow's counter key by a batch of committed status changes: read, add, compare-and-set,
    /// again on a conflict with another host. A transient error is retried for a while; changes that
    /// still cannot be counted are logged as an error (the state writes they belong to stay committed).
    /// </summary>
    private async Task ApplyProgressAsync(string flow, ProgressBatch batch)
    {
        var progressKey = ProgressPrefix + flow;
        var failures = 0;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var store = await StoreAsync(CancellationToken.None).ConfigureAwait(false);

                // The value this store wrote last, unless a conflict or an error since says to read it.
                if (!_progressWritten.TryRemove(progressKey, out var entry))
                {
                    Interlocked.Increment(ref _progressReads);
                    entry = await GetAsync(progressKey).ConfigureAwait(false);
                }

                if (entry is null)
                {
                    return; // not counted yet: the first count (InitializeProgressAsync) includes these changes
                }

                var counts = ParseProgress(entry);
                foreach (var status in ProgressCounts.Statuses)
                {
                    counts[status] += batch.Delta[status];
                }

                var bytes = System.Text.Encoding.UTF8.GetBytes(counts.ToString());
                var written = await store.TryUpdateAsync(progressKey, (ReadOnlyMemory<byte>)bytes, entry.Revision, Writer).ConfigureAwait(false);
                if (written.Success)
                {
                    Interlocked.Increment(ref _progressWrites);
                    _progressWritten[progressKey] = new StateEntry(progressKey, bytes, written.Value);
                    return;
                }

                if (written.Error is not NatsKVWrongLastRevisionException)
                {
                    throw written.Error;
                }

                Interlocked.Increment(ref _progressConflicts);
            }
            catch (Exception ex) when (TransientErrors.IsTransient(ex) && ++failures < MaxProgressFailures)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50 * failures)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The state writes are committed: report the miss rather than fail the writes that made it.
                Log.ProgressMissed(_logger, flow, Bucket, batch.Changes, attempt, progressKey, batch.Delta.ToString(), ex);
                return;
            }
        }
    }

    /// <summary>Status changes of one flow committed by this store and not yet on their way to its counter key.</summary>
    private sealed class ProgressBatch
    {
        public ProgressCounts Delta { get; } = new();

        public int Changes { get; set; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Per flow, the changes waiting for the next move of its counter key (the lock of both sets).</summary>
    private readonly Dictionary<string, ProgressBatch> _progressBatches = new(StringComparer.Ordinal);

    /// <summary>The flows whose counter key a writer is moving now.</summary>
    private readonly HashSet<string> _progressWriters = new(StringComparer.Ordinal);

    /// <summary>
    /// Per counter key, the value and revision this store's last move wrote: the next move starts from
    /// it instead of reading the key. Another host's move makes it stale; the compare-and-set then
    /// fails, and the move reads the key and applies its batch again.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, StateEntry> _progressWritten = new(StringComparer.Ordinal);

    private long _progressWrites;

    private long _progressReads;

    /// <summary>How many times a move of a counter key read the key (the first move, and after a conflict or an error).</summary>
    internal long ProgressReads => Interlocked.Read(ref _progressReads);

    /// <summary>How many compare-and-set writes of counter keys succeeded (a write carries one or more status changes).</summary>
    internal long ProgressWrites => Interlocked.Read(ref _progressWrites);

    private const int MaxProgressFailures = 20;

    private long _progressConflicts;

    /// <summary>How often moving a counter key met a newer revision (another host's move) and was read and applied again.</summary>
    public long ProgressConflicts => Interlocked.Read(ref _progressConflicts);

    /// <inheritdoc/>
    /// <remarks>A KV delete: the key's history is replaced by a delete marker, and watches do not deliver it.</remarks>
    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var store = await StoreAsync(cancellationToken).ConfigureAwait(false);
        if (await GetAsync(key, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }

        await WatchesReadyAsync().ConfigureAwait(false);
        await store.DeleteAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
        await ThreadHop.ToThreadPool();
        return true;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Reads the keys' latest revisions through a short-lived consumer of the bucket's stream
    /// (headers only), skipping deleted keys; a whole-token prefix such as <c>order.</c> is filtered
    /// by the server.
    /// </remarks>
    public async IAsyncEnumerable<string> ListKeysAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        await StoreAsync(cancellationToken).ConfigureAwait(false);
        var subjectPrefix = "$KV." + Bucket + ".";
        var filter = prefix.Length > 0 && prefix.EndsWith('.') && Subjects.Validate(subjectPrefix + prefix + ">", allowWildcards: true) is null
            ? subjectPrefix + prefix + ">"
            : subjectPrefix + ">";
        var consumer = await _js.CreateOrUpdateConsumerAsync(
            "KV_" + Bucket,
            new ConsumerConfig
            {
                Name = Names.Ephemeral("keys"),
                FilterSubject = filter,
                DeliverPolicy = ConsumerConfigDeliverPolicy.LastPerSubject,
                AckPolicy = ConsumerConfigAckPolicy.None,
                HeadersOnly = true,
                MemStorage = true,
                InactiveThreshold = TimeSpan.FromMinutes(1),
            },
            cancellationToken).ConfigureAwait(false);
        try
        {
            // The consumer holds a snapshot: the latest message of every key when it was made.
            var remaining = consumer.Info.NumPending;
            while (remaining > 0)
            {
                var keys = new List<string>();
                var received = 0;
                await foreach (var msg in consumer.FetchNoWaitAsync(new NatsJSFetchOpts { MaxMsgs = (int)Math.Min(remaining, 1000) }, NatsTransport.Reader, cancellationToken).ConfigureAwait(false))
                {
                    received++;
                    remaining = msg.Metadata?.NumPending ?? remaining - 1;
                    var deleted = msg.Headers is { } headers && headers.ContainsKey("KV-Operation");
                    var key = msg.Subject.StartsWith(subjectPrefix, StringComparison.Ordinal) ? msg.Subject[subjectPrefix.Length..] : msg.Subject;
                    if (!deleted && key.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        keys.Add(key);
                    }
                }

                await ThreadHop.ToThreadPool();
                foreach (var key in keys)
                {
                    yield return key;
                }

                if (received == 0)
                {
                    break;
                }
            }
        }
        finally
        {
            await DeleteConsumerQuietlyAsync(consumer.Info.Name).ConfigureAwait(false);
        }

        await ThreadHop.ToThreadPool();
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Subscribing creates a consumer of the bucket's stream; writes this store makes wait until it
    /// exists, so none committed after the subscription is missed. A revision replaced by a newer
    /// write of the same key before the consumer delivered it is skipped when the bucket keeps fewer
    /// revisions than were written meanwhile (<see cref="NatsFlowOptions.StateHistory"/>, default 1):
    /// the watch sees the latest value of a key, not every intermediate one. Deletes are not delivered.
    /// </remarks>
    public IObservable<StateEntry> Watch(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return Observable.Create<StateEntry>(observer =>
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            var watch = new KvWatch(_js, Bucket, async token => await StoreAsync(token).ConfigureAwait(false), prefix, observer, _pending, _logger);
            lock (_gate)
            {
                _watches = _watches.Add(watch);
            }

            watch.Start();
            return Disposable.Create(() =>
            {
                lock (_gate)
                {
                    _watches = _watches.Remove(watch);
                }

                watch.Stop();
            });
        });
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        ImmutableArray<KvWatch> watches;
        lock (_gate)
        {
            watches = _watches;
            _watches = [];
        }

        foreach (var watch in watches)
        {
            watch.Stop();
        }

        await Task.WhenAll(watches.Select(w => w.Completion)).ConfigureAwait(false);
    }

    private async ValueTask<INatsKVStore> StoreAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _store) is { } ready)
        {
            return ready;
        }

        await _initGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_store is not null)
            {
                return _store;
            }

            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    _store = await _kv.GetStoreAsync(Bucket, cancellationToken).ConfigureAwait(false);
                    return _store;
                }
                catch (NatsJSApiException e) when (e.Error.Code == 404)
                {
                }

                try
                {
                    var config = new NatsKVConfig(Bucket)
                    {
                        Description = "FlowSdk execution state: key <flow>.<execution>, value the MessagePack state",
                        History = _options.StateHistory,
                        Storage = _options.Storage == NatsStorage.Memory ? NatsKVStorageType.Memory : NatsKVStorageType.File,
                        NumberOfReplicas = _options.Replicas,
                    };
                    _store = await _kv.CreateStoreAsync(config, cancellationToken).ConfigureAwait(false);
                    Log.BucketCreated(_logger, Bucket);
                    return _store;
                }
                catch (NatsJSApiException e) when (e.Error.ErrCode == 10058 && attempt < 3)
                {
                    // Another host created it meanwhile: use theirs.
                }
            }
        }
        finally
        {
            _initGate.Release();
        }
    }

    private async Task DeleteConsumerQuietlyAsync(string name)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _js.DeleteConsumerAsync("KV_" + Bucket, name, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NatsException or OperationCanceledException)
        {
            // The server removes an inactive ephemeral consumer by itself.
        }
    }

    /// <summary>Waits until every watch subscribed so far has its consumer, so it sees the coming write.</summary>
    private Task WatchesReadyAsync()
    {
        var watches = _watches;
        foreach (var watch in watches)
        {
            if (!watch.Ready.IsCompleted)
            {
                return Task.WhenAll(watches.Select(w => w.Ready));
            }
        }

        return Task.CompletedTask;
    }

    private void Committed(string key, ulong revision)
    {
        foreach (var watch in _watches)
        {
            if (key.StartsWith(watch.Prefix, StringComparison.Ordinal))
            {
                watch.Expect(revision);
            }
        }
    }
}
