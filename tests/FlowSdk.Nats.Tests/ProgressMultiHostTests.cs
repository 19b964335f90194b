using FlowSdk.Nats.Tests.Infrastructure;
using FlowSdk.Semantics.Flows;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace FlowSdk.Nats.Tests;

/// <summary>Progress counters on NATS with two hosts writing the same flow: the counter key moves by compare-and-set, exactly once per committed change.</summary>
public sealed class ProgressMultiHostTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>
{
    [Fact]
    public async Task Two_hosts_with_conflicts_leave_counters_equal_to_a_full_listing()
    {
        const int count = 40;
        var options = NatsInfrastructureFactory.Options(server.Url);
        await using var cleanup = new StreamCleanup(server.Url, options);
        options.PullBatch = 4;
        await using var natsA = await NatsFlowInfrastructure.ConnectAsync(options, [OrderFlow.Definition]);
        await using var natsB = await NatsFlowInfrastructure.ConnectAsync(options, [OrderFlow.Definition]);
        await using var hostA = await FlowRuntime.StartAsync([OrderFlow.Definition], new FlowRuntimeOptions { Transport = natsA.Transport, StateStore = natsA.Store });
        await using var hostB = await FlowRuntime.StartAsync([OrderFlow.Definition], new FlowRuntimeOptions { Transport = natsB.Transport, StateStore = natsB.Store });
        await using var client = await Connections.OpenAsync(server.Url);
        var js = new NatsJSContext(client);
        var all = Enumerable.Range(0, count).ToList();
        var shipped = all.Take(20).ToList();

        await PublishAsync(js, all, i => ("test.orders.placed", OrderFlow.Ports.OrderPlaced.Serialize(new OrderPlaced($"o-{i}", 100))));
        await SettleAsync(hostA, hostB, all, OrderPhase.Placed);
        await PublishAsync(js, shipped, i => ("test.orders.paid", OrderFlow.Ports.OrderPaid.Serialize(new OrderPaid($"o-{i}", 100))));
        await SettleAsync(hostA, hostB, shipped, OrderPhase.Paid);
        await PublishAsync(js, shipped, i => ("test.orders.shipped", OrderFlow.Ports.OrderShipped.Serialize(new OrderShipped($"o-{i}"))));
        await SettleAsync(hostA, hostB, shipped, OrderPhase.Shipped);

        // Ten pauses at once, half on each host: their counter moves meet each other.
        await Task.WhenAll(Enumerable.Range(20, 10).Select(i => (i % 2 == 0 ? hostA : hostB).PauseAsync(OrderFlow.Definition, $"o-{i}")));

        // Two operators cancel every Running order at the same time, one on each host: each order is cancelled once.
        var results = await Task.WhenAll(
            hostA.ControlAllAsync(OrderFlow.Definition, ExecutionControlAction.Cancel, ExecutionStatus.Running),
            hostB.ControlAllAsync(OrderFlow.Definition, ExecutionControlAction.Cancel, ExecutionStatus.Running));
        Assert.Equal(10, results.Sum(r => r.Count(c => c.Applied)));

        var expected = new Dictionary<ExecutionStatus, long> { [ExecutionStatus.Completed] = 20, [ExecutionStatus.Paused] = 10, [ExecutionStatus.Cancelled] = 10 };
        var listed = await ListedAsync(hostA);
        Assert.Equal(expected.OrderBy(e => e.Key), listed.OrderBy(e => e.Key));
        Assert.Equal(listed.OrderBy(e => e.Key), NonZero(await hostA.GetProgressAsync(OrderFlow.Definition)).OrderBy(e => e.Key));
        Assert.Equal(listed.OrderBy(e => e.Key), NonZero(await hostB.GetProgressAsync(OrderFlow.Definition)).OrderBy(e => e.Key));
        Assert.True(natsA.Store.ProgressConflicts + natsB.Store.ProgressConflicts > 0, "The two hosts' counter moves should have met each other at least once.");

        // A third process, after both hosts stopped, reads the same counters from the bucket.
        await hostA.StopAsync();
        await hostB.StopAsync();
        await using var natsC = await NatsFlowInfrastructure.ConnectAsync(options, [OrderFlow.Definition]);
        var progress = await FlowProgress.ReadAsync(natsC.Store, OrderFlow.Definition);
        Assert.Equal(listed.OrderBy(e => e.Key), NonZero(progress).OrderBy(e => e.Key));
        Assert.Equal(count, progress.Total);

        // Without its counter key (a bucket from before counters, or an operator's recount) the next reader counts the executions once.
        Assert.True(await natsC.Store.DeleteAsync(NatsStateStore.ProgressPrefix + "order"));
        var recounted = await FlowProgress.ReadAsync(natsC.Store, OrderFlow.Definition);
        Assert.Equal(listed.OrderBy(e => e.Key), NonZero(recounted).OrderBy(e => e.Key));
        var key = await natsC.Store.GetAsync(NatsStateStore.ProgressPrefix + "order");
        Assert.NotNull(key);

        // Counters that are off (a host died between a state write and its counter move) are repaired by a recount.
        Assert.True((await natsC.Store.TryUpdateAsync(key.Key, System.Text.Encoding.UTF8.GetBytes("Running=7,Completed=1"), key.Revision)).Succeeded);
        Assert.Equal(7, (await FlowProgress.ReadAsync(natsC.Store, OrderFlow.Definition))[ExecutionStatus.Running]);
        var repaired = await FlowProgress.RecountAsync(natsC.Store, OrderFlow.Definition);
        Assert.Equal(listed.OrderBy(e => e.Key), NonZero(repaired).OrderBy(e => e.Key));
    }

    private static Dictionary<ExecutionStatus, long> NonZero(FlowProgress progress)
        => progress.Counts.Where(c => c.Value != 0).ToDictionary(c => c.Key, c => c.Value);

    private static async Task<Dictionary<ExecutionStatus, long>> ListedAsync(FlowRuntime runtime)
    {
        var listed = new Dictionary<ExecutionStatus, long>();
        await foreach (var order in runtime.ListAsync(OrderFlow.Definition))
        {
            listed[order.Status] = listed.GetValueOrDefault(order.Status) + 1;
        }

        return listed;
    }

    private static async Task PublishAsync(NatsJSContext js, IEnumerable<int> ids, Func<int, (string Subject, byte[] Payload)> message)
    {
        foreach (var i in ids)
        {
            var (subject, payload) = message(i);
            await js.PublishAsync(subject, payload, NatsRawSerializer<byte[]>.Default);
        }
    }

    private static async Task SettleAsync(FlowRuntime a, FlowRuntime b, IReadOnlyList<int> ids, OrderPhase phase)
    {
        var orders = new OrderClient(a);
        await Connections.EventuallyAsync(
            async () =>
            {
                foreach (var i in ids)
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
}
