using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Threading.Channels;
using FlowSdk.Internal;
using FlowSdk.Sqlite.Internal;
using FlowSdk.Transport;

namespace FlowSdk.Sqlite;

/// <summary>
/// Carries flow messages through the <c>inbox</c> table of a FlowSdk database, so a message
/// published by one process (a <c>send</c> from a second terminal) reaches the process that runs
/// the flow, and a message not yet handled when that process stops is handled after it restarts.
/// </summary>
/// <remarks>
/// <para>
/// A subscription with <see cref="SubscribeOptions.ManualAck"/> is a durable consumer named after
/// its queue group (the runtime uses <c>flowsdk.&lt;flow id&gt;</c>): its subject patterns are
/// recorded in the file, and every message published on a subject one of them matches gets a row
/// per consumer that stays until acknowledged. Rows are delivered in publish order; a message given
/// back is delivered again after <see cref="SqliteFlowOptions.RedeliveryDelay"/>, and after its last
/// allowed delivery (<see cref="SqliteFlowOptions.MaxDeliver"/>) or when rejected it moves to the
/// <c>dead_letters</c> table with the reason and is published on <c>flowsdk.deadletter.&lt;subject&gt;</c>
/// with the reason in the headers, as the other transports do. Messages carrying a
/// <c>Nats-Msg-Id</c> header are de-duplicated within <see cref="SqliteFlowOptions.DuplicateWindow"/>,
/// across restarts too. One process consumes a file at a time: generated hosts make sure of it with
/// the runner lease (<see cref="SqliteFlowDatabase.TryAcquireRunnerLease"/>).
/// </para>
/// <para>
/// A subscription without manual acknowledgement sees, in process, the messages published through
/// this transport, as a core NATS subscription would; nothing is stored for it.
/// </para>
/// </remarks>
public sealed class SqliteTransport : IMessageTransport, IIdleSignal
{
    private static readonly string[] ForgetStatements = ["DELETE FROM consumers WHERE name = $name", "DELETE FROM inbox WHERE consumer = $name"];

    private readonly SqliteFlowDatabase _database;
    private readonly IdleTracker _pending = new();
    private readonly ConcurrentDictionary<long, byte> _tracked = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ConsumerGroup> _groups = new(StringComparer.Ordinal);
    private readonly Channel<CoreDelivery> _coreQueue = Channel.CreateUnbounded<CoreDelivery>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _coreLoop;
    private readonly CancellationTokenSource _disposed = new();
    private ImmutableArray<CoreSubscription> _cores = [];
    private int _publishes;

    /// <summary>Test seam: runs after a publish commits its rows, before the consumers are woken.</summary>
    internal Action<long[]>? PublishCommitted { get; set; }

    internal SqliteTransport(SqliteFlowDatabase database)
    {
        _database = database;
        _coreLoop = Task.Run(DeliverCoreAsync);
    }

    /// <summary>How many messages are not yet handled: queued for this process's consumers or subscribers, or delivered and not acknowledged.</summary>
    public long PendingMessages => _pending.Pending;

    /// <inheritdoc/>
    public long Activity => _pending.Activity;

    /// <summary>Completes when every message published through this transport, and every message its consumers took from the file, has been handled.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the transport is idle.</returns>
    public Task WhenIdleAsync(CancellationToken cancellationToken = default) => _pending.WhenIdleAsync(cancellationToken);

    /// <summary>
    /// Records that the flows' inputs are consumed, so messages published on them are kept for a
    /// host that starts later: the consumer of each flow is its queue group, <c>flowsdk.&lt;flow id&gt;</c>,
    /// as the runtime subscribes it.
    /// </summary>
    /// <param name="flows">The flows.</param>
    public void CaptureFlows(IEnumerable<FlowDefinition> flows)
    {
        ArgumentNullException.ThrowIfNull(flows);
        foreach (var flow in flows)
        {
            Capture("flowsdk." + flow.Id, flow.InputSubjects);
        }
    }

    /// <summary>Records that <paramref name="consumer"/> takes the messages on <paramref name="patterns"/>, keeping them from now on until it acknowledges them.</summary>
    /// <param name="consumer">The consumer: the queue group of its subscriptions.</param>
    /// <param name="patterns">Subjects or patterns.</param>
    public void Capture(string consumer, IEnumerable<string> patterns)
    {
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        ArgumentNullException.ThrowIfNull(patterns);
        var list = patterns.ToList();
        foreach (var pattern in list)
        {
            Subjects.EnsureValid(pattern, allowWildcards: true, nameof(patterns));
        }

        _database.Connections.Write(db =>
        {
            foreach (var pattern in list)
            {
                var insert = db.Command("INSERT INTO consumers (name, pattern) VALUES ($name, $pattern) ON CONFLICT DO NOTHING");
                insert.Parameters.AddWithValue("$name", consumer);
                insert.Parameters.AddWithValue("$pattern", pattern);
                insert.ExecuteNonQuery();
            }

            return 0;
        });
    }

    /// <summary>How many messages wait in the file for <paramref name="consumer"/> (delivered or not), for example <c>flowsdk.order</c>.</summary>
    /// <param name="consumer">The consumer.</param>
    /// <returns>The number of rows.</returns>
    public long CountQueued(string consumer) => _database.Connections.Read(db =>
    {
        var count = db.Command("SELECT count(*) FROM inbox WHERE consumer = $consumer");
        count.Parameters.AddWithValue("$consumer", consumer);
        return (long)count.ExecuteScalar()!;
    });

    /// <inheritdoc/>
    public ValueTask PublishAsync(string subject, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default)
    {
        Subjects.EnsureValid(subject, allowWildcards: false, nameof(subject));
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        var bytes = payload.ToArray();
        headers ??= Internal.Headers.None;
        var encoded = Internal.Headers.Encode(headers);
        headers.TryGetValue(MessageHeaders.MessageId, out var messageId);
        var trim = Interlocked.Increment(ref _publishes) % 1024 == 0;

        // Each stored row counts as pending from inside the transaction, before the commit makes it
        // visible: once committed, a consumer loop may deliver it and have it acknowledged at once,
        // and a count taken after that would never be taken back.
        var tracked = new List<(string Consumer, long Seq)>();
        bool stored;
        try
        {
            stored = _database.Connections.Write(db =>
            {
                var now = _database.Time.GetUtcNow().ToUnixTimeMilliseconds();
                var cutoff = now - (long)_database.Options.DuplicateWindow.TotalMilliseconds;
                if (trim)
                {
                    var prune = db.Command("DELETE FROM message_ids WHERE at <= $cutoff");
                    prune.Parameters.AddWithValue("$cutoff", cutoff);
                    prune.ExecuteNonQuery();
                }

                if (messageId is not null)
                {
                    var remember = db.Command("INSERT INTO message_ids (id, at) VALUES ($id, $now) ON CONFLICT (id) DO UPDATE SET at = excluded.at WHERE message_ids.at <= $cutoff");
                    remember.Parameters.AddWithValue("$id", messageId);
                    remember.Parameters.AddWithValue("$now", now);
                    remember.Parameters.AddWithValue("$cutoff", cutoff);
                    if (remember.ExecuteNonQuery() == 0)
                    {
                        return false; // a duplicate within the window
                    }
                }

                var consumers = new List<string>();
                using (var reader = db.Command("SELECT name, pattern FROM consumers ORDER BY name").ExecuteReader())
                {
                    while (reader.Read())
                    {
                        var name = reader.GetString(0);
                        if ((consumers.Count == 0 || consumers[^1] != name) && Subjects.Matches(reader.GetString(1), subject))
                        {
                            consumers.Add(name);
                        }
                    }
                }

                foreach (var consumer in consumers)
                {
                    var insert = db.Command("INSERT INTO inbox (consumer, subject, payload, headers, published_at) VALUES ($consumer, $subject, $payload, $headers, $now) RETURNING seq");
                    insert.Parameters.AddWithValue("$consumer", consumer);
                    insert.Parameters.AddWithValue("$subject", subject);
                    insert.Parameters.AddWithValue("$payload", bytes);
                    insert.Parameters.AddWithValue("$headers", (object?)encoded ?? DBNull.Value);
                    insert.Parameters.AddWithValue("$now", now);
                    var seq = (long)insert.ExecuteScalar()!;
                    Track(seq);
                    tracked.Add((consumer, seq));
                }

                return true;
            });
        }
        catch
        {
            // Not committed: the rows do not exist.
            foreach (var (_, seq) in tracked)
            {
                Untrack(seq);
            }

            throw;
        }

        if (!stored)
        {
            return ValueTask.CompletedTask;
        }

        PublishCommitted?.Invoke(tracked.Select(t => t.Seq).ToArray());
        foreach (var (consumer, _) in tracked)
        {
            GroupOf(consumer)?.Wake();
        }

        foreach (var core in RouteCore(subject))
        {
            _pending.Add();
            if (!_coreQueue.Writer.TryWrite(new CoreDelivery(core, subject, bytes, headers)))
            {
                _pending.Done();
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public IObservable<TransportMessage> Subscribe(string pattern, SubscribeOptions? options = null)
    {
        Subjects.EnsureValid(pattern, allowWildcards: true, nameof(pattern));
        options ??= new SubscribeOptions();
        return Observable.Create<TransportMessage>(observer =>
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            return options.ManualAck ? SubscribeDurable(pattern, options.QueueGroup, observer) : SubscribeCore(pattern, options.QueueGroup, observer);
        });
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        ConsumerGroup[] groups;
        lock (_gate)
        {
            groups = [.. _groups.Values];
            _groups.Clear();
            _cores = [];
        }

        foreach (var group in groups)
        {
            group.Stop();
        }

        _coreQueue.Writer.TryComplete();
        await Task.WhenAll(groups.Select(g => g.Completion).Append(_coreLoop)).ConfigureAwait(false);
    }

    private IDisposable SubscribeDurable(string pattern, string? queueGroup, IObserver<TransportMessage> observer)
    {
        var ephemeral = queueGroup is null;
        var name = queueGroup ?? "flowsdk.subscription." + Guid.NewGuid().ToString("N");
        Capture(name, [pattern]);
        ConsumerGroup group;
        ConsumerGroup.Member member;
        lock (_gate)
        {
            if (!_groups.TryGetValue(name, out group!))
            {
                _groups[name] = group = new ConsumerGroup(this, name);
            }

            member = group.Add(pattern, observer);
        }

        group.Wake();
        return Disposable.Create(() =>
        {
            bool last;
            lock (_gate)
            {
                last = group.Remove(member);
                if (last && _groups.TryGetValue(name, out var current) && ReferenceEquals(current, group))
                {
                    _groups.Remove(name);
                }
            }

            if (!last)
            {
                return;
            }

            group.Stop();
            if (ephemeral && !_database.Disposed)
            {
                Forget(name);
            }
        });
    }

    private IDisposable SubscribeCore(string pattern, string? queueGroup, IObserver<TransportMessage> observer)
    {
        var core = new CoreSubscription(pattern, queueGroup, observer);
        lock (_gate)
        {
            _cores = _cores.Add(core);
        }

        return Disposable.Create(() =>
        {
            lock (_gate)
            {
                _cores = _cores.Remove(core);
            }

            core.Active = false;
        });
    }

    /// <summary>Removes a consumer that only lived as long as its subscription, with its rows.</summary>
    private void Forget(string consumer) => _database.Connections.Write(db =>
    {
        foreach (var sql in ForgetStatements)
        {
            var delete = db.Command(sql);
            delete.Parameters.AddWithValue("$name", consumer);
            delete.ExecuteNonQuery();
        }

        return 0;
    });

    private List<CoreSubscription> RouteCore(string subject)
    {
        var targets = new List<CoreSubscription>();
        HashSet<string>? groups = null;
        foreach (var core in _cores)
        {
            if (!core.Active || !Subjects.Matches(core.Pattern, subject))
            {
                continue;
            }

            // One member of a queue group gets the message.
            if (core.QueueGroup is { } group && !(groups ??= new HashSet<string>(StringComparer.Ordinal)).Add(group))
            {
                continue;
            }

            targets.Add(core);
        }

        return targets;
    }

    private async Task DeliverCoreAsync()
    {
        await foreach (var delivery in _coreQueue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                if (delivery.Target.Active)
                {
                    delivery.Target.Observer.OnNext(new CoreMessage(delivery.Subject, delivery.Payload, delivery.Headers));
                }
            }
            catch (Exception)
            {
                // A subscriber that throws loses the message it threw on, as a core NATS subscriber would.
            }
            finally
            {
                _pending.Done();
            }
        }
    }

    private ConsumerGroup? GroupOf(string consumer)
    {
        lock (_gate)
        {
            return _groups.GetValueOrDefault(consumer);
        }
    }

    private void Track(long seq)
    {
        if (_tracked.TryAdd(seq, 0))
        {
            _pending.Add();
        }
    }

    private void Untrack(long seq)
    {
        if (_tracked.TryRemove(seq, out _))
        {
            _pending.Done();
        }
    }

    private void Acknowledge(ConsumerGroup group, long seq)
    {
        _database.Connections.Write(db =>
        {
            var delete = db.Command("DELETE FROM inbox WHERE seq = $seq");
            delete.Parameters.AddWithValue("$seq", seq);
            return delete.ExecuteNonQuery();
        });
        group.Settled(seq);
        Untrack(seq);
    }

    private async ValueTask GiveBackAsync(ConsumerGroup group, SqliteMessage message, string reason, bool redeliver)
    {
        if (redeliver && message.DeliveryCount < _database.Options.MaxDeliver)
        {
            var delay = _database.Options.RedeliveryDelay;
            _database.Connections.Write(db =>
            {
                var update = db.Command("UPDATE inbox SET deliveries = deliveries + 1, not_before = $notBefore WHERE seq = $seq");
                update.Parameters.AddWithValue("$notBefore", _database.Time.GetUtcNow().ToUnixTimeMilliseconds() + (long)delay.TotalMilliseconds);
                update.Parameters.AddWithValue("$seq", message.Sequence);
                return update.ExecuteNonQuery();
            });
            group.Settled(message.Sequence);
            group.WakeAfter(delay);
            return;
        }

        _database.Connections.Write(db =>
        {
            var delete = db.Command("DELETE FROM inbox WHERE seq = $seq");
            delete.Parameters.AddWithValue("$seq", message.Sequence);
            delete.ExecuteNonQuery();
            var insert = db.Command("INSERT INTO dead_letters (consumer, subject, payload, headers, reason, deliveries, at) VALUES ($consumer, $subject, $payload, $headers, $reason, $deliveries, $at)");
            insert.Parameters.AddWithValue("$consumer", group.Name);
            insert.Parameters.AddWithValue("$subject", message.Subject);
            insert.Parameters.AddWithValue("$payload", message.Payload.ToArray());
            insert.Parameters.AddWithValue("$headers", (object?)Internal.Headers.Encode(message.Headers) ?? DBNull.Value);
            insert.Parameters.AddWithValue("$reason", reason);
            insert.Parameters.AddWithValue("$deliveries", message.DeliveryCount);
            insert.Parameters.AddWithValue("$at", _database.Time.GetUtcNow().ToUnixTimeMilliseconds());
            return insert.ExecuteNonQuery();
        });
        group.Settled(message.Sequence);

        // Published before the message counts as handled, so the transport never looks idle in between.
        var headers = new Dictionary<string, string>(message.Headers, StringComparer.Ordinal)
        {
            [InMemoryTransport.DeadLetterReasonHeader] = reason,
            [InMemoryTransport.DeadLetterSubjectHeader] = message.Subject,
            [InMemoryTransport.DeadLetterDeliveriesHeader] = message.DeliveryCount.ToString(CultureInfo.InvariantCulture),
        };
        headers.Remove(MessageHeaders.MessageId);
        try
        {
            if (!_disposed.IsCancellationRequested)
            {
                await PublishAsync(InMemoryTransport.DeadLetterSubjectPrefix + message.Subject, message.Payload, headers).ConfigureAwait(false);
            }
        }
        finally
        {
            Untrack(message.Sequence);
        }
    }

    private sealed record CoreDelivery(CoreSubscription Target, string Subject, byte[] Payload, IReadOnlyDictionary<string, string> Headers);

    private sealed class CoreSubscription(string pattern, string? queueGroup, IObserver<TransportMessage> observer)
    {
        public string Pattern { get; } = pattern;

        public string? QueueGroup { get; } = queueGroup;

        public IObserver<TransportMessage> Observer { get; } = observer;

        public volatile bool Active = true;
    }

    private sealed class CoreMessage(string subject, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string> headers)
        : TransportMessage(subject, payload, headers)
    {
        public override ValueTask AckAsync() => ValueTask.CompletedTask;

        public override ValueTask NakAsync(string reason) => ValueTask.CompletedTask;
    }

    /// <summary>A message taken from the inbox, settled once: acknowledged, given back or rejected.</summary>
    private sealed class SqliteMessage(SqliteTransport transport, ConsumerGroup group, long sequence, string subject, byte[] payload, IReadOnlyDictionary<string, string> headers, int deliveryCount)
        : TransportMessage(subject, payload, headers)
    {
        private int _settled;

        public long Sequence { get; } = sequence;

        public override int DeliveryCount => deliveryCount;

        /// <summary>
        /// The publisher's message id, or the inbox row, which a redelivery keeps: the runtime knows a
        /// message it already applied when it comes back after a failure.
        /// </summary>
        public override string? MessageId => base.MessageId ?? "sqlite:" + Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public override ValueTask AckAsync()
        {
            if (Interlocked.Exchange(ref _settled, 1) == 0)
            {
                transport.Acknowledge(group, Sequence);
            }

            return ValueTask.CompletedTask;
        }

        public override ValueTask NakAsync(string reason) => Settle(reason, redeliver: true);

        public override ValueTask RejectAsync(string reason) => Settle(reason, redeliver: false);

        private ValueTask Settle(string reason, bool redeliver) =>
            Interlocked.Exchange(ref _settled, 1) == 0 ? transport.GiveBackAsync(group, this, reason, redeliver) : ValueTask.CompletedTask;
    }

    /// <summary>
    /// The subscriptions of one durable consumer in this process, and the loop that hands them the
    /// consumer's rows in order, woken by publishes through this transport and by its poll interval.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Stopped rather than disposed: its loop may still be waiting on the token and the semaphore, which hold no unmanaged resources.")]
    private sealed class ConsumerGroup
    {
        private readonly SqliteTransport _transport;
        private readonly Lock _gate = new();
        private readonly List<Member> _members = [];
        private readonly HashSet<long> _inFlight = [];

        /// <summary>
        /// Delivered rows whose acknowledgement or redelivery is committed. They stay in flight until a
        /// read that began after the commit, so a read that began before it cannot deliver them again.
        /// </summary>
        private readonly HashSet<long> _settled = [];
        private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
        private readonly CancellationTokenSource _stop = new();
        private int _next;

        public ConsumerGroup(SqliteTransport transport, string name)
        {
            _transport = transport;
            Name = name;
            Completion = Task.Run(RunAsync);
        }

        public string Name { get; }

        public Task Completion { get; }

        public Member Add(string pattern, IObserver<TransportMessage> observer)
        {
            var member = new Member(pattern, observer);
            lock (_gate)
            {
                _members.Add(member);
            }

            return member;
        }

        /// <summary>Removes a member; true when it was the last.</summary>
        public bool Remove(Member member)
        {
            lock (_gate)
            {
                _members.Remove(member);
                return _members.Count == 0;
            }
        }

        public void Wake() => _wake.Release();

        public void WakeAfter(TimeSpan delay) =>
            _ = Task.Delay(delay, _transport._database.Time, _stop.Token).ContinueWith(_ => Wake(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);

        public void Settled(long seq)
        {
            lock (_gate)
            {
                _settled.Add(seq);
            }

            Wake();
        }

        public void Stop()
        {
            if (!_stop.IsCancellationRequested)
            {
                _stop.Cancel();
            }
        }

        private async Task RunAsync()
        {
            var options = _transport._database.Options;
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await _wake.WaitAsync(options.PollInterval, _stop.Token).ConfigureAwait(false);
                    while (_wake.CurrentCount > 0)
                    {
                        await _wake.WaitAsync(_stop.Token).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                try
                {
                    while (!_stop.IsCancellationRequested && Poll(options))
                    {
                    }
                }
                catch (Exception ex) when (ex is SqliteFlowStoreException or Microsoft.Data.Sqlite.SqliteException or ObjectDisposedException)
                {
                    // Read again on the next poll: a locked file is a passing state, and a disposed one ends the consumer.
                    if (_transport._database.Disposed)
                    {
                        return;
                    }
                }
            }
        }

        /// <summary>
        /// Delivers what is due, in order, until the consumer has <see cref="SqliteFlowOptions.MaxAckPending"/>
        /// messages in flight. Reads page by page, so rows no subscription of this process takes (a
        /// subject a flow no longer consumes) never hide the rows behind them. Returns false: the loop
        /// polls again when woken (a publish, an acknowledgement) or after the poll interval.
        /// </summary>
        private bool Poll(SqliteFlowOptions options)
        {
            const int Page = 256;
            long[] settled;
            lock (_gate)
            {
                settled = [.. _settled];
            }

            var now = _transport._database.Time.GetUtcNow().ToUnixTimeMilliseconds();
            var after = 0L;
            var first = true;
            while (!_stop.IsCancellationRequested)
            {
                var from = after;
                var rows = _transport._database.Connections.Read(db =>
                {
                    var select = db.Command("SELECT seq, subject, payload, headers, deliveries FROM inbox WHERE consumer = $consumer AND seq > $after AND not_before <= $now ORDER BY seq LIMIT $limit");
                    select.Parameters.AddWithValue("$consumer", Name);
                    select.Parameters.AddWithValue("$after", from);
                    select.Parameters.AddWithValue("$now", now);
                    select.Parameters.AddWithValue("$limit", Page);
                    using var reader = select.ExecuteReader();
                    var found = new List<(long Seq, string Subject, byte[] Payload, byte[]? Headers, int Deliveries)>();
                    while (reader.Read())
                    {
                        found.Add((reader.GetInt64(0), reader.GetString(1), (byte[])reader.GetValue(2), reader.IsDBNull(3) ? null : (byte[])reader.GetValue(3), reader.GetInt32(4)));
                    }

                    return found;
                });
                if (first)
                {
                    first = false;
                    lock (_gate)
                    {
                        // Settled before the read began: the read saw them gone or not yet due.
                        foreach (var seq in settled)
                        {
                            _settled.Remove(seq);
                            _inFlight.Remove(seq);
                        }
                    }
                }

                foreach (var row in rows)
                {
                    after = row.Seq;
                    if (_stop.IsCancellationRequested)
                    {
                        return false;
                    }

                    Member? target;
                    lock (_gate)
                    {
                        if (_inFlight.Count - _settled.Count >= options.MaxAckPending)
                        {
                            return false;
                        }

                        if (_inFlight.Contains(row.Seq))
                        {
                            continue;
                        }

                        target = Pick(row.Subject);
                        if (target is null)
                        {
                            continue; // no subscription of this process takes the subject (yet, or any more)
                        }

                        _inFlight.Add(row.Seq);
                    }

                    _transport.Track(row.Seq);
                    var message = new SqliteMessage(_transport, this, row.Seq, row.Subject, row.Payload, Internal.Headers.Decode(row.Headers), row.Deliveries + 1);
                    try
                    {
                        target.Observer.OnNext(message);
                    }
                    catch (Exception)
                    {
                        // A subscriber that throws has the message delivered again, as an unacknowledged one is.
                        _ = message.NakAsync("the subscriber threw").AsTask();
                    }
                }

                if (rows.Count < Page)
                {
                    return false;
                }
            }

            return false;
        }

        private Member? Pick(string subject)
        {
            for (var i = 0; i < _members.Count; i++)
            {
                var member = _members[(_next + i) % _members.Count];
                if (Subjects.Matches(member.Pattern, subject))
                {
                    _next = (_next + i + 1) % _members.Count;
                    return member;
                }
            }

            return null;
        }

        public sealed class Member(string pattern, IObserver<TransportMessage> observer)
        {
            public string Pattern { get; } = pattern;

            public IObserver<TransportMessage> Observer { get; } = observer;
        }
    }
}
