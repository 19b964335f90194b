using System.Collections.Immutable;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Runtime.CompilerServices;
using FlowSdk.Internal;
using FlowSdk.Sqlite.Internal;
using FlowSdk.State;
using FlowSdk.Transport;

namespace FlowSdk.Sqlite;

/// <summary>
/// Execution state in the <c>state</c> table of a FlowSdk database: one row per key with its value
/// and revision. Revisions come from one sequence for the whole file, as in a JetStream key/value
/// bucket, and writes are compare-and-set on the revision read, in one transaction each.
/// </summary>
/// <remarks>
/// <see cref="Watch"/> delivers the writes committed after the watch started, in revision order: a
/// write through this store wakes the watch at once, writes by other processes are found by polling
/// (<see cref="SqliteFlowOptions.PollInterval"/>). A revision that a newer write of the same key
/// replaced before the watch read it is skipped (the table keeps the latest value of a key, as a
/// bucket with history 1 does); the latest revision of every key is always delivered. As an
/// <see cref="IIdleSignal"/> the store counts the writes it committed itself that a watch has not
/// delivered yet.
/// </remarks>
public sealed class SqliteStateStore : IStateStore, IIdleSignal
{
    private readonly SqliteFlowDatabase _database;
    private readonly IdleTracker _pending = new();
    private readonly Lock _gate = new();
    private ImmutableArray<StateWatch> _watches = [];

    internal SqliteStateStore(SqliteFlowDatabase database) => _database = database;

    /// <summary>How many writes this store committed that a watch of this store has not delivered yet.</summary>
    public long PendingMessages => _pending.Pending;

    /// <inheritdoc/>
    public long Activity => _pending.Activity;

    /// <summary>Completes when every write this store committed has been delivered to every watch that covers it.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when no write is waiting for a watch.</returns>
    public Task WhenIdleAsync(CancellationToken cancellationToken = default) => _pending.WhenIdleAsync(cancellationToken);

    /// <inheritdoc/>
    public ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_database.Connections.Read(db => Read(db, key)));
    }

    /// <inheritdoc/>
    public ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(Create(key, value, change: null, cancellationToken));

    /// <inheritdoc/>
    public ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, StatusChange change, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(Create(key, value, change, cancellationToken));

    /// <inheritdoc/>
    public ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(Update(key, value, expectedRevision, change: null, cancellationToken));

    /// <inheritdoc/>
    /// <remarks>The <c>progress</c> row of the change's flow moves in the transaction of the write.</remarks>
    public ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, StatusChange change, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(Update(key, value, expectedRevision, change, cancellationToken));

    /// <inheritdoc/>
    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_database.Connections.Write(db =>
        {
            var delete = db.Command("DELETE FROM state WHERE key = $key");
            delete.Parameters.AddWithValue("$key", key);
            return delete.ExecuteNonQuery() == 1;
        }));
    }

    /// <inheritdoc/>
    public ValueTask<bool> DeleteAsync(string key, ulong expectedRevision, StatusChange change, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_database.Connections.Write(db =>
        {
            var delete = db.Command("DELETE FROM state WHERE key = $key AND revision = $revision");
            delete.Parameters.AddWithValue("$key", key);
            delete.Parameters.AddWithValue("$revision", (long)expectedRevision);
            if (delete.ExecuteNonQuery() != 1)
            {
                return false;
            }

            Move(db, change);
            return true;
        }));
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Runs in one write transaction: when the flow is not in <c>progress_flows</c> yet, its counters
    /// are computed from its rows in the <c>state</c> table and the flow is marked, so no write moves
    /// them meanwhile and a database from before the counters gets them exactly once.
    /// </remarks>
    public ValueTask InitializeProgressAsync(string flow, string keyPrefix, Func<ReadOnlyMemory<byte>, ExecutionStatus> statusOf, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(flow);
        ArgumentException.ThrowIfNullOrEmpty(keyPrefix);
        ArgumentNullException.ThrowIfNull(statusOf);
        cancellationToken.ThrowIfCancellationRequested();
        var counted = _database.Connections.Read(db => Counted(db, flow));
        if (counted)
        {
            return ValueTask.CompletedTask;
        }

        Count(flow, keyPrefix, statusOf, again: false);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    /// <remarks>One write transaction, as the first count: exact while hosts write the file.</remarks>
    public ValueTask RecountProgressAsync(string flow, string keyPrefix, Func<ReadOnlyMemory<byte>, ExecutionStatus> statusOf, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(flow);
        ArgumentException.ThrowIfNullOrEmpty(keyPrefix);
        ArgumentNullException.ThrowIfNull(statusOf);
        cancellationToken.ThrowIfCancellationRequested();
        Count(flow, keyPrefix, statusOf, again: true);
        return ValueTask.CompletedTask;
    }

    private void Count(string flow, string keyPrefix, Func<ReadOnlyMemory<byte>, ExecutionStatus> statusOf, bool again)
    {
        _database.Connections.Write(db =>
        {
            if (!again && Counted(db, flow))
            {
                return 0;
            }

            var counts = new ProgressCounts();
            var select = db.Command("SELECT value FROM state WHERE substr(key, 1, length($prefix)) = $prefix");
            select.Parameters.AddWithValue("$prefix", keyPrefix);
            using (var reader = select.ExecuteReader())
            {
                while (reader.Read())
                {
                    counts[statusOf((byte[])reader.GetValue(0))]++;
                }
            }

            var clear = db.Command("DELETE FROM progress WHERE flow = $flow");
            clear.Parameters.AddWithValue("$flow", flow);
            clear.ExecuteNonQuery();
            foreach (var status in ProgressCounts.Statuses)
            {
                var insert = db.Command("INSERT INTO progress (flow, status, count) VALUES ($flow, $status, $count)");
                insert.Parameters.AddWithValue("$flow", flow);
                insert.Parameters.AddWithValue("$status", (int)status);
                insert.Parameters.AddWithValue("$count", counts[status]);
                insert.ExecuteNonQuery();
            }

            var mark = db.Command("INSERT INTO progress_flows (flow) VALUES ($flow) ON CONFLICT (flow) DO NOTHING");
            mark.Parameters.AddWithValue("$flow", flow);
            return mark.ExecuteNonQuery();
        });
    }

    /// <inheritdoc/>
    public ValueTask<ProgressCounts?> ReadProgressAsync(string flow, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(flow);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<ProgressCounts?>(_database.Connections.Read(db =>
        {
            var counts = new ProgressCounts();
            var select = db.Command("SELECT status, count FROM progress WHERE flow = $flow");
            select.Parameters.AddWithValue("$flow", flow);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                var status = (ExecutionStatus)reader.GetInt32(0);
                if (Enum.IsDefined(status))
                {
                    counts[status] = reader.GetInt64(1);
                }
            }

            return counts;
        }));
    }

    private StateWriteResult Create(string key, ReadOnlyMemory<byte> value, StatusChange? change, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        var bytes = value.ToArray();
        var result = _database.Connections.Write(db =>
        {
            var current = Revision(db, key);
            if (current != 0)
            {
                return new StateWriteResult(false, current);
            }

            var revision = NextRevision(db);
            var insert = db.Command("INSERT INTO state (key, value, revision) VALUES ($key, $value, $revision)");
            insert.Parameters.AddWithValue("$key", key);
            insert.Parameters.AddWithValue("$value", bytes);
            insert.Parameters.AddWithValue("$revision", revision);
            insert.ExecuteNonQuery();
            Move(db, change);
            return new StateWriteResult(true, (ulong)revision);
        });
        Committed(key, result);
        return result;
    }

    private StateWriteResult Update(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, StatusChange? change, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        var bytes = value.ToArray();
        var result = _database.Connections.Write(db =>
        {
            var current = Revision(db, key);
            if (current == 0 || current != expectedRevision)
            {
                return new StateWriteResult(false, current);
            }

            var revision = NextRevision(db);
            var update = db.Command("UPDATE state SET value = $value, revision = $revision WHERE key = $key");
            update.Parameters.AddWithValue("$key", key);
            update.Parameters.AddWithValue("$value", bytes);
            update.Parameters.AddWithValue("$revision", revision);
            update.ExecuteNonQuery();
            Move(db, change);
            return new StateWriteResult(true, (ulong)revision);
        });
        Committed(key, result);
        return result;
    }

    /// <summary>Moves the flow's progress counters inside the write's transaction.</summary>
    private static void Move(Db db, StatusChange? change)
    {
        if (change is not { Moves: true } moved)
        {
            return;
        }

        if (moved.Before is { } before)
        {
            Add(db, moved.Flow, before, -1);
        }

        if (moved.After is { } after)
        {
            Add(db, moved.Flow, after, 1);
        }
    }

    private static void Add(Db db, string flow, ExecutionStatus status, long delta)
    {
        var upsert = db.Command("INSERT INTO progress (flow, status, count) VALUES ($flow, $status, $delta) ON CONFLICT (flow, status) DO UPDATE SET count = count + excluded.count");
        upsert.Parameters.AddWithValue("$flow", flow);
        upsert.Parameters.AddWithValue("$status", (int)status);
        upsert.Parameters.AddWithValue("$delta", delta);
        upsert.ExecuteNonQuery();
    }

    private static bool Counted(Db db, string flow)
    {
        var select = db.Command("SELECT count(*) FROM progress_flows WHERE flow = $flow");
        select.Parameters.AddWithValue("$flow", flow);
        return select.ExecuteScalar() is long found && found > 0;
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<string> ListKeysAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var keys = _database.Connections.Read(db =>
        {
            var select = db.Command("SELECT key FROM state WHERE substr(key, 1, length($prefix)) = $prefix");
            select.Parameters.AddWithValue("$prefix", prefix);
            using var reader = select.ExecuteReader();
            var found = new List<string>();
            while (reader.Read())
            {
                found.Add(reader.GetString(0));
            }

            return found;
        });
        foreach (var key in keys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return key;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public IObservable<StateEntry> Watch(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return Observable.Create<StateEntry>(observer =>
        {
            ObjectDisposedException.ThrowIf(_database.Disposed, this);

            // Only what is committed from now on.
            var from = _database.Connections.Read(db => db.Scalar("SELECT value FROM sequences WHERE name = 'state'"));
            var watch = new StateWatch(_database, prefix, from, observer, _pending);
            lock (_gate)
            {
                _watches = _watches.Add(watch);
            }

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
        ImmutableArray<StateWatch> watches;
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

    private static StateEntry? Read(Db db, string key)
    {
        var select = db.Command("SELECT value, revision FROM state WHERE key = $key");
        select.Parameters.AddWithValue("$key", key);
        using var reader = select.ExecuteReader();
        return reader.Read() ? new StateEntry(key, (byte[])reader.GetValue(0), (ulong)reader.GetInt64(1)) : null;
    }

    private static ulong Revision(Db db, string key)
    {
        var select = db.Command("SELECT revision FROM state WHERE key = $key");
        select.Parameters.AddWithValue("$key", key);
        return select.ExecuteScalar() is long revision ? (ulong)revision : 0;
    }

    private static long NextRevision(Db db) => db.Scalar("UPDATE sequences SET value = value + 1 WHERE name = 'state' RETURNING value");

    private void Committed(string key, StateWriteResult result)
    {
        if (!result.Succeeded)
        {
            return;
        }

        foreach (var watch in _watches)
        {
            if (key.StartsWith(watch.Prefix, StringComparison.Ordinal))
            {
                watch.Expect(result.Revision);
            }
        }
    }

    /// <summary>Reads the rows written after the last delivered revision, in revision order, when woken or polled.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Stopped rather than disposed: its loop may still be waiting on the token and the semaphore, which hold no unmanaged resources.")]
    private sealed class StateWatch
    {
        private readonly SqliteFlowDatabase _database;
        private readonly IObserver<StateEntry> _observer;
        private readonly IdleTracker _pending;
        private readonly Lock _gate = new();
        private readonly SortedSet<ulong> _expected = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
        private ulong _delivered;

        public StateWatch(SqliteFlowDatabase database, string prefix, long from, IObserver<StateEntry> observer, IdleTracker pending)
        {
            _database = database;
            Prefix = prefix;
            _delivered = (ulong)from;
            _observer = observer;
            _pending = pending;
            Completion = Task.Run(RunAsync);
        }

        public string Prefix { get; }

        public Task Completion { get; }

        public void Expect(ulong revision)
        {
            lock (_gate)
            {
                if (revision <= _delivered || _stop.IsCancellationRequested || !_expected.Add(revision))
                {
                    return;
                }

                _pending.Add();
            }

            _wake.Release();
        }

        public void Stop()
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            _stop.Cancel();
            lock (_gate)
            {
                foreach (var _ in _expected)
                {
                    _pending.Done();
                }

                _expected.Clear();
            }
        }

        private async Task RunAsync()
        {
            var interval = _database.Options.PollInterval;
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await _wake.WaitAsync(interval, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                try
                {
                    while (!_stop.IsCancellationRequested && Poll())
                    {
                    }
                }
                catch (Exception ex) when (ex is SqliteFlowStoreException or Microsoft.Data.Sqlite.SqliteException or ObjectDisposedException)
                {
                    // Read again on the next poll: a locked file is a passing state, and a disposed one ends the watch.
                    if (_database.Disposed)
                    {
                        return;
                    }
                }
            }
        }

        /// <summary>Delivers one batch; true when there may be more.</summary>
        private bool Poll()
        {
            const int Batch = 512;
            var after = _delivered;
            var (upTo, rows) = _database.Connections.Read(db =>
            {
                // Every revision up to the sequence's value is committed; one not found among the rows
                // was replaced by a newer write of its key, or deleted.
                var sequence = db.Scalar("SELECT value FROM sequences WHERE name = 'state'");
                var select = db.Command("SELECT key, value, revision FROM state WHERE revision > $after AND revision <= $upTo ORDER BY revision LIMIT $batch");
                select.Parameters.AddWithValue("$after", (long)after);
                select.Parameters.AddWithValue("$upTo", sequence);
                select.Parameters.AddWithValue("$batch", Batch);
                using var reader = select.ExecuteReader();
                var found = new List<StateEntry>();
                while (reader.Read())
                {
                    found.Add(new StateEntry(reader.GetString(0), (byte[])reader.GetValue(1), (ulong)reader.GetInt64(2)));
                }

                return ((ulong)sequence, found);
            });
            foreach (var entry in rows)
            {
                if (_stop.IsCancellationRequested)
                {
                    return false;
                }

                if (entry.Key.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    try
                    {
                        _observer.OnNext(entry);
                    }
                    catch (Exception)
                    {
                        // A watcher that throws misses that change, as a KV watcher would.
                    }
                }

                Delivered(entry.Revision);
            }

            if (rows.Count < Batch && upTo > _delivered)
            {
                Delivered(upTo);
            }

            return rows.Count == Batch;
        }

        private void Delivered(ulong revision)
        {
            lock (_gate)
            {
                _delivered = revision;
                while (_expected.Count > 0 && _expected.Min <= revision)
                {
                    _expected.Remove(_expected.Min);
                    _pending.Done();
                }
            }
        }
    }
}
