using FlowSdk.Hosting.Tests.Infrastructure;
using FlowSdk.Sqlite;

namespace FlowSdk.Hosting.Tests;

/// <summary>
/// samples/Orders as processes on one database file, as a user runs it: <c>run</c> in one terminal,
/// <c>send</c>, <c>executions</c> and <c>inspect</c> in others, and a host killed with SIGKILL mid-run.
/// </summary>
public sealed class SqliteHostTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flowsdk-sqlite-host-").FullName;

    private string Database => Path.Combine(_folder, "orders.db");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Send_executions_and_inspect_from_other_processes_reach_the_running_host_through_the_file()
    {
        await using var host = OrdersHost.Start(null, "run", "--db", Database);
        await host.WaitForAsync("Press Ctrl+C to stop.", TimeSpan.FromSeconds(60));

        var placed = await OrdersHost.RunAsync("send", "orders.placed", """{"OrderId": "o-1", "Total": 42.5}""", "--db", Database);
        Assert.Equal(0, placed.Code);
        Assert.Contains($"queued in {Database} for the host that runs the flows there (pid ", placed.Output);
        var paid = await OrdersHost.RunAsync("send", "orders.paid", """{"OrderId": "o-1", "Amount": 42.5}""", "--db", Database);
        Assert.Equal(0, paid.Code);

        await WaitUntilAsync(async () => (await OrdersHost.RunAsync("inspect", "o-1", "--db", Database)).Output.Contains("status:    Completed", StringComparison.Ordinal));
        var inspected = await OrdersHost.RunAsync("inspect", "o-1", "--db", Database);
        Assert.Contains("Ship: Placed -> Shipped", inspected.Output);
        var listed = await OrdersHost.RunAsync("executions", "--status", "Completed", "--db", Database);
        Assert.Contains("o-1", listed.Output);
        Assert.Contains("1 execution(s).", listed.Output);

        // A second runner on the same file is refused, and says who runs it.
        var second = await OrdersHost.RunAsync("run", "--db", Database);
        Assert.Equal(FlowCli.Failed, second.Code);
        Assert.Contains("Another process runs the flows on", second.Error);

        Assert.Equal(0, await host.InterruptAsync());
    }

    [Fact]
    public async Task A_host_killed_mid_run_resumes_after_a_restart_losing_nothing_and_applying_nothing_twice()
    {
        const int Orders = 1500;
        var placed = OrdersSample.OrderFlow.Ports.OrderPlaced;
        var paid = OrdersSample.OrderFlow.Ports.OrderPaid;
        await using (var database = SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = Database }))
        {
            // What send does (the flows' inputs are kept), plus a consumer of the shipment requests the flow publishes, to count them.
            database.Transport.CaptureFlows([OrdersSample.OrderFlow.Definition]);
            database.Transport.Capture("test.warehouse", ["warehouse.ship"]);
        }

        await using (var host = OrdersHost.Start(null, "run", "--db", Database))
        {
            await host.WaitForAsync("Press Ctrl+C to stop.", TimeSpan.FromSeconds(60));
            await using var database = SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = Database });
            for (var i = 0; i < Orders; i++)
            {
                await database.Transport.PublishAsync(placed.Subject, placed.Serialize(new OrdersSample.OrderPlaced($"o-{i}", 10)));
                await database.Transport.PublishAsync(paid.Subject, paid.Serialize(new OrdersSample.OrderPaid($"o-{i}", 10)));
            }

            // Killed once it has shipped some orders, with others still queued.
            await WaitUntilAsync(() => Task.FromResult(database.Transport.CountQueued("test.warehouse") >= 50));
            await host.KillAsync();
            Assert.True(database.Transport.CountQueued("flowsdk.order") > 0, "The host handled every message before it was killed: the test did not kill it mid-run.");
        }

        await using (var restarted = OrdersHost.Start(null, "run", "--db", Database))
        {
            await restarted.WaitForAsync("Press Ctrl+C to stop.", TimeSpan.FromSeconds(60));
            await using var database = SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = Database });
            await WaitUntilAsync(() => Task.FromResult(database.Transport.CountQueued("flowsdk.order") == 0 && database.Transport.CountQueued("test.warehouse") >= Orders), TimeSpan.FromSeconds(120));
            Assert.Equal(0, await restarted.InterruptAsync());
        }

        await using (var database = SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = Database }))
        {
            for (var i = 0; i < Orders; i++)
            {
                var entry = await database.Store.GetAsync($"order.o-{i}");
                Assert.NotNull(entry);
                var info = OrdersSample.OrderFlow.Definition.ReadExecution(entry.Value);
                Assert.Equal(ExecutionStatus.Completed, info.Status);
                Assert.Equal(["Place", "Ship"], info.Timeline.Select(t => t.Rule));
            }

            // Each order's shipment request was published once: a replay of an outbox after the crash is dropped by its message id.
            Assert.Equal(Orders, database.Transport.CountQueued("test.warehouse"));
            Assert.Empty(database.ReadDeadLetters());
        }
    }

    [Fact]
    public async Task A_host_killed_with_timers_pending_fires_them_after_a_restart_losing_nothing_and_applying_nothing_twice()
    {
        // The retention timer: each completed order is removed from the file Retention after it ended,
        // a due time the host keeps only in memory and finds again in the file after a restart, as it
        // does deadlines. Killed with timers pending, down until they are due, restarted: they fire.
        const int Orders = 600;
        var retention = TimeSpan.FromSeconds(4);
        var environment = new Dictionary<string, string> { ["FlowSdk__Retention"] = retention.ToString("c", System.Globalization.CultureInfo.InvariantCulture) };
        var placed = OrdersSample.OrderFlow.Ports.OrderPlaced;
        var paid = OrdersSample.OrderFlow.Ports.OrderPaid;
        await using (var database = SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = Database }))
        {
            database.Transport.CaptureFlows([OrdersSample.OrderFlow.Definition]);
            database.Transport.Capture("test.warehouse", ["warehouse.ship"]);
        }

        int pendingAtKill;
        var killed = System.Diagnostics.Stopwatch.StartNew();
        await using (var host = OrdersHost.Start(environment, "run", "--db", Database))
        {
            await host.WaitForAsync("Press Ctrl+C to stop.", TimeSpan.FromSeconds(60));
            await using var database = SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = Database });
            for (var i = 0; i < Orders; i++)
            {
                await database.Transport.PublishAsync(placed.Subject, placed.Serialize(new OrdersSample.OrderPlaced($"o-{i}", 10)));
                await database.Transport.PublishAsync(paid.Subject, paid.Serialize(new OrdersSample.OrderPaid($"o-{i}", 10)));
            }

            await WaitUntilAsync(() => Task.FromResult(database.Transport.CountQueued("test.warehouse") >= 50));
            await host.KillAsync();
            killed.Restart();
            Assert.True(database.Transport.CountQueued("flowsdk.order") > 0, "The host handled every message before it was killed: the test did not kill it mid-run.");

            // Completed orders still in the file: their removal timers were pending in the killed host.
            pendingAtKill = 0;
            await foreach (var key in database.Store.ListKeysAsync("order."))
            {
                var entry = await database.Store.GetAsync(key);
                pendingAtKill += entry is not null && OrdersSample.OrderFlow.Definition.ReadExecution(entry.Value).Status == ExecutionStatus.Completed ? 1 : 0;
            }

            Assert.True(pendingAtKill > 0, "No completed order was waiting for its removal when the host was killed.");
        }

        // Down until those timers are due, so the restarted host meets them overdue.
        await Task.Delay(retention - killed.Elapsed + TimeSpan.FromMilliseconds(200) is { Ticks: > 0 } rest ? rest : TimeSpan.Zero);
        await using (var restarted = OrdersHost.Start(environment, "run", "--db", Database))
        {
            await restarted.WaitForAsync("Press Ctrl+C to stop.", TimeSpan.FromSeconds(60));
            var back = System.Diagnostics.Stopwatch.StartNew();
            await using var database = SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = Database });
            await WaitUntilAsync(
                async () => database.Transport.CountQueued("flowsdk.order") == 0 && database.Transport.CountQueued("test.warehouse") >= Orders && !await database.Store.ListKeysAsync("order.").AnyAsync(),
                TimeSpan.FromSeconds(120));
            Assert.Equal(0, await restarted.InterruptAsync());
            Assert.True(back.Elapsed < TimeSpan.FromSeconds(60), $"The timers fired only {back.Elapsed} after the restart.");
        }

        await using (var database = SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = Database }))
        {
            // Every order shipped once: one shipment request each, none twice (an outbox replayed after the crash is dropped by its id).
            var shipped = new System.Collections.Concurrent.ConcurrentBag<string>();
            var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var ship = OrdersSample.OrderFlow.Ports.ShipmentRequested;
            using (database.Transport.Subscribe("warehouse.ship", new FlowSdk.Transport.SubscribeOptions { QueueGroup = "test.warehouse", ManualAck = true }).Subscribe(m =>
            {
                shipped.Add(ship.Deserialize(m.Payload).OrderId);
                m.AckAsync().AsTask().GetAwaiter().GetResult();
                if (shipped.Count >= Orders)
                {
                    all.TrySetResult();
                }
            }))
            {
                await all.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }

            Assert.Equal(Orders, shipped.Count);
            Assert.Equal(Orders, shipped.Distinct().Count());
            Assert.Empty(database.ReadDeadLetters());

            // Every timer fired: no order is left in the file, the ones pending at the kill included.
            Assert.Empty(await database.Store.ListKeysAsync("order.").ToListAsync());
        }
    }

    private static Task WaitUntilAsync(Func<Task<bool>> condition) => WaitUntilAsync(condition, TimeSpan.FromSeconds(60));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            await Task.Delay(50, cancel.Token);
        }
    }
}
