using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FlowSdk.Nats.Tests.Infrastructure;
using FlowSdk.Semantics.Flows;
using FlowSdk.Testing;
using FlowSdk.Transport;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;

namespace FlowSdk.Nats.Tests;

/// <summary>
/// Transient infrastructure errors are not poison: the errors NATS raises while a server or a
/// JetStream leader is away are retried in process with backoff, and spend none of the message's
/// deliveries (<c>MaxDeliver</c> 2 here, against 6 failures in a row): the message is applied once
/// and never dead-lettered. Without the classification the message would be given back after each
/// failure and dead-lettered after its second delivery.
/// </summary>
public sealed class TransientErrorTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>
{
    public static TheoryData<string> Errors => ["no responders", "JetStream unavailable (503)", "KV key not found during failover", "no reply", "publish: no response", "timeout"];

    private static Exception ErrorNamed(string name) => name switch
    {
        "no responders" => new NatsNoRespondersException(),
        "JetStream unavailable (503)" => new NatsJSApiException(new ApiError { Code = 503, Description = "JetStream system temporarily unavailable" }),
        "KV key not found during failover" => new NatsKVKeyNotFoundException(),
        "no reply" => new NatsNoReplyException(),
        "publish: no response" => new NatsJSPublishNoResponseException(),
        "timeout" => new TimeoutException("The request timed out."),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task A_store_failing_with_a_transient_NATS_error_for_a_while_costs_no_delivery_and_no_dead_letter(string error)
    {
        await using var nats = (NatsTestInfrastructure)await new NatsInfrastructureFactory(server, o => o.MaxDeliver = 2).CreateAsync();
        var store = new FaultInjectingStateStore(nats.Store);
        store.FailNext(StateStoreOperation.Get, ErrorNamed(error), count: 3, keyPrefix: "order.");
        store.FailNext(StateStoreOperation.Create, ErrorNamed(error), count: 3, keyPrefix: "order.");
        var deadLetters = new ConcurrentQueue<TransportMessage>();
        var deadLettered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var dlq = nats.Transport.Subscribe("flowsdk.deadletter.>").Subscribe(m =>
        {
            deadLetters.Enqueue(m);
            deadLettered.TrySetResult();
        });
        long retries = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == FlowSdkDiagnostics.MeterName && instrument.Name == FlowSdkDiagnostics.TransientRetries)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        var sixRetries = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            if (Interlocked.Add(ref retries, value) >= 6)
            {
                sixRetries.TrySetResult();
            }
        });
        listener.Start();

        await using var runtime = await FlowRuntime.StartAsync([OrderFlow.Definition], new FlowRuntimeOptions { Transport = nats.Transport, StateStore = store });
        await nats.Transport.PublishAsync(OrderFlow.Ports.OrderPlaced.Subject, OrderFlow.Ports.OrderPlaced.Serialize(new OrderPlaced("o-1", 10)));

        // Reads through the client go through the failing store too: look only once the faults are spent.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Task.WhenAny(sixRetries.Task, deadLettered.Task).WaitAsync(timeout.Token);
        Assert.False(deadLettered.Task.IsCompleted, $"The message was dead-lettered after a transient error ({error}): {deadLetters.FirstOrDefault()?.Headers.GetValueOrDefault(NatsFlowHeaders.DeadLetterReason)}");

        await runtime.WhenIdleAsync(timeout.Token);
        var orders = new OrderClient(runtime);
        Assert.Equal(OrderPhase.Placed, (await orders.GetAsync("o-1"))?.Phase);
        Assert.Equal(6, store.InjectedFailures);
        Assert.True(Interlocked.Read(ref retries) >= 6, $"{retries} transient retries counted");
        Assert.Equal("normal;", (await orders.GetAsync("o-1"))!.Path);
        Assert.Empty(deadLetters);

        // The delivery budget is untouched: the stream's consumer delivered the message once.
        var consumers = new NatsJSContext(nats.Nats.Connection).ListConsumersAsync(nats.Options.StreamName);
        await foreach (var consumer in consumers)
        {
            Assert.Equal(0, consumer.Info.NumRedelivered);
            Assert.Equal((0ul, 0), (consumer.Info.NumPending, consumer.Info.NumAckPending));
        }
    }
    /// <summary>
    /// A message that fails on its own (not a transient error) is handled again in place, on real
    /// time with the default backoff, while the later messages of its execution wait behind it and
    /// other executions go on: Pay's write fails twice, and its third attempt goes on only once
    /// another execution's message was applied; the shipment of o-1, handled before Pay, would fire
    /// EarlyShipment in phase Placed. The consumer redelivers nothing.
    /// </summary>
    [Fact]
    public async Task A_failing_message_holds_back_the_later_messages_of_its_execution()
    {
        const int lanes = 8;
        await using var nats = (NatsTestInfrastructure)await new NatsInfrastructureFactory(server).CreateAsync();
        var store = new FaultInjectingStateStore(nats.Store);
        var deadLetters = new ConcurrentQueue<TransportMessage>();
        using var dlq = nats.Transport.Subscribe("flowsdk.deadletter.>").Subscribe(deadLetters.Enqueue);
        await using var runtime = await FlowRuntime.StartAsync([OrderFlow.Definition], new FlowRuntimeOptions { Transport = nats.Transport, StateStore = store, Lanes = lanes });
        var orders = new OrderClient(runtime);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await orders.SendAsync(new OrderPlaced("o-1", 100));
        await runtime.WhenIdleAsync(timeout.Token);

        var other = InAnotherLane("o-1", lanes);
        var otherApplied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watch = nats.Store.Watch("order." + other).Subscribe(_ => otherApplied.TrySetResult());
        store.FailNextWrites((key, value) => key == "order.o-1" && FlowSerializer.Deserialize(Order.FlowFormatter.Instance, value).Phase == OrderPhase.Paid, count: 2);
        store.BeforeNextUpdate(async (_, _) => await otherApplied.Task.WaitAsync(timeout.Token));
        await orders.SendAsync(new OrderPaid("o-1", 100));
        await orders.SendAsync(new OrderShipped("o-1"));
        await orders.SendAsync(new OrderPlaced(other, 100));
        await otherApplied.Task.WaitAsync(timeout.Token);
        await runtime.WhenIdleAsync(timeout.Token);

        Assert.Equal(2, store.InjectedFailures);
        var order = (await orders.GetAsync("o-1"))!;
        Assert.Equal("normal;pay;ship;", order.Path);
        Assert.Equal(OrderPhase.Shipped, order.Phase);
        Assert.Equal(OrderPhase.Placed, (await orders.GetAsync(other))?.Phase);
        Assert.Empty(deadLetters);
        await foreach (var consumer in new NatsJSContext(nats.Nats.Connection).ListConsumersAsync(nats.Options.StreamName))
        {
            Assert.Equal(0, consumer.Info.NumRedelivered);
        }
    }

    /// <summary>An order id whose events run in another lane than <paramref name="id"/>'s: lanes take an execution id's ordinal hash modulo their count.</summary>
    private static string InAnotherLane(string id, int lanes)
    {
        static uint LaneOf(string key, int lanes) => (uint)StringComparer.Ordinal.GetHashCode(key) % (uint)lanes;
        return Enumerable.Range(2, 1000).Select(i => $"o-{i}").First(other => LaneOf(other, lanes) != LaneOf(id, lanes));
    }
}
