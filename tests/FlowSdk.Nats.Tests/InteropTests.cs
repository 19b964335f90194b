using FlowSdk.Nats.Tests.Infrastructure;
using FlowSdk.Semantics.Flows;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace FlowSdk.Nats.Tests;

/// <summary>
/// What any NATS client sees and can do, following docs/nats.md: read execution state from the
/// bucket, and drive a flow by publishing MessagePack bytes on its input subject.
/// </summary>
public sealed class InteropTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>, IAsyncLifetime
{
    private NatsFlowOptions _options = null!;
    private NatsFlowInfrastructure _nats = null!;
    private FlowRuntime _runtime = null!;
    private NatsConnection _plain = null!;

    public async Task InitializeAsync()
    {
        _options = NatsInfrastructureFactory.Options(server.Url);
        var runtimeOptions = new FlowRuntimeOptions();
        _nats = await runtimeOptions.UseNatsAsync(_options, [OrderFlow.Definition]);
        _runtime = await FlowRuntime.StartAsync([OrderFlow.Definition], runtimeOptions);
        _plain = await Connections.OpenAsync(server.Url);
    }

    public async Task DisposeAsync()
    {
        await _runtime.DisposeAsync();
        await _nats.DisposeAsync();

        // Streams on one server cannot capture the same subjects: the next test makes its own.
        var js = new NatsJSContext(_plain);
        await js.DeleteStreamAsync(_options.StreamName);
        await new NatsKVContext(js).DeleteStoreAsync(_options.StateBucket);
        await _plain.DisposeAsync();
    }

    [Fact]
    public async Task State_written_by_FlowSdk_is_read_from_the_bucket_by_a_plain_client()
    {
        await new OrderClient(_runtime).SendAsync(new OrderPlaced("o-1", 100));
        await _runtime.WhenIdleAsync(Timeout());

        // Key "<flow id>.<execution id>", value the MessagePack bytes of the state class.
        var bucket = await new NatsKVContext(new NatsJSContext(_plain)).GetStoreAsync(_options.StateBucket);
        var entry = await bucket.GetEntryAsync<byte[]>("order.o-1", serializer: NatsRawSerializer<byte[]>.Default);
        var order = FlowSerializer.Deserialize(Order.FlowFormatter.Instance, entry.Value);

        Assert.Equal((100, "normal;", OrderPhase.Placed, ExecutionStatus.Running), (order.Amount, order.Path, order.Phase, order.Status));
        Assert.Equal((await _nats.Store.GetAsync("order.o-1"))!.Revision, entry.Revision);
    }

    [Fact]
    public async Task Messages_published_by_a_plain_client_drive_a_flow()
    {
        var js = new NatsJSContext(_plain);

        // To JetStream, with a message id: stored once even if the client retries.
        var placed = OrderFlow.Ports.OrderPlaced.Serialize(new OrderPlaced("o-2", 50));
        await js.PublishAsync("test.orders.placed", placed, NatsRawSerializer<byte[]>.Default, headers: new NatsHeaders { [NatsFlowHeaders.MessageId] = "client-o-2-placed" });
        await js.PublishAsync("test.orders.placed", placed, NatsRawSerializer<byte[]>.Default, headers: new NatsHeaders { [NatsFlowHeaders.MessageId] = "client-o-2-placed" });

        // As a core NATS message: the stream captures the subject all the same.
        await _plain.PublishAsync("test.orders.paid", OrderFlow.Ports.OrderPaid.Serialize(new OrderPaid("o-2", 50)), serializer: NatsRawSerializer<byte[]>.Default);
        await _plain.PingAsync();

        await Connections.EventuallyAsync(async () => (await new OrderClient(_runtime).GetAsync("o-2"))?.Phase == OrderPhase.Paid, "the plain client's messages moved o-2 to Paid");
        await _runtime.WhenIdleAsync(Timeout());
        var order = (await new OrderClient(_runtime).GetAsync("o-2"))!;
        Assert.Equal("normal;pay;", order.Path);
        Assert.Equal(2, order.Timeline.Count);
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;
}
