using System.Reactive.Linq;
using FlowSdk.Semantics.Flows;
using FlowSdk.Testing;
using FlowSdk.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace FlowSdk.Tests;

/// <summary>The runtime's lanes: each takes its events one at a time, in order, and goes on whatever one event's settling does.</summary>
/// <remarks>Runs the tally flow, so it is in the tally collection: the cache tests count the meter's measurements tagged with it.</remarks>
[Collection(TallyCollection.Name)]
public sealed class LaneTests
{
    [Fact]
    public async Task A_lane_goes_on_after_settling_a_handled_message_with_the_transport_threw()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        await using var inner = new InMemoryTransport(time);
        var transport = new AckThrowsOnceTransport(inner);
        await using var host = await FlowTestHost.StartAsync([TallyFlow.Definition], o =>
        {
            o.Time = time;
            o.Transport = transport;
            o.ThrowOnErrors = false;
            o.SettleTimeout = TimeSpan.FromSeconds(10);

            // One lane: the second event waits behind the first in the same lane.
            o.ConfigureRuntime = r => r.Lanes = 1;
        });
        var tallies = new TallyClient(host.Runtime);

        await tallies.SendAsync(new TallyBumped("settle-1", 1));
        await host.SettleAsync();
        await tallies.SendAsync(new TallyBumped("settle-1", 2));
        await host.SettleAsync();

        Assert.Equal(1, transport.Thrown);
        Assert.Equal(3, (await host.GetAsync(TallyFlow.Definition, "settle-1")).Total);
        Assert.Contains(host.Logs, l => l.Level == LogLevel.Error && l.Message.Contains("settling its message with the transport failed", StringComparison.Ordinal));
    }

    /// <summary>An in-memory transport whose first acknowledgement of a handled message throws after it went through.</summary>
    private sealed class AckThrowsOnceTransport(InMemoryTransport inner) : IMessageTransport, IIdleSignal
    {
        private int _thrown;

        public int Thrown => Volatile.Read(ref _thrown);

        public long PendingMessages => inner.PendingMessages;

        public long Activity => inner.Activity;

        public ValueTask PublishAsync(string subject, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default)
            => inner.PublishAsync(subject, payload, headers, cancellationToken);

        public IObservable<TransportMessage> Subscribe(string pattern, SubscribeOptions? options = null)
            => options?.ManualAck == true ? inner.Subscribe(pattern, options).Select(m => (TransportMessage)new Message(m, this)) : inner.Subscribe(pattern, options);

        public Task WhenIdleAsync(CancellationToken cancellationToken = default) => inner.WhenIdleAsync(cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private sealed class Message(TransportMessage message, AckThrowsOnceTransport owner) : TransportMessage(message.Subject, message.Payload, message.Headers)
        {
            public override string? MessageId => message.MessageId;

            public override int DeliveryCount => message.DeliveryCount;

            public override async ValueTask AckAsync()
            {
                await message.AckAsync();
                if (Interlocked.Exchange(ref owner._thrown, 1) == 0)
                {
                    throw new InvalidOperationException("The connection went away after the acknowledgement (test).");
                }
            }

            public override ValueTask NakAsync(string reason) => message.NakAsync(reason);
        }
    }
}
