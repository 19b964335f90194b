using System.Collections.Concurrent;
using System.Globalization;
using FlowSdk.Transport;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace FlowSdk.Nats.Internal;

/// <summary>
/// The subscriptions with manual acknowledgement that share one queue group in one transport, and
/// the one JetStream pull consumer that feeds them: a durable consumer named after the queue group
/// (shared by every host subscribing with that group, so they share the work), or, without a
/// queue group, an ephemeral consumer of the subscription's own.
/// </summary>
/// <remarks>
/// One consumer per group, not one per subject, because a flow subscribes to each of its input
/// subjects and relies on their messages arriving in the order they were published: one consumer
/// delivers the stream in order, one message at a time, and the group routes each to the
/// subscription whose pattern matches. The consumer reads the whole stream, with no filter subject:
/// nats-server 2.9 allows one filter per consumer and can lose a waiting pull request when a
/// consumer's filter changes, so a filter that grows with the flow's subjects is not safe there.
/// Messages no pattern of the group matches are acknowledged at once.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "Its CancellationTokenSource has no timer, so there is nothing to release; it is cancelled when the owner stops.")]
internal sealed class ConsumerGroup
{
    private readonly NatsTransport _transport;
    private readonly Lock _gate = new();
    private readonly List<Member> _members = [];
    private readonly HashSet<string> _patterns = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _nextMember = new(StringComparer.Ordinal);

    /// <summary>Per subject seen, the group's patterns that match it (bounded; emptied when a pattern is added).</summary>
    private readonly Dictionary<string, string[]> _matching = new(StringComparer.Ordinal);

    /// <summary>
    /// Per subject seen, its targets when each pattern that matches it has exactly one subscription
    /// (no turns to take): handed out as they are, without a new list per message. Bounded; emptied
    /// when a subscription comes or goes.
    /// </summary>
    private readonly Dictionary<string, Member[]> _routes = new(StringComparer.Ordinal);
    private const int MaxMatchingKept = 1024;
    private readonly SemaphoreSlim _configureGate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Messages handed on and not settled yet, by stream sequence (every JetStream delivery has one).</summary>
    private readonly ConcurrentDictionary<ulong, Settlement> _bySequence = new();

    /// <summary>Messages handed on and not settled yet that have no stream sequence (not expected; kept for the progress reports).</summary>
    private readonly ConcurrentDictionary<Settlement, byte> _unsettled = new();

    /// <summary>
    /// Deliveries this host acknowledged without waiting for the server to confirm it (stream sequence
    /// and the message's timestamp, which tells apart a sequence reused by a re-created stream) to
    /// when: a redelivery of one of them means the acknowledgement was lost, and it is acknowledged
    /// again instead of being handled twice. Pruned by the consumer's acknowledgement floor and by age.
    /// </summary>
    private readonly ConcurrentDictionary<(ulong Sequence, long Timestamp), long> _acked = new();
    private INatsJSConsumer? _consumer;
    private volatile bool _configured;
    private volatile bool _recreate;
    private Task _pump = Task.CompletedTask;
    private Task _progress = Task.CompletedTask;
    private Task _prune = Task.CompletedTask;

    public ConsumerGroup(NatsTransport transport, string? queueGroup)
    {
        _transport = transport;
        QueueGroup = queueGroup;
        ConsumerName = queueGroup is null ? Names.Ephemeral("sub") : Names.DurableConsumer(queueGroup);
    }

    public string? QueueGroup { get; }

    public bool Durable => QueueGroup is not null;

    public string ConsumerName { get; }

    public bool Stopping => _stop.IsCancellationRequested;

    /// <summary>Whether the consumer exists and this group still takes messages from it.</summary>
    public bool Active => _configured && !Stopping;

    /// <summary>Completes when the group has stopped taking messages.</summary>
    public Task Completion => _pump;

    private NatsFlowOptions Options => _transport.Options;

    public Member Add(string pattern, IObserver<TransportMessage> observer)
    {
        var member = new Member(pattern, observer);
        lock (_gate)
        {
            _members.Add(member);
            _routes.Clear();
            if (_patterns.Add(pattern))
            {
                _matching.Clear();
            }
        }

        return member;
    }

    /// <summary>Removes a subscription; returns whether the group has none left.</summary>
    public bool Remove(Member member)
    {
        lock (_gate)
        {
            _members.Remove(member);
            _routes.Clear();
            return _members.Count == 0;
        }
    }

    /// <summary>Whether a message on <paramref name="pattern"/> reaches this group: the consumer exists and the stream captures the subject.</summary>
    public bool Covers(string pattern) => _configured && _transport.Captures(pattern);

    public void Fail(Exception error)
    {
        Member[] members;
        lock (_gate)
        {
            members = [.. _members];
        }

        foreach (var member in members)
        {
            member.Observer.OnError(error);
        }
    }

    /// <summary>
    /// Makes the stream capture the group's patterns, creates the consumer the first time and starts
    /// delivering. Later subscriptions of the group only add their subjects to the stream.
    /// </summary>
    public async Task ConfigureAsync(CancellationToken cancellationToken)
    {
        await _configureGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Stopping)
            {
                return;
            }

            string[] patterns;
            lock (_gate)
            {
                patterns = [.. _patterns];
            }

            await _transport.EnsureStreamAsync(patterns, cancellationToken).ConfigureAwait(false);
            if (!_configured)
            {
                await CreateConsumerAsync(cancellationToken).ConfigureAwait(false);
            }

            if (_pump.IsCompleted && !Stopping)
            {
                _pump = Task.Run(PumpAsync, CancellationToken.None);
                _progress = Task.Run(ReportProgressAsync, CancellationToken.None);
                _prune = Task.Run(PruneAcknowledgedAsync, CancellationToken.None);
            }
        }
        finally
        {
            _configureGate.Release();
        }
    }

    /// <summary>Stops taking messages. Messages already fetched are given back at once, for another host.</summary>
    public void Stop()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        // Cancellation callbacks belong to the NATS client: let them run off the caller's thread,
        // which may be a subscriber disposing from inside a delivery.
        _transport.Track(_stop.CancelAsync());
        _transport.Track(FinishAsync());
    }

    /// <summary>Messages of this group's consumer not yet acknowledged: waiting in the stream or delivered and unsettled.</summary>
    public async Task<long> PendingOnServerAsync(CancellationToken cancellationToken)
    {
        if (!Active)
        {
            return 0;
        }

        var consumer = await _transport.JetStream.GetConsumerAsync(Options.StreamName, ConsumerName, cancellationToken).ConfigureAwait(false);
        return (long)consumer.Info.NumPending + consumer.Info.NumAckPending;
    }

    /// <summary>Called once every subscription a message went to has acknowledged it or given it back.</summary>
    public async Task CompleteAsync(Settlement settlement, Outcome outcome, string? reason)
    {
        var msg = settlement.Message;
        try
        {
            if (outcome == Outcome.Ack && Options.ConfirmAcknowledgements)
            {
                await msg.AckAsync(new AckOpts { DoubleAck = true }).ConfigureAwait(false);
            }
            else if (outcome == Outcome.Ack)
            {
                // Sent, not confirmed: a lost acknowledgement brings the message back after AckWait,
                // and DeliverAsync acknowledges that redelivery again instead of handing it on.
                if (settlement.Sequence != 0)
                {
                    _acked[(settlement.Sequence, settlement.Timestamp)] = Environment.TickCount64;
                }

                if (_transport.LoseAcknowledgement?.Invoke() == true)
                {
                    return;
                }

                var ack = msg.AckAsync();
                if (!ack.IsCompletedSuccessfully)
                {
                    await ack.ConfigureAwait(false);
                }
                else
                {
                    return; // completed on the caller's thread: no NATS callback to leave (finally still runs)
                }
            }
            else if (outcome == Outcome.Reject || settlement.Deliveries >= Options.MaxDeliver)
            {
                await DeadLetterAsync(msg, settlement.Deliveries, reason ?? "rejected").ConfigureAwait(false);
            }
            else
            {
                await msg.NakAsync(new AckOpts { NakDelay = Options.RedeliveryDelay }).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            Log.AckFailed(_transport.Logger, msg.Metadata?.Sequence.Stream ?? 0, msg.Subject, ex);
        }
        finally
        {
            if (settlement.Sequence == 0)
            {
                _unsettled.TryRemove(settlement, out _);
            }
            else
            {
                _bySequence.TryRemove(new KeyValuePair<ulong, Settlement>(settlement.Sequence, settlement));
            }
            _transport.Work.Done();
        }

        await ThreadHop.ToThreadPool();
    }

    private async Task CreateConsumerAsync(CancellationToken cancellationToken)
    {
        _consumer = Durable
            ? await EnsureDurableAsync(cancellationToken).ConfigureAwait(false)
            : await CreateEphemeralAsync(cancellationToken).ConfigureAwait(false);
        _configured = true;
        Log.ConsumerReady(_transport.Logger, ConsumerName, Options.StreamName);
    }

    private async Task<INatsJSConsumer> EnsureDurableAsync(CancellationToken cancellationToken)
    {
        var js = _transport.JetStream;
        for (var attempt = 1; ; attempt++)
        {
            INatsJSConsumer? existing = null;
            try
            {
                existing = await js.GetConsumerAsync(Options.StreamName, ConsumerName, cancellationToken).ConfigureAwait(false);
            }
            catch (NatsJSApiException e) when (e.Error.Code == 404)
            {
            }

            if (existing is null)
            {
                var config = new ConsumerConfig(ConsumerName)
                {
                    Description = $"FlowSdk queue group '{QueueGroup}'",
                    AckPolicy = ConsumerConfigAckPolicy.Explicit,
                    AckWait = Options.AckWait,

                    // Redelivery is bounded here, not by the server, so the last delivery can be dead-lettered.
                    MaxDeliver = -1,
                    MaxAckPending = Options.MaxAckPending,
                    DeliverPolicy = Options.ConsumerStart == NatsConsumerStart.New ? ConsumerConfigDeliverPolicy.New : ConsumerConfigDeliverPolicy.All,
                };
                try
                {
                    return await js.CreateConsumerAsync(Options.StreamName, config, cancellationToken).ConfigureAwait(false);
                }
                catch (NatsJSApiException) when (attempt < 3)
                {
                    // Another host created it meanwhile: use theirs.
                    continue;
                }
            }

            var current = existing.Info.Config;
            if (string.IsNullOrEmpty(current.FilterSubject) && current.AckWait == Options.AckWait && current.MaxAckPending == Options.MaxAckPending && current.MaxDeliver == -1)
            {
                return existing;
            }

            current.FilterSubject = string.Empty;
            current.AckWait = Options.AckWait;
            current.MaxAckPending = Options.MaxAckPending;
            current.MaxDeliver = -1;
            return await js.UpdateConsumerAsync(Options.StreamName, current, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<INatsJSConsumer> CreateEphemeralAsync(CancellationToken cancellationToken)
    {
        var config = new ConsumerConfig
        {
            Name = ConsumerName,
            Description = "FlowSdk subscription without a queue group",
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = Options.AckWait,
            MaxDeliver = -1,
            MaxAckPending = Options.MaxAckPending,
            DeliverPolicy = ConsumerConfigDeliverPolicy.New,
            InactiveThreshold = TimeSpan.FromMinutes(1),
        };
        return await _transport.JetStream.CreateOrUpdateConsumerAsync(Options.StreamName, config, cancellationToken).ConfigureAwait(false);
    }

    private async Task PumpAsync()
    {
        var delay = TimeSpan.FromMilliseconds(100);
        // Short pull requests with heartbeats: a pull request the server lost (it restarted, or the
        // consumer's leader moved) is noticed and replaced within seconds, not after the client's
        // default 30 s expiry; that bounds how long a fault stalls delivery.
        var opts = new NatsJSConsumeOpts { MaxMsgs = Options.PullBatch, DrainOnCancel = true, Expires = PullExpiry, IdleHeartbeat = PullHeartbeat };
        while (!Stopping && !_transport.Disposing)
        {
            try
            {
                if (_recreate)
                {
                    // The consumer went away (deleted by an operator, say): make it again.
                    await _configureGate.WaitAsync(_stop.Token).ConfigureAwait(false);
                    try
                    {
                        await CreateConsumerAsync(_stop.Token).ConfigureAwait(false);
                        _recreate = false;
                    }
                    finally
                    {
                        _configureGate.Release();
                    }
                }

                await foreach (var msg in _consumer!.ConsumeAsync(NatsTransport.Reader, opts, _stop.Token).ConfigureAwait(false))
                {
                    await DeliverAsync(msg).ConfigureAwait(false);
                    if (_transport.Disposing)
                    {
                        break;
                    }
                }

                if (!Stopping && !_transport.Disposing)
                {
                    // The server ended the consumption without an error: look at the consumer again.
                    _recreate = true;
                    await PauseAsync(delay).ConfigureAwait(false);
                    delay = Longer(delay);
                }
            }
            catch (OperationCanceledException) when (Stopping || _transport.Disposing)
            {
                break;
            }
            catch (Exception ex)
            {
                Log.ConsumerFailed(_transport.Logger, ConsumerName, Options.StreamName, delay, ex);
                _recreate = true;
                await PauseAsync(delay).ConfigureAwait(false);
                delay = Longer(delay);
            }
        }
    }

    /// <summary>How long one pull request lives; lost ones are replaced after at most this long.</summary>
    internal static readonly TimeSpan PullExpiry = TimeSpan.FromSeconds(4);

    /// <summary>The server's heartbeat on an idle pull request; two missed ones make the client pull again.</summary>
    internal static readonly TimeSpan PullHeartbeat = TimeSpan.FromSeconds(1);

    private async Task PauseAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the loop ends.
        }
    }

    private static TimeSpan Longer(TimeSpan delay) => TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));

    private async Task DeliverAsync(INatsJSMsg<byte[]> msg)
    {
        // The delivery count, stream sequence and time, read from the reply subject without
        // allocating; the client's metadata (parsed into strings) only for a subject of another form.
        if (!AckSubject.TryRead(msg.ReplyTo, out var delivered, out var sequence, out var timestamp))
        {
            var metadata = msg.Metadata;
            delivered = metadata?.NumDelivered ?? 1;
            sequence = metadata?.Sequence.Stream ?? 0;
            timestamp = metadata is { } read ? (read.Timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100 : 0;
        }

        var deliveries = (int)Math.Min(delivered, int.MaxValue);
        if (Stopping || _transport.Disposing)
        {
            // Fetched while stopping: give it back now rather than after AckWait.
            await TryAsync(msg.NakAsync()).ConfigureAwait(false);
            return;
        }

        if (sequence != 0 && _bySequence.TryGetValue(sequence, out var handling))
        {
            handling.Redelivered(msg, deliveries);
            return;
        }

        if (sequence != 0 && !_acked.IsEmpty && _acked.ContainsKey((sequence, timestamp)))
        {
            // Handled and acknowledged here, but the acknowledgement never reached the server.
            _acked[(sequence, timestamp)] = Environment.TickCount64;
            Interlocked.Increment(ref _transport.AcknowledgementsRepeated);
            Log.AckRepeated(_transport.Logger, sequence, msg.Subject, deliveries);
            await TryAsync(msg.AckAsync()).ConfigureAwait(false);
            return;
        }

        var targets = Route(msg.Subject, out var known);
        if (targets.Length == 0)
        {
            // Not for any of this group's patterns (the consumer reads the whole stream): acknowledge.
            // A pattern with no subscription left here may still have one on another host.
            await TryAsync(known ? msg.NakAsync(new AckOpts { NakDelay = Options.RedeliveryDelay }) : msg.AckAsync()).ConfigureAwait(false);
            return;
        }

        if (deliveries > Options.MaxDeliver)
        {
            _transport.Work.Add();
            try
            {
                await DeadLetterAsync(msg, deliveries, $"it was delivered {deliveries} times and never acknowledged (MaxDeliver is {Options.MaxDeliver}); a host may have stopped while handling it").ConfigureAwait(false);
            }
            finally
            {
                _transport.Work.Done();
            }

            return;
        }

        var settlement = new Settlement(this, msg, sequence, timestamp, deliveries, targets.Length);
        if (sequence != 0)
        {
            _bySequence[sequence] = settlement;
        }
        else
        {
            _unsettled[settlement] = 0;
        }

        _transport.Work.Add();
        var payload = msg.Data ?? [];
        var headers = NatsTransportMessage.ReadHeaders(msg.Headers);
        foreach (var member in targets)
        {
            var message = new NatsTransportMessage(msg.Subject, payload, headers, deliveries, settlement);
            try
            {
                member.Observer.OnNext(message);
            }
            catch (Exception ex)
            {
                // As with the in-memory transport: a subscriber that throws has handled the message.
                _transport.SubscriberThrew(member.Pattern, msg.Subject, ex);
                await message.AckAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>One subscription per distinct matching pattern, taking turns among those with the same pattern.</summary>
    private Member[] Route(string subject, out bool known)
    {
        lock (_gate)
        {
            if (_routes.TryGetValue(subject, out var fixedTargets))
            {
                known = true;
                return fixedTargets;
            }

            var targets = new List<Member>(1);
            var turns = false;
            if (!_matching.TryGetValue(subject, out var patterns))
            {
                patterns = Matching(subject);
                if (_matching.Count < MaxMatchingKept)
                {
                    _matching[subject] = patterns;
                }
            }

            known = patterns.Length > 0;
            foreach (var pattern in patterns)
            {
                // Taking turns among the subscriptions with this pattern (usually one).
                var count = 0;
                foreach (var member in _members)
                {
                    count += member.Pattern == pattern ? 1 : 0;
                }

                if (count == 0)
                {
                    continue;
                }

                turns |= count > 1;
                _nextMember.TryGetValue(pattern, out var next);
                var turn = next % count;
                foreach (var member in _members)
                {
                    if (member.Pattern == pattern && turn-- == 0)
                    {
                        targets.Add(member);
                        break;
                    }
                }

                _nextMember[pattern] = next + 1;
            }

            var result = targets.ToArray();
            if (!turns && result.Length > 0 && result.Length == patterns.Length && _routes.Count < MaxMatchingKept)
            {
                _routes[subject] = result;
            }

            return result;
        }
    }

    /// <summary>The group's patterns that match <paramref name="subject"/> (a method of its own: the lambda's capture is allocated only here, not on every route).</summary>
    private string[] Matching(string subject) => [.. _patterns.Where(p => Subjects.Matches(p, subject))];

    private async Task DeadLetterAsync(INatsJSMsg<byte[]> msg, int deliveries, string reason)
    {
        var sequence = msg.Metadata?.Sequence.Stream ?? 0;
        var why = NatsFlowHeaders.Sanitize(reason);
        if (Options.EffectiveDeadLetterPrefix is null)
        {
            await msg.AckTerminateAsync().ConfigureAwait(false);
            Log.Dropped(_transport.Logger, sequence, new SafeSubject(msg.Subject), deliveries, why);
            return;
        }

        var headers = new NatsHeaders();
        if (msg.Headers is { } original)
        {
            var copied = 0;
            foreach (var (name, value) in original)
            {
                if (name.Equals(NatsFlowHeaders.MessageId, StringComparison.OrdinalIgnoreCase))
                {
                    headers[NatsFlowHeaders.DeadLetterOriginalMessageId] = NatsFlowHeaders.Sanitize(value.ToString());
                }
                else if (!name.StartsWith("Nats-", StringComparison.OrdinalIgnoreCase) && !name.StartsWith(NatsFlowHeaders.DeadLetterPrefix, StringComparison.OrdinalIgnoreCase) && copied++ < DeadLetterHeaders.MaxCopied)
                {
                    // Bounded: a dead letter never carries more than MaxCopied of the original's headers, each cut to 1024 characters.
                    headers[name] = NatsFlowHeaders.Sanitize(value.ToString());
                }
            }
        }

        headers[NatsFlowHeaders.DeadLetterReason] = why;
        headers[NatsFlowHeaders.DeadLetterSubject] = NatsFlowHeaders.Sanitize(msg.Subject);
        headers[NatsFlowHeaders.DeadLetterStream] = Options.StreamName;
        headers[NatsFlowHeaders.DeadLetterSequence] = sequence.ToString(CultureInfo.InvariantCulture);
        headers[NatsFlowHeaders.DeadLetterConsumer] = ConsumerName;
        headers[NatsFlowHeaders.DeadLetterDeliveries] = deliveries.ToString(CultureInfo.InvariantCulture);

        // The same message dead-lettered twice (its acknowledgement lost) is stored once.
        headers[NatsFlowHeaders.MessageId] = $"flowsdk-deadletter.{Options.StreamName}.{sequence.ToString(CultureInfo.InvariantCulture)}";
        try
        {
            var subject = await _transport.PublishDeadLetterAsync(msg.Subject, msg.Data ?? [], headers, $"stream {Options.StreamName} sequence {sequence.ToString(CultureInfo.InvariantCulture)}", CancellationToken.None).ConfigureAwait(false);
            await msg.AckAsync(new AckOpts { DoubleAck = true }).ConfigureAwait(false);
            Log.DeadLettered(_transport.Logger, sequence, new SafeSubject(msg.Subject), deliveries, subject ?? "", why);
        }
        catch (Exception ex) when (TransientErrors.IsTransient(ex))
        {
            // The server could not take the dead letter now: try again after the redelivery delay.
            Log.DeadLetterFailed(_transport.Logger, sequence, new SafeSubject(msg.Subject), ex);
            await TryAsync(msg.NakAsync(new AckOpts { NakDelay = Options.RedeliveryDelay })).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The server refused the dead letter for good: MaxDeliver still ends the loop.
            Log.DeadLetterRefused(_transport.Logger, sequence, new SafeSubject(msg.Subject), deliveries, why, ex);
            await TryAsync(msg.AckTerminateAsync()).ConfigureAwait(false);
        }
    }

    /// <summary>Tells the server, every third of AckWait, that messages still being handled are in progress.</summary>
    private async Task ReportProgressAsync()
    {
        var interval = Options.AckWait / 3;
        while (!_transport.Disposing && !(Stopping && _bySequence.IsEmpty && _unsettled.IsEmpty))
        {
            try
            {
                await Task.Delay(interval, _transport.DisposedToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var due = Environment.TickCount64 - (long)interval.TotalMilliseconds;
            foreach (var settlement in _bySequence.Values.Concat(_unsettled.Keys))
            {
                if (settlement.Since <= due)
                {
                    await TryAsync(settlement.Message.AckProgressAsync()).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// Forgets acknowledgements the server has certainly received (at or below the consumer's
    /// acknowledgement floor) and those old enough that a lost one would have been redelivered.
    /// </summary>
    private async Task PruneAcknowledgedAsync()
    {
        var keep = (long)((Options.AckWait * 2) + Options.RedeliveryDelay).TotalMilliseconds;
        while (!Stopping && !_transport.Disposing)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (_acked.IsEmpty)
            {
                continue;
            }

            ulong floor = 0;
            try
            {
                var consumer = await _transport.JetStream.GetConsumerAsync(Options.StreamName, ConsumerName, _stop.Token).ConfigureAwait(false);
                floor = consumer.Info.AckFloor?.StreamSeq ?? 0;
            }
            catch (Exception)
            {
                // Age alone prunes until the consumer answers again.
            }

            var old = Environment.TickCount64 - keep;
            foreach (var (id, at) in _acked)
            {
                if (id.Sequence <= floor || at < old)
                {
                    _acked.TryRemove(new KeyValuePair<(ulong, long), long>(id, at));
                }
            }
        }

        _acked.Clear();
    }

    private async Task FinishAsync()
    {
        await _pump.ConfigureAwait(false);
        if (!Durable && _configured)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _transport.JetStream.DeleteConsumerAsync(Options.StreamName, ConsumerName, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The server removes an inactive ephemeral consumer by itself.
            }
        }
    }

    private static async Task TryAsync(ValueTask operation)
    {
        try
        {
            await operation.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Unacknowledged messages come back after AckWait.
        }
    }

    internal sealed record Member(string Pattern, IObserver<TransportMessage> Observer);
}
