using System.Reactive.Linq;
using FlowSdk.Transport;

namespace FlowSdk.Testing;

/// <summary>
/// A transport that passes everything to another transport and lets a test force redeliveries: the
/// next deliveries on a subject are given back to the transport once the subscriber acknowledges
/// them, as if the acknowledgement had been lost, so the transport delivers them again (at-least-once
/// delivery, made to happen). It is an <see cref="IIdleSignal"/> and an <see cref="ILanePreference"/>
/// when the transport it wraps is.
/// </summary>
/// <example>
/// <code>
/// host.Transport.RedeliverNext(new SubjectPattern("orders.paid"));
/// await host.SendAsync(OrderFlow.Ports.OrderPaid, new OrderPaid("o-1", 100));
/// Assert.Equal(1, host.Transport.Redeliveries);      // handled twice, applied once
/// </code>
/// </example>
/// <param name="inner">The transport that carries the messages.</param>
public sealed class FaultInjectingTransport(IMessageTransport inner) : IMessageTransport, IIdleSignal, ILanePreference
{
    /// <summary>The reason given to the transport with an injected redelivery.</summary>
    public const string RedeliveryReason = "FlowSdk.Testing: redelivery injected by the test";

    private readonly Lock _gate = new();
    private readonly List<(SubjectPattern Pattern, int Remaining)> _redeliveries = [];
    private int _redelivered;

    /// <summary>The transport that carries the messages.</summary>
    public IMessageTransport Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <summary>How many deliveries were given back for redelivery by <see cref="RedeliverNext"/>.</summary>
    public int Redeliveries => Volatile.Read(ref _redelivered);

    /// <summary>
    /// Gives the next <paramref name="times"/> deliveries of messages on subjects matching
    /// <paramref name="pattern"/> back to the transport after the subscriber acknowledged them, so they
    /// are delivered again. Applies to subscriptions with manual acknowledgement (the runtime's).
    /// </summary>
    /// <param name="pattern">The subjects.</param>
    /// <param name="times">How many deliveries are given back.</param>
    public void RedeliverNext(SubjectPattern pattern, int times = 1)
    {
        _ = pattern.Value;
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        lock (_gate)
        {
            _redeliveries.Add((pattern, times));
        }
    }

    /// <inheritdoc/>
    public ValueTask PublishAsync(string subject, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default)
        => Inner.PublishAsync(subject, payload, headers, cancellationToken);

    /// <inheritdoc/>
    public IObservable<TransportMessage> Subscribe(string pattern, SubscribeOptions? options = null)
    {
        var source = Inner.Subscribe(pattern, options);
        if (options?.ManualAck != true)
        {
            return source;
        }

        return source.Select(message => TakeRedelivery(message.Subject) ? new RedeliveredMessage(message, this) : message);
    }

    /// <inheritdoc/>
    public ValueTask WhenSubscribedAsync(CancellationToken cancellationToken = default) => Inner.WhenSubscribedAsync(cancellationToken);

    /// <inheritdoc/>
    public Task WhenIdleAsync(CancellationToken cancellationToken = default) => (Inner as IIdleSignal)?.WhenIdleAsync(cancellationToken) ?? Task.CompletedTask;

    /// <inheritdoc/>
    public long PendingMessages => (Inner as IIdleSignal)?.PendingMessages ?? 0;

    /// <inheritdoc/>
    public long Activity => (Inner as IIdleSignal)?.Activity ?? 0;

    /// <summary>The inner transport's lane preference; 0 (no preference, which the runtime ignores) when it has none.</summary>
    public int PreferredLanes => (Inner as ILanePreference)?.PreferredLanes ?? 0;

    /// <summary>Disposes the inner transport.</summary>
    /// <returns>A task that completes when the inner transport is disposed.</returns>
    public ValueTask DisposeAsync() => Inner.DisposeAsync();

    private bool TakeRedelivery(string subject)
    {
        lock (_gate)
        {
            for (var i = 0; i < _redeliveries.Count; i++)
            {
                var (pattern, remaining) = _redeliveries[i];
                if (pattern.Matches(subject))
                {
                    if (remaining == 1)
                    {
                        _redeliveries.RemoveAt(i);
                    }
                    else
                    {
                        _redeliveries[i] = (pattern, remaining - 1);
                    }

                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>A delivery whose acknowledgement is turned into a give-back, so the transport delivers it again.</summary>
    private sealed class RedeliveredMessage(TransportMessage inner, FaultInjectingTransport owner)
        : TransportMessage(inner.Subject, inner.Payload, inner.Headers)
    {
        public override int DeliveryCount => inner.DeliveryCount;

        public override ValueTask AckAsync()
        {
            Interlocked.Increment(ref owner._redelivered);
            return inner.NakAsync(RedeliveryReason);
        }

        public override ValueTask NakAsync(string reason) => inner.NakAsync(reason);

        public override ValueTask RejectAsync(string reason) => inner.RejectAsync(reason);
    }
}
