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
}
