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
/// message is built in code. <see cref="FullHost"/>, the second baseline, parses its command line and
/// sends through the same methods.
/// </summary>
internal static class Program
{
#if !FULL_HOST
    private static Task<int> Main(string[] args) => SendAsync(args.Contains("--in-memory"), SqliteFlowOptions.DefaultPath, new OrderPlaced("o-1", 42.5m));
#endif

    /// <summary>Sends <paramref name="message"/> on the database file <paramref name="path"/>, or in memory; returns the exit code.</summary>
    internal static async Task<int> SendAsync(bool inMemory, string path, OrderPlaced message)
    {
        await using var database = inMemory ? null : SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = path });
        database?.Transport.CaptureFlows(AssemblyFlows.All);
        await using var lease = database?.TryAcquireRunnerLease();
        if (database is not null && lease is null)
        {
            await Console.Error.WriteLineAsync($"error: another process runs the flows on {path}.").ConfigureAwait(false);
            return 1;
        }

        return await SendAsync(database is null ? null : new FlowRuntimeOptions().UseSqlite(database), message).ConfigureAwait(false);
    }

    /// <summary>Runs the flows on <paramref name="message"/> with <paramref name="options"/> until they are idle, and checks that the order was placed.</summary>
    internal static async Task<int> SendAsync(FlowRuntimeOptions? options, OrderPlaced message)
    {
        var order = await RunAsync(options, message).ConfigureAwait(false);

        // The message was handled: the order waits for its payment.
        if (order is null || order.Phase != OrderPhase.Placed || order.Total != message.Total)
        {
            await Console.Error.WriteLineAsync("error: the order was not placed.").ConfigureAwait(false);
            return 1;
        }

        Console.WriteLine($"order/{message.OrderId}: phase {order.Phase}, total {order.Total}");
        return 0;
    }

    /// <summary>Runs the flows on the message until they are idle (the runtime stops before the database closes).</summary>
    private static async Task<Order?> RunAsync(FlowRuntimeOptions? options, OrderPlaced message)
    {
        await using var runtime = await FlowRuntime.StartAsync(AssemblyFlows.All, options).ConfigureAwait(false);
        await runtime.PublishAsync(OrderFlow.Ports.OrderPlaced, message).ConfigureAwait(false);
        await runtime.WhenIdleAsync().ConfigureAwait(false);
        Console.WriteLine("Sent OrderPlaced on orders.placed.");
        return await runtime.GetAsync(OrderFlow.Definition, message.OrderId).ConfigureAwait(false);
    }
}
