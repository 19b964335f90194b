using FlowSdk.Nats.Tests.Infrastructure;
using FlowSdk.State;
using FlowSdk.Semantics.Flows;
using FlowSdk.Transport;
using NATS.Client.JetStream;

namespace FlowSdk.Nats.Tests;

/// <summary>
/// What keeps the runtime fast on NATS without weakening it: the committed value kept per execution
/// (stale values are caught), acknowledgements not waited for (a lost one is repaired), lanes.
/// </summary>
public sealed class ThroughputBehaviourTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>
{
    private static readonly SubscribeOptions Durable = new() { QueueGroup = "flowsdk.test", ManualAck = true };

    [Fact]
    public async Task A_write_based_on_a_kept_value_that_another_writer_replaced_is_evaluated_again_on_the_stored_one()
    {
        var options = NatsInfrastructureFactory.Options(server.Url);
        await using var cleanup = new StreamCleanup(server.Url, options);
        await using var nats = await NatsFlowInfrastructure.ConnectAsync(options, [OrderFlow.Definition]);
        await using var runtime = await FlowRuntime.StartAsync([OrderFlow.Definition], nats.ApplyTo(new FlowRuntimeOptions()));

        await runtime.PublishAsync(OrderFlow.Ports.OrderPlaced, new OrderPlaced("o-1", 100));
        await runtime.WhenIdleAsync(Timeout());

        // Another writer (another host, say) raises the amount after this runtime kept the value.
        await ChangeAsync(nats.Store, "order.o-1", o => { o.Amount = 500; o.Path += "other;"; });

        // On the kept value (amount 100) the payment of 100 would pay in full; on the stored one it does not.
        await runtime.PublishAsync(OrderFlow.Ports.OrderPaid, new OrderPaid("o-1", 100));
        await runtime.WhenIdleAsync(Timeout());
        var order = (await new OrderClient(runtime).GetAsync("o-1"))!;
        Assert.Equal(OrderPhase.Placed, order.Phase);
        Assert.Equal("normal;other;", order.Path);
        Assert.Equal(0, order.Paid);
    }

    [Fact]
    public async Task An_event_that_fires_nothing_on_a_kept_value_is_checked_against_the_stored_revision()
    {
        var options = NatsInfrastructureFactory.Options(server.Url);
        await using var cleanup = new StreamCleanup(server.Url, options);
        await using var nats = await NatsFlowInfrastructure.ConnectAsync(options, [OrderFlow.Definition]);
        await using var runtime = await FlowRuntime.StartAsync([OrderFlow.Definition], nats.ApplyTo(new FlowRuntimeOptions()));

        await runtime.PublishAsync(OrderFlow.Ports.OrderPlaced, new OrderPlaced("o-2", 100));
        await runtime.WhenIdleAsync(Timeout());

        // Another writer lowers the amount: on the kept value (100) a payment of 60 fires nothing, so no
        // compare-and-set would catch the stale value; the runtime must look at the store.
        await ChangeAsync(nats.Store, "order.o-2", o => o.Amount = 50);
        await runtime.PublishAsync(OrderFlow.Ports.OrderPaid, new OrderPaid("o-2", 60));
        await runtime.WhenIdleAsync(Timeout());
        var order = (await new OrderClient(runtime).GetAsync("o-2"))!;
        Assert.Equal(OrderPhase.Paid, order.Phase);
        Assert.Equal(60, order.Paid);
        Assert.Equal("normal;pay;", order.Path);
    }

    [Fact]
    public async Task A_lost_acknowledgement_brings_the_message_back_and_it_is_acknowledged_again_without_being_handled_twice()
    {
        var options = NatsInfrastructureFactory.Options(server.Url);
        options.AckWait = TimeSpan.FromSeconds(1);
        await using var cleanup = new StreamCleanup(server.Url, options);
        await using var connection = await Connections.OpenAsync(server.Url);
        await using var transport = new NatsTransport(connection, options);
        var lost = 0;
        transport.LoseAcknowledgement = () => Interlocked.Exchange(ref lost, 1) == 0;
        var handled = 0;
        using var sub = transport.Subscribe("jobs.once", Durable).Subscribe(m =>
        {
            Interlocked.Increment(ref handled);
            _ = m.AckAsync().AsTask();
        });
        await transport.WhenSubscribedAsync(Timeout());
        await transport.PublishAsync("jobs.once", new byte[] { 7 });

        // The server redelivers after AckWait; the transport knows it acknowledged it and does so again.
        await Connections.EventuallyAsync(() => Task.FromResult(Interlocked.Read(ref transport.AcknowledgementsRepeated) >= 1), "the redelivery is acknowledged again");
        var js = new NatsJSContext(connection);
        await Connections.EventuallyAsync(
            async () => (await js.GetConsumerAsync(options.StreamName, "flowsdk_test")).Info.NumAckPending == 0,
            "the consumer has nothing pending");
        Assert.Equal(1, Volatile.Read(ref handled));
    }

    [Fact]
    public async Task The_transport_prefers_its_configured_lanes_bounded_by_MaxAckPending()
    {
        var options = NatsInfrastructureFactory.Options(server.Url);
        options.Lanes = 48;
        await using var cleanup = new StreamCleanup(server.Url, options);
        await using var nats = await NatsFlowInfrastructure.ConnectAsync(options);
        Assert.Equal(48, nats.Transport.PreferredLanes);
        Assert.IsAssignableFrom<ILanePreference>(nats.Transport);

        options.MaxAckPending = 20;
        await using var bounded = await NatsFlowInfrastructure.ConnectAsync(options);
        Assert.Equal(20, bounded.Transport.PreferredLanes);
    }

    private static async Task ChangeAsync(IStateStore store, string key, Action<Order> change)
    {
        var entry = (await store.GetAsync(key))!;
        var order = FlowSerializer.Deserialize(OrderFlow.Definition.StateFormatter, entry.Value);
        change(order);
        var written = await store.TryUpdateAsync(key, FlowSerializer.Serialize(OrderFlow.Definition.StateFormatter, order), entry.Revision);
        Assert.True(written.Succeeded);
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;
}
