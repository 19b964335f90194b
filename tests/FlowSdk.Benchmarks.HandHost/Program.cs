using FlowSdk;
using FlowSdk.Generated;
using OrdersSample;

namespace HandHost;

/// <summary>
/// What the generated Orders host's <c>send orders.placed '{"OrderId": "o-1", "Total": 42.5}'</c> does in
/// memory, written by hand: start the runtime with the Orders flows, publish the message, wait until the
/// flows are idle, print one line. build/bench-host-start.sh times the process to that first line of output.
/// </summary>
internal static class Program
{
    private static async Task<int> Main()
    {
        await using var runtime = await FlowRuntime.StartAsync(AssemblyFlows.All, options: null).ConfigureAwait(false);
        await runtime.PublishAsync(OrderFlow.Ports.OrderPlaced, new OrderPlaced("o-1", 42.5m)).ConfigureAwait(false);
        await runtime.WhenIdleAsync().ConfigureAwait(false);
        Console.WriteLine("Sent OrderPlaced on orders.placed.");

        // The message was handled: the order waits for its payment.
        var order = await runtime.GetAsync(OrderFlow.Definition, "o-1").ConfigureAwait(false);
        if (order is null || order.Phase != OrderPhase.Placed || order.Total != 42.5m)
        {
            await Console.Error.WriteLineAsync("error: the order was not placed.").ConfigureAwait(false);
            return 1;
        }

        Console.WriteLine($"order/o-1: phase {order.Phase}, total {order.Total}");
        return 0;
    }
}
