using System.Buffers;
using FlowSdk.Hosting.Tests.Infrastructure;
using MessagePack;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace FlowSdk.Hosting.Tests;

/// <summary>
/// samples/Orders references FlowSdk.Nats and nothing else of NATS: its generated entry point runs
/// <c>run</c>, <c>send</c>, <c>executions</c> and <c>inspect</c> on a real nats-server (one per test, on a
/// free loopback port with a temporary store directory, killed afterwards), which a plain NATS
/// client shares with it.
/// </summary>
public sealed class NatsHostTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private NatsServer _server = null!;

    public async Task InitializeAsync() => _server = await NatsServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Run_on_nats_handles_what_a_plain_nats_client_publishes()
    {
        await using var host = OrdersHost.Start(null, "run", "--nats", _server.Url);
        await host.WaitForAsync("Running 1 flow(s) (order) on NATS. Press Ctrl+C to stop.", Patience);
        await using var plain = new NatsConnection(new NatsOpts { Url = _server.Url, Name = "plain-client" });
        await using var shipped = await plain.SubscribeCoreAsync<byte[]>("warehouse.ship", serializer: NatsRawSerializer<byte[]>.Default);
        await plain.PingAsync();

        // The generated layout, written by hand: a map keyed by member name; decimals as strings.
        await plain.PublishAsync("orders.placed", Map(("OrderId", "o-plain"), ("Total", "42.5")), serializer: NatsRawSerializer<byte[]>.Default);
        await WhenStoredAsync("order.o-plain", _ => true, "the host stored order o-plain in the bucket", host);

        await plain.PublishAsync("orders.paid", Map(("OrderId", "o-plain"), ("Amount", "50")), serializer: NatsRawSerializer<byte[]>.Default);
        using var wait = new CancellationTokenSource(Patience);
        var shipment = await shipped.Msgs.ReadAsync(wait.Token);

        Assert.Equal("""{"OrderId":"o-plain","Total":"42.5"}""", JsonMessages.ToJson(shipment.Data));
        await WhenStoredAsync("order.o-plain", state => state.Contains("\"Status\":\"Completed\"", StringComparison.Ordinal), "o-plain completed", host);
        var (code, output, error) = await OrdersHost.RunAsync("inspect", "o-plain", "--nats", _server.Url);
        Assert.Equal((0, ""), (code, error));
        Assert.Contains("Execution o-plain of flow order (revision ", output);
        Assert.Contains("phase:     Shipped, iteration 1", output);
        Assert.Contains("#1 Place: New -> Placed (Mutate, MessageAndState on orders.placed)", output);
        Assert.Contains("#1 Ship: Placed -> Shipped (Complete, MessageAndState on orders.paid)", output);
        Assert.Contains("""state: {"Total":"42.5","Paid":"50","$execution":{"Id":"o-plain","Flow":"order","Phase":"Shipped","Status":"Completed",""", output);

        Assert.Equal(0, await host.InterruptAsync());
        Assert.Contains("FlowSdk runtime started with flows order on NatsTransport", host.Output);
        Assert.Contains("Stopped.", host.Output);
    }

    [Fact]
    public async Task Send_over_nats_reaches_a_running_host_and_executions_and_inspect_show_it()
    {
        // The URL from configuration (an environment variable) rather than --nats.
        var configured = new Dictionary<string, string> { ["FLOWSDK__NATS__URL"] = _server.Url };
        await using var host = OrdersHost.Start(configured, "run");
        await host.WaitForAsync("Running 1 flow(s) (order) on NATS. Press Ctrl+C to stop.", Patience);

        var sent = await OrdersHost.RunAsync("send", "orders.placed", """{"OrderId": "o-2", "Total": 19.99}""", "--nats", _server.Url);
        Assert.Equal((0, "Sent OrderPlaced on orders.placed.\n", ""), sent);

        await WhenStoredAsync("order.o-2", _ => true, "the host stored order o-2", host);
        var listed = (await OrdersHost.RunAsync(configured, "executions")).Output;
        Assert.Matches(@"order\s+o-2\s+Running\s+Placed\s+1 ", listed);
        Assert.Contains("1 execution(s).", listed);

        var (code, output, _) = await OrdersHost.RunAsync("inspect", "o-2", "--nats", _server.Url);
        Assert.Equal(0, code);
        Assert.Contains("status:    Running", output);
        Assert.Contains("#1 Place: New -> Placed (Mutate, MessageAndState on orders.placed)", output);
        Assert.Contains("""state: {"Total":"19.99","Paid":"0",""", output);

        var filtered = await OrdersHost.RunAsync("executions", "--status", "Completed", "--nats", _server.Url);
        Assert.Equal(0, filtered.Code);
        Assert.Contains("0 execution(s).", filtered.Output);

        var unknown = await OrdersHost.RunAsync("inspect", "o-404", "--nats", _server.Url);
        Assert.Equal(FlowCli.UsageError, unknown.Code);
        Assert.Equal("error: No execution 'o-404' in flow(s) order on NATS.\n", unknown.Error);

        Assert.Equal(0, await host.InterruptAsync());
    }

    [Fact]
    public async Task A_message_sent_before_any_host_runs_is_kept_for_the_first_one()
    {
        // send captures the flows' input subjects in the stream before it publishes.
        var sent = await OrdersHost.RunAsync("send", "OrderPlaced", """{"OrderId": "o-early", "Total": 5}""", "--nats", _server.Url);
        Assert.Equal(0, sent.Code);

        await using var host = OrdersHost.Start(null, "run", "--FlowSdk:Nats:Url=" + _server.Url);
        await host.WaitForAsync("on NATS", Patience);
        await WhenStoredAsync("order.o-early", _ => true, "the host that started later handled o-early", host);
        Assert.Equal(0, (await OrdersHost.RunAsync("inspect", "o-early", "--nats", _server.Url)).Code);
        Assert.Equal(0, await host.InterruptAsync());
    }

    private static byte[] Map(params (string Key, string Value)[] members)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteMapHeader(members.Length);
        foreach (var (key, value) in members)
        {
            writer.Write(key);
            writer.Write(value);
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private Task WhenStoredAsync(string key, Func<string, bool> state, string what, HostProcess host)
        => StoredExecutions.WhenStoredAsync(_server.Url, key, state, what, host, Patience);
}
