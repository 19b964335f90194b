using FlowSdk.Hosting.Tests.Infrastructure;

namespace FlowSdk.Hosting.Tests;

/// <summary>
/// <c>pause</c>, <c>resume</c>, <c>cancel</c> and <c>retry</c> on the command line: in process on a
/// database file, from other processes next to a host on the file, and against two host processes
/// on NATS. Each control is a write of the execution's state that the hosts see.
/// </summary>
public sealed class ControlCliTests() : CliOnDatabaseFile([OrdersSample.OrderFlow.Definition], "flowsdk-control-cli-", "orders.db")
{
    [Fact]
    public async Task Pause_resume_and_cancel_change_the_executions_in_the_file_and_refusals_name_the_status()
    {
        Assert.Equal(0, (await RunAsync("send", "orders.placed", """{"OrderId": "o-1", "Total": 10}""")).Code);

        var paused = await RunAsync("pause", "o-1", "--reason", "checking stock", "--by", "alice");
        Assert.Equal((0, "order/o-1: Running -> Paused (Pause)\n", ""), paused);

        // The payment is kept with the paused execution.
        await RunAsync("send", "orders.paid", """{"OrderId": "o-1", "Amount": 10}""");
        var inspected = (await RunAsync("inspect", "o-1")).Output;
        Assert.Contains("status:    Paused - Paused by alice: checking stock", inspected);
        Assert.Contains("phase:     Placed", inspected);
        Assert.Contains("Pause: Placed -> Placed (Pause, Control on alice)", inspected);

        Assert.Equal(0, (await RunAsync("resume", "o-1")).Code);

        // No host ran the flows when it was resumed: the next one that starts handles the kept payment.
        await RunAsync("send", "orders.placed", """{"OrderId": "o-2", "Total": 10}""");
        Assert.Contains("status:    Completed", (await RunAsync("inspect", "o-1")).Output);

        var cancelled = await RunAsync("cancel", "o-2", "--reason", "duplicate");
        Assert.Equal(0, cancelled.Code);
        Assert.Equal("order/o-2: Running -> Cancelled (Cancel)\n", cancelled.Output);
        Assert.Contains("status:    Cancelled - Cancelled by cli:" + Environment.UserName + ": duplicate", (await RunAsync("inspect", "o-2")).Output);
        Assert.Matches(@"order\s+o-2\s+Cancelled\s+Placed", (await RunAsync("executions", "--status", "Cancelled")).Output);

        var again = await RunAsync("cancel", "o-2");
        Assert.Equal((FlowCli.Failed, "", "error: Execution 'o-2' of flow 'order' is Cancelled: it has ended, so it cannot be cancelled.\n"), again);

        var retry = await RunAsync("retry", "o-1");
        Assert.Equal(FlowCli.Failed, retry.Code);
        Assert.Contains("is Completed: retry applies to Failed and TimedOut executions.", retry.Error);

        var unknown = await RunAsync("pause", "nobody");
        Assert.Equal(FlowCli.UsageError, unknown.Code);
        Assert.Contains($"No execution 'nobody' in flow(s) order in {Database}.", unknown.Error);

        var neither = await RunAsync("cancel");
        Assert.Equal(FlowCli.UsageError, neither.Code);
        Assert.Contains("cancel needs an execution id, or --status", neither.Error);
    }

    [Fact]
    public async Task A_bulk_control_takes_every_execution_of_the_flow_in_the_status()
    {
        foreach (var id in new[] { "b-1", "b-2", "b-3" })
        {
            await RunAsync("send", "orders.placed", $$"""{"OrderId": "{{id}}", "Total": 10}""");
        }

        await RunAsync("pause", "b-2");
        var cancelled = await RunAsync("cancel", "--flow", "order", "--status", "Running", "--reason", "shop closed");

        Assert.Equal(0, cancelled.Code);
        Assert.Equal("order/b-1: Running -> Cancelled (Cancel)\norder/b-3: Running -> Cancelled (Cancel)\nCancel: 2 of 2 Running execution(s) of flow order.\n", cancelled.Output);
        Assert.Contains("status:    Paused", (await RunAsync("inspect", "b-2")).Output);

        var wrong = await RunAsync("retry", "--status", "Completed");
        Assert.Equal(FlowCli.UsageError, wrong.Code);
        Assert.Contains("A Completed execution cannot be retried; retry applies to Failed and TimedOut executions.", wrong.Error);
    }

    [Fact]
    public async Task Controls_from_other_processes_reach_the_host_that_runs_the_flows_on_the_file()
    {
        await using var host = OrdersHost.Start(null, "run", "--db", Database);
        await host.WaitForAsync("Press Ctrl+C to stop.", Patience);
        await OrdersHost.RunAsync("send", "orders.placed", """{"OrderId": "x-1", "Total": 10}""", "--db", Database);
        await OrdersHost.RunAsync("send", "orders.placed", """{"OrderId": "x-2", "Total": 10}""", "--db", Database);
        await WaitUntilAsync(async () => (await OrdersHost.RunAsync("executions", "--status", "Running", "--db", Database)).Output.Contains("2 execution(s).", StringComparison.Ordinal), host);

        Assert.Equal(0, (await OrdersHost.RunAsync("pause", "x-1", "--db", Database)).Code);
        await OrdersHost.RunAsync("send", "orders.paid", """{"OrderId": "x-1", "Amount": 10}""", "--db", Database);

        // The host keeps the payment with the paused execution.
        await WaitUntilAsync(async () => (await OrdersHost.RunAsync("inspect", "x-1", "--db", Database)).Output.Contains("\"Parked\":[[\"orders.paid\"", StringComparison.Ordinal), host);
        Assert.Contains("status:    Paused", (await OrdersHost.RunAsync("inspect", "x-1", "--db", Database)).Output);

        // Resumed from another process, the running host handles the payment.
        Assert.Equal(0, (await OrdersHost.RunAsync("resume", "x-1", "--db", Database)).Code);
        await WaitUntilAsync(async () => (await OrdersHost.RunAsync("inspect", "x-1", "--db", Database)).Output.Contains("status:    Completed", StringComparison.Ordinal), host);

        Assert.Equal(0, (await OrdersHost.RunAsync("cancel", "x-2", "--db", Database)).Code);
        await OrdersHost.RunAsync("send", "orders.paid", """{"OrderId": "x-2", "Amount": 10}""", "--db", Database);
        var x2 = await OrdersHost.RunAsync("inspect", "x-2", "--db", Database);
        Assert.Contains("status:    Cancelled", x2.Output);
        Assert.Equal(0, await host.InterruptAsync());
    }

    [Fact]
    public async Task Controls_reach_two_host_processes_on_nats()
    {
        await using var server = await NatsServer.StartAsync();
        await using var first = OrdersHost.Start(null, "run", "--nats", server.Url);
        await using var second = OrdersHost.Start(null, "run", "--nats", server.Url);
        await first.WaitForAsync("Press Ctrl+C to stop.", Patience);
        await second.WaitForAsync("Press Ctrl+C to stop.", Patience);

        foreach (var id in new[] { "n-1", "n-2", "n-3" })
        {
            await OrdersHost.RunAsync("send", "orders.placed", $$"""{"OrderId": "{{id}}", "Total": 10}""", "--nats", server.Url);
            await WhenStoredAsync(server, "order." + id, _ => true, id + " placed", first);
        }

        Assert.Equal(0, (await OrdersHost.RunAsync("pause", "n-1", "--by", "ops", "--nats", server.Url)).Code);

        // Whichever host takes the payments keeps them with the paused execution, in order.
        await OrdersHost.RunAsync("send", "orders.paid", """{"OrderId": "n-1", "Amount": 4}""", "--nats", server.Url);
        await OrdersHost.RunAsync("send", "orders.paid", """{"OrderId": "n-1", "Amount": 10}""", "--nats", server.Url);
        await WhenStoredAsync(server, "order.n-1", s => CountOf(s, "\"orders.paid\"") >= 2, "both payments kept with the paused n-1", first);

        var resumed = await OrdersHost.RunAsync("resume", "n-1", "--nats", server.Url);
        Assert.Equal((0, "order/n-1: Paused -> Running (Resume)\n", ""), resumed);
        await WhenStoredAsync(server, "order.n-1", s => s.Contains("\"Status\":\"Completed\"", StringComparison.Ordinal), "n-1 completed after the resume", first);

        var cancelled = await OrdersHost.RunAsync("cancel", "--flow", "order", "--status", "Running", "--reason", "closing", "--nats", server.Url);
        Assert.Equal(0, cancelled.Code);
        Assert.Contains("Cancel: 2 of 2 Running execution(s) of flow order.", cancelled.Output);

        // A payment for a cancelled order fires nothing on either host.
        await OrdersHost.RunAsync("send", "orders.paid", """{"OrderId": "n-2", "Amount": 10}""", "--nats", server.Url);
        var listed = (await OrdersHost.RunAsync("executions", "--nats", server.Url)).Output;
        Assert.Matches(@"order\s+n-1\s+Completed", listed);
        Assert.Matches(@"order\s+n-2\s+Cancelled", listed);
        Assert.Matches(@"order\s+n-3\s+Cancelled", listed);

        // The counters the two hosts and the command lines moved agree with the listing.
        var progress = await OrdersHost.RunAsync("progress", "--nats", server.Url);
        Assert.Matches(@"(?m)^order\s+0\s+0\s+0\s+0\s+1\s+0\s+2\s+0\s+0\s+3$", progress.Output);
        var inspected = (await OrdersHost.RunAsync("inspect", "n-1", "--nats", server.Url)).Output;
        Assert.Contains("Pause: Placed -> Placed (Pause, Control on ops)", inspected);
        Assert.Contains("Ship: Placed -> Shipped", inspected);

        Assert.Equal(0, await first.InterruptAsync());
        Assert.Equal(0, await second.InterruptAsync());
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }


    private static async Task WaitUntilAsync(Func<Task<bool>> condition, HostProcess host)
    {
        var until = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail("The condition did not hold in time. The host printed:" + Environment.NewLine + host.Output);
            }

            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Inspect_says_how_many_earlier_timeline_entries_an_execution_no_longer_keeps()
    {
        await using var host = OrdersHost.Start(new Dictionary<string, string> { ["FlowSdk__MaxTimelineEntries"] = "1" }, "run", "--db", Database);

        // Sent before the host holds the file, the messages would be handled by `send` itself, with the default bound.
        await host.WaitForAsync("Press Ctrl+C to stop.", Patience);
        await OrdersHost.RunAsync("send", "orders.placed", """{"OrderId": "t-1", "Total": 10}""", "--db", Database);
        await OrdersHost.RunAsync("send", "orders.paid", """{"OrderId": "t-1", "Amount": 10}""", "--db", Database);
        await WaitUntilAsync(async () => (await OrdersHost.RunAsync("inspect", "t-1", "--db", Database)).Output.Contains("status:    Completed", StringComparison.Ordinal), host);

        // Place, then Ship: the host keeps one entry, so Place is counted, not kept.
        var inspected = (await OrdersHost.RunAsync("inspect", "t-1", "--db", Database)).Output;
        Assert.Contains("    (1 earlier entries not kept, the first at 20", inspected);
        Assert.Contains("Ship: Placed -> Shipped", inspected);
        Assert.DoesNotContain("Place: ", inspected);
    }
}
