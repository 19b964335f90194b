using FlowSdk.Nats.Internal;
using FlowSdk.Nats.Tests.Infrastructure;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace FlowSdk.Nats.Tests;

/// <summary>
/// The consumer group reads a delivery's count, stream sequence and time from its reply subject
/// (<see cref="AckSubject"/>) instead of the client's metadata; redelivery tracking, dead-lettering
/// and the repeated acknowledgement of a lost one depend on it reading what the client reads.
/// </summary>
public sealed class AckSubjectTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>
{
    [Theory]
    [InlineData("$JS.ACK.ORDERS.flowsdk_orders.3.1234.17.1700000000123456789.5", 3UL, 1234UL, 1700000000123456789L)]
    [InlineData("$JS.ACK._.ACCHASH.ORDERS.flowsdk_orders.2.99.5.1700000000000000001.0.a1b2c3", 2UL, 99UL, 1700000000000000001L)]
    [InlineData("$JS.ACK.hub.ACCHASH.ORDERS.flowsdk_orders.1.7.7.42.0", 1UL, 7UL, 42L)]
    public void Both_forms_of_the_subject_are_read(string replyTo, ulong delivered, ulong sequence, long timestamp)
    {
        Assert.True(AckSubject.TryRead(replyTo, out var readDelivered, out var readSequence, out var readTimestamp));
        Assert.Equal((delivered, sequence, timestamp), (readDelivered, readSequence, readTimestamp));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("_INBOX.abc.1")]
    [InlineData("$JS.ACK.ORDERS.consumer.3.1234.17.1700000000123456789")]
    [InlineData("$JS.ACK.ORDERS.consumer.3.x.17.1700000000123456789.5")]
    [InlineData("$JS.ACK.ORDERS.consumer.-3.1234.17.1700000000123456789.5")]
    [InlineData("$JS.ACK.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q")]
    public void Another_subject_is_left_to_the_clients_metadata(string? replyTo)
    {
        Assert.False(AckSubject.TryRead(replyTo, out _, out _, out _));
    }

    [Fact]
    public async Task What_it_reads_from_the_servers_deliveries_is_what_the_client_reads()
    {
        await using var connection = new NatsConnection(NatsOpts.Default with { Url = server.Url, Name = "ack-subject-test" });
        var js = new NatsJSContext(connection);
        var stream = "ACKSUBJECT" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        await js.CreateStreamAsync(new StreamConfig(stream, [stream.ToLowerInvariant() + ".>"]));
        try
        {
            for (var i = 0; i < 3; i++)
            {
                (await js.PublishAsync(stream.ToLowerInvariant() + ".m", new byte[] { (byte)i })).EnsureSuccess();
            }

            var consumer = await js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig("reader") { AckPolicy = ConsumerConfigAckPolicy.Explicit, AckWait = TimeSpan.FromSeconds(30) });
            var seen = 0;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

            // The first message is given back once, so one delivery has a count above one.
            await foreach (var msg in consumer.ConsumeAsync<byte[]>(cancellationToken: timeout.Token))
            {
                var metadata = msg.Metadata!.Value;
                Assert.True(AckSubject.TryRead(msg.ReplyTo, out var delivered, out var sequence, out var timestamp));
                Assert.Equal(metadata.NumDelivered, delivered);
                Assert.Equal(metadata.Sequence.Stream, sequence);
                // The client keeps milliseconds of the server's nanoseconds.
                Assert.Equal(metadata.Timestamp.ToUnixTimeMilliseconds(), timestamp / 1_000_000);
                if (sequence == 1 && delivered == 1)
                {
                    await msg.NakAsync();
                    continue;
                }

                await msg.AckAsync();
                if (++seen == 3)
                {
                    break;
                }
            }

            Assert.Equal(3, seen);
        }
        finally
        {
            await js.DeleteStreamAsync(stream);
        }
    }
}
