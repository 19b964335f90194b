using System.Collections.Immutable;
using FlowSdk.Transport;
using NATS.Client.Core;

namespace FlowSdk.Nats.Internal;

/// <summary>A message delivered by <see cref="NatsTransport"/>: from a core subscription, or from a JetStream consumer.</summary>
internal sealed class NatsTransportMessage : TransportMessage
{
    private static readonly IReadOnlyDictionary<string, string> NoHeaders = ImmutableDictionary<string, string>.Empty;

    private readonly Settlement? _settlement;
    private readonly int _deliveryCount;
    private int _settled;

    public NatsTransportMessage(string subject, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string> headers, int deliveryCount, Settlement? settlement)
        : base(subject, payload, headers)
    {
        _deliveryCount = deliveryCount;
        _settlement = settlement;
    }

    public override int DeliveryCount => _deliveryCount;

    /// <inheritdoc/>
    /// <remarks>Its <c>Nats-Msg-Id</c>, else its stream sequence (<c>seq:&lt;n&gt;</c>); a core message without the header has none.</remarks>
    public override string? MessageId => base.MessageId ?? (_settlement is { Sequence: > 0 } settlement ? "seq:" + settlement.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);

    public override ValueTask AckAsync() => Settle(Outcome.Ack, reason: null);

    public override ValueTask NakAsync(string reason) => Settle(Outcome.Nak, reason);

    public override ValueTask RejectAsync(string reason) => Settle(Outcome.Reject, reason);

    public static IReadOnlyDictionary<string, string> ReadHeaders(NatsHeaders? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return NoHeaders;
        }

        var result = new Dictionary<string, string>(headers.Count, StringComparer.Ordinal);
        foreach (var (name, values) in headers)
        {
            result[name] = values.ToString();
        }

        return result;
    }

    private ValueTask Settle(Outcome outcome, string? reason)
    {
        if (_settlement is null || Interlocked.Exchange(ref _settled, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        return _settlement.SettleAsync(outcome, reason);
    }
}
