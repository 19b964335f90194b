using FlowSdk.Hosting.Tests.Infrastructure;

namespace FlowSdk.Hosting.Tests;

/// <summary>
/// samples/Orders holds nothing but annotated classes; these tests run its generated entry point as
/// a process, the way <c>dotnet run</c> does.
/// </summary>
public sealed class GeneratedHostTests
{
    [Fact]
    public async Task The_generated_entry_point_sends_a_message_and_reports()
    {
        var (code, output, error) = await RunOrdersAsync("send", "orders.placed", """{"OrderId": "o-1", "Total": 42.5}""");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("order/o-1: Running in phase Placed, iteration 1", output);
    }

    [Fact]
    public async Task The_generated_entry_point_explains_each_command()
    {
        var (code, output, _) = await RunOrdersAsync("--help");

        Assert.Equal(0, code);
        foreach (var command in new[] { "run", "send <port> <json>", "executions", "inspect <id>", "graph", "validate" })
        {
            Assert.Contains(command, output);
        }

        Assert.Contains("Example: dotnet run -- send orders.placed", (await RunOrdersAsync("send", "--help")).Output);
    }

    [Fact]
    public async Task Bad_json_gives_a_non_zero_exit_code_and_names_the_field()
    {
        var (code, _, error) = await RunOrdersAsync("send", "orders.paid", """{"OrderId": "o-1", "Amount": "lots"}""");

        Assert.Equal(2, code);
        Assert.Contains("Field 'Amount' of OrderPaid cannot be the string \"lots\"", error);
    }

    [Fact]
    public async Task A_nats_server_that_cannot_be_reached_is_an_error_that_hides_credentials()
    {
        var port = NatsServer.FreePort();

        var (code, output, error) = await RunOrdersAsync("executions", "--nats", $"nats://watcher:s3cret@127.0.0.1:{port}");

        Assert.Equal(FlowCli.Failed, code);
        Assert.StartsWith($"error: Could not connect FlowSdk to NATS at nats://***@127.0.0.1:{port}", error, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_starts_the_host_and_stops_gracefully_on_interrupt()
    {
        await using var host = OrdersHost.Start(null, "run");
        await host.WaitForAsync("Press Ctrl+C to stop.", TimeSpan.FromSeconds(60));

        Assert.Equal(0, await host.InterruptAsync());
        Assert.Matches(@"Running 1 flow\(s\) \(order\) on /\S+/flowsdk\.db\.", host.Output);
        Assert.Contains("Stopped.", host.Output);
    }

    private static Task<(int Code, string Output, string Error)> RunOrdersAsync(params string[] args) => OrdersHost.RunAsync(args);
}
