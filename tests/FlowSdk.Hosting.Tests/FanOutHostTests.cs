using System.Text.RegularExpressions;
using FlowSdk.Hosting.Tests.Infrastructure;

namespace FlowSdk.Hosting.Tests;

/// <summary>Fan-out / fan-in across host processes: two hosts of samples/FanOut on one NATS server, each running both flows.</summary>
public sealed class FanOutHostTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static string Dll => OrdersHost.SampleDll("FanOut");

    [Fact]
    public async Task Two_host_processes_on_nats_fan_out_and_fan_in_whichever_host_runs_each_child()
    {
        await using var server = await NatsServer.StartAsync();
        await using var first = Start("run", "--nats", server.Url);
        await using var second = Start("run", "--nats", server.Url);
        await first.WaitForAsync("Press Ctrl+C to stop.", Patience);
        await second.WaitForAsync("Press Ctrl+C to stop.", Patience);

        var sent = await OrdersHost.RunSampleAsync(Dll, ["send", "quotes.requested", """{"QuoteId": "n-1", "Skus": ["apple", "bread", "cheese", "apple", "bread", "cheese"]}""", "--nats", server.Url]);
        Assert.True(sent.Code == 0, sent.Error);

        // The hosts are other processes: their work shows in the store, polled until it does.
        await StoredExecutions.WhenStoredAsync(server.Url, "quote.n-1", s => s.Contains("\"Phase\":\"Quoted\"", StringComparison.Ordinal) && Regex.IsMatch(s, "\"Total\":\"?19(\\.0+)?\"?[,}]"), "quote n-1 quoted from its six children, total 19", first, Patience);
        for (var i = 0; i < 6; i++)
        {
            await StoredExecutions.WhenStoredAsync(server.Url, "price-lookup." + FanOutGroup.ChildId("quote", "n-1", "prices", i), s => s.Contains("\"Phase\":\"Found\"", StringComparison.Ordinal), $"child {i} found its price", first, Patience);
        }

        Assert.Equal(0, await first.InterruptAsync());
        Assert.Equal(0, await second.InterruptAsync());
    }

    private static HostProcess Start(params string[] args) => new(OrdersHost.StartInfo(Dll, null, args, null));
}
