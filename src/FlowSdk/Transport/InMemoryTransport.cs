using System.Collections.Immutable;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Threading.Channels;
using FlowSdk.Internal;

namespace FlowSdk.Transport;

/// <summary>
/// The embedded transport: subjects routed in process exactly as NATS routes them. One delivery loop
/// hands messages to subscribers in publish order, so messages published one after another reach
/// a subscriber in that order. It also knows when every published message has been handled, which
/// <see cref="WhenIdleAsync"/> exposes for tests, samples and one-shot commands.
/// </summary>
public sealed class InMemoryTransport : IMessageTransport, IIdleSignal
{
    private static readonly IReadOnlyDictionary<string, string> NoHeaders = ImmutableDictionary<string, string>.Empty;

    private readonly Channel<Delivery> _queue = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IdleTracker _pending = new();
    private readonly Lock _gate = new();
    private readonly Task _loop;
    private readonly Dictionary<string, int> _roundRobin = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _recentIds = new(StringComparer.Ordinal);
    private readonly Queue<(DateTimeOffset At, string Id)> _recentOrder = new();
    private readonly TimeProvider _time;
    private long _sequence;
    private ImmutableArray<Subscription> _subscriptions = [];

    /// <summary>Creates a transport and starts its delivery loop.</summary>
    /// <param name="time">The clock of the duplicate window; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public InMemoryTransport(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _loop = Task.Run(DeliverAsync);
    }

    /// <summary>
    /// How many times a message given back with <see cref="TransportMessage.NakAsync"/> is delivered
    /// in all (manual acknowledgement only); after the last, it goes to the dead-letter subject
    /// <c>flowsdk.deadletter.&lt;subject&gt;</c> with the reason in its headers, as the NATS transport does. Default 5.
    /// </summary>
    public int MaxDeliver { get; init; } = 5;

    /// <summary>The prefix of dead-letter subjects: a message that failed on <c>orders.paid</c> goes to <c>flowsdk.deadletter.orders.paid</c>.</summary>
    public const string DeadLetterSubjectPrefix = "flowsdk.deadletter.";

    /// <summary>The header of a dead letter that says why it failed.</summary>
    public const string DeadLetterReasonHeader = "FlowSdk-DeadLetter-Reason";

    /// <summary>The header of a dead letter that names the subject it was published on.</summary>
    public const string DeadLetterSubjectHeader = "FlowSdk-DeadLetter-Subject";

    /// <summary>The header of a dead letter that says how many times it was delivered.</summary>
    public const string DeadLetterDeliveriesHeader = "FlowSdk-DeadLetter-Deliveries";

    /// <summary>
    /// How long a message id is remembered: a second publish with the same <see cref="MessageHeaders.MessageId"/>
    /// within the window is dropped, as JetStream's duplicate window does (2 minutes by default there too).
    /// </summary>
    public TimeSpan DuplicateWindow { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How many published messages are not yet handled by their subscribers.</summary>
    public long PendingMessages => _pending.Pending;

    /// <inheritdoc/>
    public long Activity => _pending.Activity;

    /// <inheritdoc/>
    public ValueTask PublishAsync(string subject, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default)
    {
        Subjects.EnsureValid(subject, allowWildcards: false, nameof(subject));
        cancellationToken.ThrowIfCancellationRequested();
        if (headers is not null && headers.TryGetValue(MessageHeaders.MessageId, out var id) && !Remember(id))
        {
            return ValueTask.CompletedTask;
        }

        var copy = payload.ToArray();
        var sequence = Interlocked.Increment(ref _sequence);
        var targets = Route(subject);
        foreach (var target in targets)
        {
            _pending.Add();
            if (!_queue.Writer.TryWrite(new Delivery(target, subject, copy, headers ?? NoHeaders, sequence)))
            {
                _pending.Done();
                throw new ObjectDisposedException(nameof(InMemoryTransport), "The transport is disposed; the message was not published.");
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
            var subscription = new Subscription(pattern, options, observer);
            lock (_gate)
            {
                _subscriptions = _subscriptions.Add(subscription);
            }

            return Disposable.Create(() =>
            {
                lock (_gate)
                {
                    _subscriptions = _subscriptions.Remove(subscription);
                }

                subscription.Active = false;
            });
        });
    }

    /// <summary>
    /// Completes when every message published so far, and every message their handling published in
    /// turn, has been handled (acknowledged, for subscriptions with manual acknowledgement).
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the transport is idle.</returns>
    public Task WhenIdleAsync(CancellationToken cancellationToken = default) => _pending.WhenIdleAsync(cancellationToken);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    /// <summary>Records a message id; false when it was seen within the duplicate window.</summary>
    private bool Remember(string id)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            while (_recentOrder.Count > 0 && _recentOrder.Peek().At + DuplicateWindow <= now)
            {
                var (at, old) = _recentOrder.Dequeue();
                if (_recentIds.TryGetValue(old, out var seen) && seen == at)
                {
                    _recentIds.Remove(old);
                }
            }

            if (_recentIds.ContainsKey(id))
            {
                return false;
            }

            _recentIds[id] = now;
            _recentOrder.Enqueue((now, id));
            return true;
        }
    }

    private List<Subscription> Route(string subject)
    {
        var all = _subscriptions;
        var targets = new List<Subscription>(all.Length);
        Dictionary<string, List<Subscription>>? groups = null;
        foreach (var s in all)
        {
            if (!Subjects.Matches(s.Pattern, subject))
            {
                continue;
            }

            if (s.Options.QueueGroup is { } group)
            {
                groups ??= new Dictionary<string, List<Subscription>>(StringComparer.Ordinal);
                if (!groups.TryGetValue(group, out var members))
                {
                    groups[group] = members = [];
                }

                members.Add(s);
            }
            else
            {
                targets.Add(s);
            }
        }

        if (groups is not null)
        {
            lock (_gate)
            {
                foreach (var (group, members) in groups)
                {
                    _roundRobin.TryGetValue(group, out var next);
                    targets.Add(members[next % members.Count]);
                    _roundRobin[group] = next + 1;
                }
            }
        }

        return targets;
    }

    private async Task DeliverAsync()
    {
        await foreach (var delivery in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            var subscription = delivery.Target;
            if (!subscription.Active)
            {
                _pending.Done();
                continue;
            }

            var message = new InMemoryMessage(this, delivery, subscription.Options.ManualAck ? _pending : null);
            try
            {
                subscription.Observer.OnNext(message);
            }
            catch (Exception)
            {
                // A subscriber that throws loses the message it threw on, as a NATS subscriber would;
                // the loop keeps delivering to everyone else.
                if (subscription.Options.ManualAck)
                {
                    await message.AckAsync().ConfigureAwait(false);
                }
            }

            if (!subscription.Options.ManualAck)
            {
                _pending.Done();
            }
        }
    }

    private sealed class Subscription(string pattern, SubscribeOptions options, IObserver<TransportMessage> observer)
    {
        public string Pattern { get; } = pattern;

        public SubscribeOptions Options { get; } = options;

        public IObserver<TransportMessage> Observer { get; } = observer;

        public volatile bool Active = true;
    }

    /// <summary>A message on its way to one subscription; <paramref name="Sequence"/> numbers the publish, the same for every subscription and delivery.</summary>
    private sealed record Delivery(Subscription Target, string Subject, byte[] Payload, IReadOnlyDictionary<string, string> Headers, long Sequence, int Count = 1);

    /// <summary>Delivers a given-back message again, or after the last delivery sends it to its dead-letter subject.</summary>
    private async ValueTask GiveBackAsync(Delivery delivery, string reason, bool redeliver)
    {
        if (redeliver && delivery.Count < MaxDeliver && delivery.Target.Active)
        {
            _pending.Add();
            if (!_queue.Writer.TryWrite(delivery with { Count = delivery.Count + 1 }))
            {
                _pending.Done();
            }

            return;
        }

        var headers = new Dictionary<string, string>(delivery.Headers, StringComparer.Ordinal)
        {
            [DeadLetterReasonHeader] = DeadLetters.HeaderValue(reason),
            [DeadLetterSubjectHeader] = delivery.Subject,
            [DeadLetterDeliveriesHeader] = delivery.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        headers.Remove(MessageHeaders.MessageId);
        await PublishAsync(DeadLetterSubjectPrefix + delivery.Subject, delivery.Payload, headers).ConfigureAwait(false);
    }

    private sealed class InMemoryMessage(InMemoryTransport transport, Delivery delivery, IdleTracker? pending)
        : TransportMessage(delivery.Subject, delivery.Payload, delivery.Headers)
    {
        private int _settled;

        public override int DeliveryCount => delivery.Count;

        public override string? MessageId => base.MessageId ?? "mem:" + delivery.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public override ValueTask AckAsync()
        {
            if (Interlocked.Exchange(ref _settled, 1) == 0)
            {
                pending?.Done();
            }

            return ValueTask.CompletedTask;
        }

        public override ValueTask NakAsync(string reason) => GiveBackAsync(reason, redeliver: true);

        public override ValueTask RejectAsync(string reason) => GiveBackAsync(reason, redeliver: false);

        private async ValueTask GiveBackAsync(string reason, bool redeliver)
        {
            if (Interlocked.Exchange(ref _settled, 1) != 0)
            {
                return;
            }

            try
            {
                if (pending is not null)
                {
                    // Given back before it counts as handled, so the transport never looks idle in between.
                    await transport.GiveBackAsync(delivery, reason, redeliver).ConfigureAwait(false);
                }
            }
            finally
            {
                pending?.Done();
            }
        }
    }
}
