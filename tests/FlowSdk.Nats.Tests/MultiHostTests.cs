using FlowSdk.Nats.Tests.Infrastructure;
using FlowSdk.State;
using FlowSdk.Semantics.Flows;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace FlowSdk.Nats.Tests;

/// <summary>Two hosts (runtimes with connections of their own) on one server share a flow's work.</summary>
public sealed class MultiHostTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>
{
    [Fact]
    public async Task Two_hosts_process_a_batch_of_executions_with_none_lost_and_no_step_applied_twice()
    {
        const int count = 60;
        var options = NatsInfrastructureFactory.Options(server.Url);
        await using var cleanup = new StreamCleanup(server.Url, options);

        // Small pulls, so both hosts get a share of every wave.
        options.PullBatch = 4;
        await using var natsA = await NatsFlowInfrastructure.ConnectAsync(options, [OrderFlow.Definition]);
        await using var natsB = await NatsFlowInfrastructure.ConnectAsync(options, [OrderFlow.Definition]);
        var storeA = new CountingStore(natsA.Store);
        var storeB = new CountingStore(natsB.Store);
        await using var hostA = await FlowRuntime.StartAsync([OrderFlow.Definition], new FlowRuntimeOptions { Transport = natsA.Transport, StateStore = storeA });
        await using var hostB = await FlowRuntime.StartAsync([OrderFlow.Definition], new FlowRuntimeOptions { Transport = natsB.Transport, StateStore = storeB });
        await using var client = await Connections.OpenAsync(server.Url);
        var js = new NatsJSContext(client);

        // Waves, as a client would send them: each waits for the previous step of every order, since
        // two hosts may take two messages of one execution at the same time (see docs/nats.md).
        await PublishAllAsync(js, count, i => ("test.orders.placed", OrderFlow.Ports.OrderPlaced.Serialize(new OrderPlaced($"o-{i}", 100))));
        await SettleAsync(hostA, hostB, natsA.Store, count, OrderPhase.Placed);
        await PublishAllAsync(js, count, i => ("test.orders.paid", OrderFlow.Ports.OrderPaid.Serialize(new OrderPaid($"o-{i}", 100))));
        await SettleAsync(hostA, hostB, natsA.Store, count, OrderPhase.Paid);
        await PublishAllAsync(js, count, i => ("test.orders.shipped", OrderFlow.Ports.OrderShipped.Serialize(new OrderShipped($"o-{i}"))));
        await SettleAsync(hostA, hostB, natsA.Store, count, OrderPhase.Shipped);

        var orders = new OrderClient(hostA);
        for (var i = 0; i < count; i++)
        {
            var order = (await orders.GetAsync($"o-{i}"))!;
            Assert.Equal("normal;pay;ship;", order.Path);
            Assert.Equal(["Normal", "Pay", "Ship"], order.Timeline.Select(e => e.Rule));
            Assert.Equal(ExecutionStatus.Completed, order.Status);
        }

        Assert.Equal(3 * count, storeA.Writes + storeB.Writes);
        Assert.True(storeA.Writes > 0 && storeB.Writes > 0, $"Both hosts should have handled part of the work (A {storeA.Writes}, B {storeB.Writes}).");
    }

    private static async Task PublishAllAsync(NatsJSContext js, int count, Func<int, (string Subject, byte[] Payload)> message)
    {
        for (var i = 0; i < count; i++)
        {
            var (subject, payload) = message(i);
            await js.PublishAsync(subject, payload, NatsRawSerializer<byte[]>.Default);
        }
    }

    private static async Task SettleAsync(FlowRuntime a, FlowRuntime b, IStateStore store, int count, OrderPhase phase)
    {
        var orders = new OrderClient(a);
        await Connections.EventuallyAsync(
            async () =>
            {
                for (var i = 0; i < count; i++)
                {
                    if ((await orders.GetAsync($"o-{i}"))?.Phase != phase)
                    {
                        return false;
                    }
                }

                return true;
            },
            $"every order is {phase}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await a.WhenIdleAsync(timeout.Token);
        await b.WhenIdleAsync(timeout.Token);
    }

    /// <summary>Counts the successful writes of executions one host makes (not the flow's deployment record, which the first host creates).</summary>
    private sealed class CountingStore(IStateStore inner) : IStateStore
    {
        private int _writes;

        public int Writes => Volatile.Read(ref _writes);

        public ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public async ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) =>
            Count(key, await inner.TryCreateAsync(key, value, cancellationToken));

        public async ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, CancellationToken cancellationToken = default) =>
            Count(key, await inner.TryUpdateAsync(key, value, expectedRevision, cancellationToken));

        public IAsyncEnumerable<string> ListKeysAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListKeysAsync(prefix, cancellationToken);

        public IObservable<StateEntry> Watch(string prefix) => inner.Watch(prefix);

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private StateWriteResult Count(string key, StateWriteResult result)
        {
            if (result.Succeeded && !key.StartsWith(FlowDeployments.KeyPrefix, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _writes);
            }

            return result;
        }
    }
}
