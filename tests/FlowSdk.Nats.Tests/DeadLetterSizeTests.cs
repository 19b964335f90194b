using System.Collections.Concurrent;
using FlowSdk.Nats.Tests.Infrastructure;
using FlowSdk.Transport;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace FlowSdk.Nats.Tests;

/// <summary>A dead letter always fits under the server's max_payload, so MaxDeliver always ends the loop.</summary>
public sealed class DeadLetterSizeTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>, IAsyncLifetime
{
    private NatsConnection _connection = null!;
    private NatsFlowOptions _options = null!;

    public async Task InitializeAsync()
    {
        _connection = await Connections.OpenAsync(server.Url);
        _options = NatsInfrastructureFactory.Options(server.Url);
        _options.MaxDeliver = 2;
    }

    public async Task DisposeAsync()
    {
        try
        {
            await new NatsJSContext(_connection).DeleteStreamAsync(_options.StreamName);
        }
        catch (NatsJSApiException)
        {
        }

        await _connection.DisposeAsync();
    }

    [Fact]
    public async Task A_message_near_max_payload_is_dead_lettered_without_its_payload_and_the_loop_ends()
    {
        await using var transport = new NatsTransport(_connection, _options);
        var maxPayload = (int)_connection.ServerInfo!.MaxPayload;
        var dead = new ConcurrentQueue<TransportMessage>();
        var deliveries = 0;
        var firstDeadLetter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var dlq = transport.Subscribe("flowsdk.deadletter.>").Subscribe(m =>
        {
            dead.Enqueue(m);
            firstDeadLetter.TrySetResult();
        });
        using var sub = transport.Subscribe("jobs.big", new SubscribeOptions { QueueGroup = "flowsdk.big", ManualAck = true }).Subscribe(m =>
        {
            Interlocked.Increment(ref deliveries);
            m.NakAsync(new string('x', 4000)).AsTask().GetAwaiter().GetResult();
        });

        // The message fits with its own small headers; with the dead-letter headers beside it, it would not.
        var payload = new byte[maxPayload - 400];
        payload[0] = 42;
        await transport.PublishAsync("jobs.big", payload, new Dictionary<string, string> { ["Nats-Msg-Id"] = "big-1" });
        await transport.WhenIdleAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        // The dead letter travels as a core message: wait for it, not for a guess of time.
        await firstDeadLetter.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, deliveries);
        var letter = Assert.Single(dead);
        Assert.Equal(0, letter.Payload.Length);
        Assert.Contains($"({payload.Length} bytes) was left out", letter.Headers[NatsFlowHeaders.DeadLetterTruncated], StringComparison.Ordinal);
        Assert.Contains($"stream {_options.StreamName} sequence 1", letter.Headers[NatsFlowHeaders.DeadLetterTruncated], StringComparison.Ordinal);
        Assert.True(letter.Headers[NatsFlowHeaders.DeadLetterReason].Length <= 1024);
        var consumer = await new NatsJSContext(_connection).GetConsumerAsync(_options.StreamName, "flowsdk_big");
        Assert.Equal((0ul, 0), (consumer.Info.NumPending, consumer.Info.NumAckPending));
    }
}
