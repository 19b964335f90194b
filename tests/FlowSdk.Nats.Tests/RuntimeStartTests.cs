using FlowSdk.Nats.Tests.Infrastructure;
using FlowSdk.State;
using FlowSdk.Semantics.Flows;
using NATS.Client.Core;

namespace FlowSdk.Nats.Tests;

/// <summary>What a started runtime promises other NATS clients: its flows are subscribed when StartAsync returns.</summary>
public sealed class RuntimeStartTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>
{
    [Fact]
    public async Task A_core_message_a_plain_client_publishes_right_after_StartAsync_returns_reaches_the_flow()
    {
        // The runtime's own code warmed up (compiled), so that StartAsync takes no longer than it must.
        await using (var warm = await FlowRuntime.StartAsync([OrderFlow.Definition], new FlowRuntimeOptions()))
        {
            await new OrderClient(warm).SendAsync(new OrderPlaced("o-0", 5));
            await warm.WhenIdleAsync();
        }

        var options = NatsInfrastructureFactory.Options(server.Url);
        await using var cleanup = new StreamCleanup(server.Url, options);

        // Connected without the flows: the stream captures their subjects only once the runtime subscribes.
        await using var nats = await NatsFlowInfrastructure.ConnectAsync(options);
        await using var plain = await Connections.OpenAsync(server.Url);
        Assert.DoesNotContain("test.orders.placed", nats.Transport.StreamSubjects);

        // State in memory: nothing to recover from the server, so starting takes no round trip of its
        // own and nothing but the wait for the subscriptions keeps StartAsync from returning at once.
        await using var store = new InMemoryStateStore();
        await using var runtime = await FlowRuntime.StartAsync([OrderFlow.Definition], new FlowRuntimeOptions { Transport = nats.Transport, StateStore = store });

        // A core publish, as any NATS client makes it: nobody would receive it, and it would be gone,
        // unless the stream already captures the subject.
        await plain.PublishAsync("test.orders.placed", OrderFlow.Ports.OrderPlaced.Serialize(new OrderPlaced("o-1", 5)), serializer: NatsRawSerializer<byte[]>.Default);
        await plain.PingAsync();

        var orders = new OrderClient(runtime);
        await Connections.EventuallyAsync(async () => await orders.GetAsync("o-1") is not null, "the flow handled the message", TimeSpan.FromSeconds(10));
        Assert.Equal(OrderPhase.Placed, (await orders.GetAsync("o-1"))!.Phase);
    }
}
