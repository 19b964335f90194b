using NATS.Client.JetStream;

namespace FlowSdk.Nats.Internal;

/// <summary>How a subscription settled a message.</summary>
internal enum Outcome
{
    /// <summary>Handled: its effects are committed.</summary>
    Ack,

    /// <summary>Given back: deliver it again (or dead-letter it after the last allowed delivery).</summary>
    Nak,

    /// <summary>No retry can help: dead-letter it now.</summary>
    Reject,
}

/// <summary>
/// The fate of one JetStream message handed to one or more subscriptions of a consumer group: it
/// is acknowledged once every one of them acknowledged it; if any gave it back, it is delivered
/// again after <see cref="NatsFlowOptions.RedeliveryDelay"/>, or dead-lettered when that was its
/// last allowed delivery; if any rejected it, it is dead-lettered at once.
/// </summary>
internal sealed class Settlement
{
    private readonly ConsumerGroup _group;

    /// <summary>Only for a message handed to more than one subscription: one settles it alone (<see cref="NatsTransportMessage"/> settles once).</summary>
    private readonly Lock? _gate;
    private int _remaining;
    private Outcome _outcome = Outcome.Ack;
    private string? _reason;

    private volatile INatsJSMsg<byte[]> _message;
    private int _deliveries;

    public Settlement(ConsumerGroup group, INatsJSMsg<byte[]> message, ulong sequence, long timestamp, int deliveries, int handlers)
    {
        _group = group;
        _message = message;
        Sequence = sequence;
        Timestamp = timestamp;
        _deliveries = deliveries;
        _remaining = handlers;
        _gate = handlers > 1 ? new Lock() : null;
        Since = Environment.TickCount64;
    }

    /// <summary>The latest delivery of the message: acknowledging any delivery settles the message.</summary>
    public INatsJSMsg<byte[]> Message => _message;

    public int Deliveries => Volatile.Read(ref _deliveries);

    /// <summary>The message's stream sequence (the same in every delivery), or 0 without metadata.</summary>
    public ulong Sequence { get; }

    /// <summary>When the stream stored the message (nanoseconds since the Unix epoch; the same in every delivery): with <see cref="Sequence"/>, tells apart a sequence reused by a re-created stream.</summary>
    public long Timestamp { get; }

    /// <summary>
    /// The server delivered the message again while it is still being handled here (its
    /// acknowledgement deadline passed): keep the newer delivery for the acknowledgement and do not
    /// hand the message on twice.
    /// </summary>
    public void Redelivered(INatsJSMsg<byte[]> message, int deliveries)
    {
        _message = message;
        Volatile.Write(ref _deliveries, Math.Max(Deliveries, deliveries));
    }

    /// <summary>When the message was handed on (<see cref="Environment.TickCount64"/>), for progress reports.</summary>
    public long Since { get; }

    public ValueTask SettleAsync(Outcome outcome, string? reason)
    {
        if (_gate is null)
        {
            // The one subscription settles it: its outcome is the message's.
            if (outcome > _outcome)
            {
                _outcome = outcome;
                _reason = string.IsNullOrWhiteSpace(reason) ? "a subscriber gave the message back without a reason" : reason;
            }

            return new ValueTask(_group.CompleteAsync(this, _outcome, _reason));
        }

        lock (_gate)
        {
            if (outcome > _outcome)
            {
                _outcome = outcome;
                _reason = string.IsNullOrWhiteSpace(reason) ? "a subscriber gave the message back without a reason" : reason;
            }

            if (--_remaining > 0)
            {
                return ValueTask.CompletedTask;
            }
        }

        return new ValueTask(_group.CompleteAsync(this, _outcome, _reason));
    }
}
