using FlowSdk;
using FlowSdk.Generated;
using FlowSdk.Sqlite;
using OrdersSample;

namespace HandHost;

/// <summary>
/// What the generated Orders host's <c>send orders.placed '{"OrderId": "o-1", "Total": 42.5}'</c> does,
/// written by hand: by default on the database file <c>flowsdk.db</c> in the current directory, as the
/// generated host does (open it, keep the messages of the flows' input subjects, take the runner lease,
/// start the runtime on it); with <c>--in-memory</c> among the arguments, in memory. Then publish the
/// message, wait until the flows are idle, print one line. build/bench-host-start.sh times the process to
/// that first line of output. The other arguments (the generated host's command line) are ignored: the
/// message is built in code.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        var inMemory = args.Contains("--in-memory");
        await using var database = inMemory ? null : SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = SqliteFlowOptions.DefaultPath });
        database?.Transport.CaptureFlows(AssemblyFlows.All);
        await using var lease = database?.TryAcquireRunnerLease();
        if (database is not null && lease is null)
        {
            await Console.Error.WriteLineAsync("error: another process runs the flows on flowsdk.db.").ConfigureAwait(false);
            return 1;
        }

        var options = database is null ? null : new FlowRuntimeOptions().UseSqlite(database);
        var order = await RunAsync(options).ConfigureAwait(false);

        // The message was handled: the order waits for its payment.
        if (order is null || order.Phase != OrderPhase.Placed || order.Total != 42.5m)
        {
            await Console.Error.WriteLineAsync("error: the order was not placed.").ConfigureAwait(false);
            return 1;
        }

        Console.WriteLine($"order/o-1: phase {order.Phase}, total {order.Total}");
        return 0;
    }

    /// <summary>Runs the flows on the message until they are idle (the runtime stops before the database closes).</summary>
    private static async Task<Order?> RunAsync(FlowRuntimeOptions? options)
    {
        await using var runtime = await FlowRuntime.StartAsync(AssemblyFlows.All, options).ConfigureAwait(false);
        await runtime.PublishAsync(OrderFlow.Ports.OrderPlaced, new OrderPlaced("o-1", 42.5m)).ConfigureAwait(false);
        await runtime.WhenIdleAsync().ConfigureAwait(false);
        Console.WriteLine("Sent OrderPlaced on orders.placed.");
        return await runtime.GetAsync(OrderFlow.Definition, "o-1").ConfigureAwait(false);
    }
}
