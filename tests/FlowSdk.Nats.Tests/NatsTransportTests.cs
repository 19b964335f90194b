using System.Collections.Concurrent;
using FlowSdk.Nats.Tests.Infrastructure;
using FlowSdk.Transport;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace FlowSdk.Nats.Tests;

/// <summary>Redelivery, dead letters, de-duplication, idleness and the stream, on a real server.</summary>
public sealed class NatsTransportTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>, IAsyncLifetime
{
    private static readonly SubscribeOptions Durable = new() { QueueGroup = "flowsdk.test", ManualAck = true };

    private NatsConnection _connection = null!;
    private NatsFlowOptions _options = null!;
    private NatsJSContext _js = null!;

    public async Task InitializeAsync()
    {
        _connection = await Connections.OpenAsync(server.Url);
        _js = new NatsJSContext(_connection);
        _options = NatsInfrastructureFactory.Options(server.Url);
        _options.MaxDeliver = 3;
    }

    public async Task DisposeAsync()
    {
        try
        {
            await _js.DeleteStreamAsync(_options.StreamName);
        }
        catch (NatsJSApiException)
        {
            // The test made no stream.
        }

        await _connection.DisposeAsync();
    }

    [Fact]
    public async Task A_message_given_back_is_delivered_again_up_to_MaxDeliver_then_dead_lettered_with_the_reason()
    {
        await using var transport = new NatsTransport(_connection, _options);
        var deliveries = new ConcurrentQueue<int>();
        var dead = new ConcurrentQueue<TransportMessage>();
        using var dlq = transport.Subscribe("flowsdk.deadletter.>").Subscribe(dead.Enqueue);
        using var sub = transport.Subscribe("jobs.run", Durable).Subscribe(m =>
        {
            deliveries.Enqueue(m.DeliveryCount);
            m.NakAsync("the printer is\r\non fire").AsTask().GetAwaiter().GetResult();
        });

        await transport.PublishAsync("jobs.run", new byte[] { 7, 8 }, new Dictionary<string, string> { ["Nats-Msg-Id"] = "job-1", ["Tenant"] = "acme" });
        await transport.WhenIdleAsync(Timeout());

        Assert.Equal([1, 2, 3], deliveries);
        var letter = Assert.Single(dead);
        Assert.Equal("flowsdk.deadletter.jobs.run", letter.Subject);
        Assert.Equal(new byte[] { 7, 8 }, letter.Payload.ToArray());
        Assert.Equal("the printer is  on fire", letter.Headers[NatsFlowHeaders.DeadLetterReason]);
        Assert.Equal("jobs.run", letter.Headers[NatsFlowHeaders.DeadLetterSubject]);
        Assert.Equal("3", letter.Headers[NatsFlowHeaders.DeadLetterDeliveries]);
        Assert.Equal("1", letter.Headers[NatsFlowHeaders.DeadLetterSequence]);
        Assert.Equal(_options.StreamName, letter.Headers[NatsFlowHeaders.DeadLetterStream]);
        Assert.Equal("flowsdk_test", letter.Headers[NatsFlowHeaders.DeadLetterConsumer]);
        Assert.Equal("job-1", letter.Headers[NatsFlowHeaders.DeadLetterOriginalMessageId]);
        Assert.Equal("acme", letter.Headers["Tenant"]);
        var consumer = await _js.GetConsumerAsync(_options.StreamName, "flowsdk_test");
        Assert.Equal((0ul, 0), (consumer.Info.NumPending, consumer.Info.NumAckPending));

        // The dead letter is kept in the stream, for whoever looks into failures later.
        var stored = await _js.GetStreamAsync(_options.StreamName);
        Assert.Equal(2, (int)stored.Info.State.Messages);
    }

    [Fact]
    public async Task A_rejected_message_is_dead_lettered_at_once()
    {
        await using var transport = new NatsTransport(_connection, _options);
        var deliveries = 0;
        var dead = new ConcurrentQueue<TransportMessage>();
        using var dlq = transport.Subscribe("flowsdk.deadletter.>").Subscribe(dead.Enqueue);
        using var sub = transport.Subscribe("jobs.run", Durable).Subscribe(m =>
        {
            Interlocked.Increment(ref deliveries);
            m.RejectAsync("not a job").AsTask().GetAwaiter().GetResult();
        });

        await transport.PublishAsync("jobs.run", new byte[] { 1 });
        await transport.WhenIdleAsync(Timeout());

        Assert.Equal(1, deliveries);
        Assert.Equal("not a job", Assert.Single(dead).Headers[NatsFlowHeaders.DeadLetterReason]);
    }

    [Fact]
    public async Task A_message_published_twice_with_one_message_id_is_delivered_once()
    {
        await using var transport = new NatsTransport(_connection, _options);
        var received = new ConcurrentQueue<byte>();
        using var sub = transport.Subscribe("jobs.run", Durable).Subscribe(m =>
        {
            received.Enqueue(m.Payload.Span[0]);
            m.AckAsync().AsTask().GetAwaiter().GetResult();
        });
        var id = new Dictionary<string, string> { [NatsFlowHeaders.MessageId] = "order.o-1.1.1" };

        await transport.PublishAsync("jobs.run", new byte[] { 1 }, id);
        await transport.PublishAsync("jobs.run", new byte[] { 1 }, id);
        await transport.PublishAsync("jobs.run", new byte[] { 2 });
        await transport.WhenIdleAsync(Timeout());

        Assert.Equal(new byte[] { 1, 2 }, received);
    }

    [Fact]
    public async Task The_transport_is_idle_only_once_a_delivered_message_is_acknowledged()
    {
        await using var transport = new NatsTransport(_connection, _options);
        var received = new TaskCompletionSource<TransportMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sub = transport.Subscribe("jobs.run", Durable).Subscribe(m => received.TrySetResult(m));

        await transport.PublishAsync("jobs.run", new byte[] { 1 });
        var message = await received.Task.WaitAsync(Timeout());
        var acknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var idle = IdleThenAsync(transport, () => acknowledged.Task.IsCompleted);

        // Meanwhile the transport takes another message from publish to acknowledgement; the first
        // one, still unacknowledged, keeps it from being idle all the same.
        var sentinelHandled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sentinel = transport.Subscribe("jobs.sentinel", new SubscribeOptions { QueueGroup = "flowsdk.sentinel", ManualAck = true }).Subscribe(m =>
        {
            m.AckAsync().AsTask().GetAwaiter().GetResult();
            sentinelHandled.TrySetResult();
        });
        await transport.PublishAsync("jobs.sentinel", new byte[] { 2 });
        await sentinelHandled.Task.WaitAsync(Timeout());

        Assert.False(idle.IsCompleted);
        Assert.True(transport.PendingMessages >= 1);
        acknowledged.SetResult();
        await message.AckAsync();
        Assert.True(await idle, "WhenIdleAsync completed before the message was acknowledged.");
        Assert.Equal(0, transport.PendingMessages);
    }

    [Fact]
    public async Task Once_WhenSubscribedAsync_completes_a_core_subscription_receives_what_another_client_publishes()
    {
        await using var transport = new NatsTransport(_connection, _options);
        await using var other = await Connections.OpenAsync(server.Url);
        var received = new TaskCompletionSource<TransportMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sub = transport.Subscribe("jobs.core").Subscribe(m => received.TrySetResult(m));

        await transport.WhenSubscribedAsync(Timeout());
        await other.PublishAsync("jobs.core", new byte[] { 9 });

        Assert.Equal(new byte[] { 9 }, (await received.Task.WaitAsync(Timeout())).Payload.ToArray());
    }

    /// <summary>Waits for the transport to be idle, then says whether <paramref name="condition"/> held by then.</summary>
    private static async Task<bool> IdleThenAsync(NatsTransport transport, Func<bool> condition)
    {
        await transport.WhenIdleAsync(Timeout());
        return condition();
    }

    [Fact]
    public async Task Messages_of_one_queue_group_arrive_in_publish_order_across_subjects()
    {
        await using var transport = new NatsTransport(_connection, _options);
        var received = new ConcurrentQueue<string>();
        var subscriptions = new[] { "shop.placed", "shop.paid", "shop.shipped" }
            .Select(s => transport.Subscribe(s, Durable).Subscribe(m =>
            {
                received.Enqueue($"{m.Subject}:{m.Payload.Span[0]}");
                _ = m.AckAsync();
            }))
            .ToList();
        var expected = new List<string>();

        for (byte i = 0; i < 30; i++)
        {
            foreach (var subject in (string[])["shop.placed", "shop.paid", "shop.shipped"])
            {
                await transport.PublishAsync(subject, new[] { i });
                expected.Add($"{subject}:{i}");
            }
        }

        await transport.WhenIdleAsync(Timeout());
        subscriptions.ForEach(s => s.Dispose());

        Assert.Equal(expected, received);
    }

    [Fact]
    public async Task A_message_a_stopped_host_held_unacknowledged_goes_to_another_host_after_AckWait()
    {
        _options.AckWait = TimeSpan.FromSeconds(1);
        await using var other = await Connections.OpenAsync(server.Url);
        var first = new NatsTransport(_connection, _options);
        var held = new TaskCompletionSource<TransportMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (first.Subscribe("jobs.run", Durable).Subscribe(m => held.TrySetResult(m)))
        {
            await first.PublishAsync("jobs.run", new byte[] { 5 });
            await held.Task.WaitAsync(Timeout());

            // The host stops without acknowledging: what a crash looks like to the server.
            await first.DisposeAsync();
        }

        await using var second = new NatsTransport(other, _options);
        var again = new TaskCompletionSource<TransportMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sub = second.Subscribe("jobs.run", Durable).Subscribe(m => again.TrySetResult(m));

        var redelivered = await again.Task.WaitAsync(Timeout());
        Assert.Equal(5, redelivered.Payload.Span[0]);
        Assert.Equal(2, redelivered.DeliveryCount);
        await redelivered.AckAsync();
        await second.WhenIdleAsync(Timeout());
    }

    [Fact]
    public async Task The_stream_captures_subscribed_and_configured_subjects_without_overlaps_and_keeps_what_it_had()
    {
        _options.StreamSubjects.Add("plans.>");
        await using (var transport = new NatsTransport(_connection, _options))
        {
            using var a = transport.Subscribe("orders.placed", Durable).Subscribe(_ => { });
            using var b = transport.Subscribe("plans.submitted", Durable).Subscribe(_ => { });
            using var c = transport.Subscribe("orders.*", new SubscribeOptions { QueueGroup = "other", ManualAck = true }).Subscribe(_ => { });
            await transport.WhenIdleAsync(Timeout());
        }

        var stream = await _js.GetStreamAsync(_options.StreamName);
        Assert.Equal(
            ["flowsdk.deadletter.>", "orders.*", "plans.>"],
            stream.Info.Config.Subjects!.Order(StringComparer.Ordinal));
        Assert.Equal(_options.DuplicateWindow, stream.Info.Config.DuplicateWindow);
        Assert.Equal(_options.StreamMaxAge, stream.Info.Config.MaxAge);
    }

    [Fact]
    public async Task A_subject_another_stream_captures_fails_the_subscription_with_a_clear_error()
    {
        var foreign = "FOREIGN_" + _options.StreamName;
        await _js.CreateStreamAsync(new NATS.Client.JetStream.Models.StreamConfig(foreign, ["taken.>"]));
        try
        {
            await using var transport = new NatsTransport(_connection, _options);
            var failed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var sub = transport.Subscribe("taken.here", Durable).Subscribe(_ => { }, e => failed.TrySetResult(e));

            var error = await failed.Task.WaitAsync(Timeout());

            Assert.IsType<InvalidOperationException>(error);
            Assert.Contains($"'taken.here' overlaps 'taken.>' of stream '{foreign}'", error.Message);
        }
        finally
        {
            await _js.DeleteStreamAsync(foreign);
        }
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;
}
