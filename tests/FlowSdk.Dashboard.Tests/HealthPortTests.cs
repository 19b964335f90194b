using System.Net;
using System.Text.RegularExpressions;
using FlowSdk.Hosting.Tests.Infrastructure;

namespace FlowSdk.Dashboard.Tests;

/// <summary><c>run --health-port</c>: the health endpoints alone, for an orchestrator's probes, on a host on a real nats-server.</summary>
public sealed partial class HealthPortTests
{
    [Fact]
    public async Task Health_port_serves_the_probes_alone_and_readiness_follows_the_nats_server()
    {
        var nats = await NatsServer.StartAsync();
        try
        {
            await using var host = OrdersHost.Start(null, ["run", "--nats", nats.Url, "--health-port", "0"]);
            await host.WaitForAsync("Health endpoints on http://", TimeSpan.FromSeconds(60));
            var url = HealthUrl().Match(host.Output).Groups[1].Value.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
            using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(20) };

            Assert.DoesNotContain("Dashboard on", host.Output, StringComparison.Ordinal);
            var ready = await http.GetAsync("/health/ready");
            var readyText = await ready.Content.ReadAsStringAsync();
            Assert.True(ready.StatusCode == HttpStatusCode.OK, readyText);
            Assert.Contains("\"store\":{\"status\":\"Healthy\"", readyText);
            Assert.Contains("\"subscriptions\":{\"status\":\"Healthy\"", readyText);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);

            // Only the probes: no UI, no API, no trigger on this port.
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/flows")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/api/ports/orders.placed/messages", new StringContent("{}"))).StatusCode);

            // The server dies: not ready (the store does not answer), still alive.
            nats.KillHard();
            var down = await http.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.Contains("\"store\":{\"status\":\"Unhealthy\"", await down.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);

            // Back on the same port and store: ready again once the client has reconnected.
            nats = await NatsServer.StartOnAsync(NatsServer.FindExecutable()!, nats.Port, nats.StoreDirectory, jetStream: true, pidFile: null, []);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            HttpResponseMessage again;
            while ((again = await http.GetAsync("/health/ready")).StatusCode != HttpStatusCode.OK)
            {
                Assert.True(DateTime.UtcNow < deadline, "Not ready 30 s after the server came back: " + await again.Content.ReadAsStringAsync() + "\n" + host.Output);
                await Task.Delay(200); // another process reconnecting: nothing to wait on in this one
            }
        }
        finally
        {
            await nats.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("http", "Cannot parse argument 'http' for option '--health-port'")]
    [InlineData("70000", "--health-port: 70000 is not a port; use a number from 0 to 65535.")]
    public async Task A_health_port_that_is_not_a_port_is_a_usage_error(string port, string error)
    {
        var (code, output, stderr) = await OrdersHost.RunAsync(["run", "--in-memory", "--health-port", port]);
        Assert.NotEqual(0, code);
        Assert.Contains(error, output + stderr, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Health endpoints on (http://[^,\s]+) ")]
    private static partial Regex HealthUrl();
}
