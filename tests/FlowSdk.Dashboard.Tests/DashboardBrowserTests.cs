using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using FlowSdk.Dashboard.Tests.Infrastructure;
using FlowSdk.Hosting.Tests.Infrastructure;
using Microsoft.Playwright;

namespace FlowSdk.Dashboard.Tests;

/// <summary>
/// samples/Orders run as a process with <c>run --dashboard</c>, on the embedded default (a SQLite file)
/// and on a real nats-server, looked at in a real browser.
/// </summary>
public sealed partial class DashboardBrowserTests
{
    private const string Token = "s3cret-token";

    [Theory]
    [InlineData("sqlite")]
    [InlineData("nats")]
    public async Task The_dashboard_shows_the_graph_and_executions_live_and_its_controls_need_the_token(string transport)
    {
        await using var nats = transport == "nats" ? await NatsServer.StartAsync() : null;
        var folder = Directory.CreateTempSubdirectory("flowsdk-dashboard-");
        string[] where = nats is null ? ["--db", Path.Combine(folder.FullName, "orders.db")] : ["--nats", nats.Url];
        await using var host = OrdersHost.Start(new Dictionary<string, string> { ["FlowSdk__Dashboard__Token"] = Token }, ["run", "--dashboard", "http://127.0.0.1:0", .. where]);
        await host.WaitForAsync("Dashboard on http://", TimeSpan.FromSeconds(60));
        var url = DashboardUrl().Match(host.Output).Groups[1].Value;

        await using var browser = await Browser.LaunchAsync();
        await browser.RunAsync($"dashboard-{transport}", async page =>
        {
            // Flows: the graph is an SVG with the flow's phases and rules.
            await page.GotoAsync(url);
            var graph = page.Locator("svg.graph[data-flow='order']");
            await Assertions.Expect(graph.Locator("g.phase")).ToHaveCountAsync(3);
            foreach (var phase in new[] { "New", "Placed", "Shipped" })
            {
                await Assertions.Expect(graph.Locator($"g.phase[data-phase='{phase}'] text")).ToHaveTextAsync(phase);
            }

            await Assertions.Expect(graph.Locator("path[data-rule='Ship']")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("#session-state")).ToHaveTextAsync("Controls need the token");
            await Assertions.Expect(page.Locator("button[data-send='orders.paid']")).ToBeDisabledAsync();

            // Executions: a message sent through the command line appears without a reload.
            await page.ClickAsync("#nav-executions");
            await Assertions.Expect(page.Locator("#page-info")).ToHaveTextAsync("No executions");
            await page.EvaluateAsync("() => { window.notReloaded = true; }");
            var sent = await OrdersHost.RunAsync(["send", "orders.placed", """{"OrderId": "o-1", "Total": 5}""", .. where]);
            Assert.True(sent.Code == 0, sent.Output + sent.Error);
            var row = page.Locator("tr[data-key='order/o-1']");
            await Assertions.Expect(row).ToContainTextAsync("Placed");
            Assert.True(await page.EvaluateAsync<bool>("() => window.notReloaded === true"), "The page was reloaded.");
            await Assertions.Expect(page.Locator("#page-info")).ToHaveTextAsync("1–1 of 1");

            // Execution: the timeline says what fired.
            await row.Locator("a").ClickAsync();
            await Assertions.Expect(page.Locator("#timeline td.rule")).ToHaveTextAsync("Place");
            await Assertions.Expect(page.Locator("#phase")).ToHaveTextAsync("Placed");
            await Assertions.Expect(page.Locator("#state")).ToContainTextAsync("\"Total\": \"5\"");

            // Without the token a state-changing request is refused; a wrong token does not sign in.
            var refused = await page.EvaluateAsync<int>("async () => (await fetch('/api/ports/orders.paid/messages', { method: 'POST', body: '{\"OrderId\":\"o-1\",\"Amount\":5}' })).status");
            Assert.Equal(401, refused);
            await page.ClickAsync("#nav-flows");
            await page.FillAsync("#token", "wrong");
            await page.ClickAsync("#sign-in");
            await Assertions.Expect(page.Locator("#notice-error")).ToContainTextAsync("not the dashboard's token");

            // Signed in, the cookie alone is not enough: the anti-forgery header is needed too. The
            // header says so only once the view is drawn again with its controls enabled, so what is
            // typed into the view after that is not wiped by the redraw.
            string? headerWhileDrawn = null;
            await page.RouteAsync("**/api/flows", async route =>
            {
                headerWhileDrawn ??= await page.Locator("#session-state").TextContentAsync();
                await route.ContinueAsync();
            });
            await page.FillAsync("#token", Token);
            await page.ClickAsync("#sign-in");
            await Assertions.Expect(page.Locator("#session-state")).ToHaveTextAsync("Signed in: controls enabled");
            await page.UnrouteAsync("**/api/flows");
            Assert.Equal("Controls need the token", headerWhileDrawn);
            var forged = await page.EvaluateAsync<int>("async () => (await fetch('/api/ports/orders.paid/messages', { method: 'POST', body: '{\"OrderId\":\"o-1\",\"Amount\":5}' })).status");
            Assert.Equal(400, forged);

            // The control, confirmed: the payment ships the order, and the flow's progress shows it live.
            var message = page.Locator("textarea[data-port='orders.paid']");
            await message.FillAsync("""{"OrderId": "o-1", "Amount": 5}""");
            await page.ClickAsync("button[data-send='orders.paid']");
            await Assertions.Expect(page.Locator("#confirm")).ToBeVisibleAsync();
            await page.ClickAsync("#confirm-yes");
            await Assertions.Expect(page.Locator("#notice-ok")).ToHaveTextAsync("Sent OrderPaid on orders.paid.");
            await Assertions.Expect(page.Locator("#progress-order a[data-status='Completed']")).ToHaveTextAsync("Completed 1");

            // A message the port cannot take: the field is named, nothing is sent.
            await message.FillAsync("""{"OrderId": "o-1", "Amount": "lots"}""");
            await page.ClickAsync("button[data-send='orders.paid']");
            await page.ClickAsync("#confirm-yes");
            await Assertions.Expect(page.Locator("#notice-error")).ToContainTextAsync("Field 'Amount' of OrderPaid cannot be the string \"lots\"");

            // An execution's controls: each disabled with the runtime's reason where its status does
            // not allow it; cancel, confirmed with a reason, records who and why.
            var placed = await OrdersHost.RunAsync(["send", "orders.placed", """{"OrderId": "o-2", "Total": 7}""", .. where]);
            Assert.True(placed.Code == 0, placed.Output + placed.Error);
            await page.ClickAsync("#nav-executions");
            var second = page.Locator("tr[data-key='order/o-2']");
            await Assertions.Expect(second).ToContainTextAsync("Placed");
            await second.Locator("a").ClickAsync();
            await Assertions.Expect(page.Locator("#control-resume")).ToBeDisabledAsync();
            await Assertions.Expect(page.Locator("#control-resume")).ToHaveAttributeAsync("title", "resume applies to Paused executions");
            await Assertions.Expect(page.Locator("#control-retry")).ToBeDisabledAsync();
            await Assertions.Expect(page.Locator("#control-cancel")).ToBeEnabledAsync();
            await page.ClickAsync("#control-cancel");
            await Assertions.Expect(page.Locator("#confirm-text")).ToHaveTextAsync("Cancel execution o-2 of flow order?");
            await page.FillAsync("#confirm-reason", "customer called");
            await page.ClickAsync("#confirm-yes");
            await Assertions.Expect(page.Locator("#notice-ok")).ToHaveTextAsync("Execution o-2 of flow order: Running → Cancelled.");
            await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Cancelled — Cancelled by dashboard: customer called");
            await Assertions.Expect(page.Locator("#control-cancel")).ToBeDisabledAsync();
            await Assertions.Expect(page.Locator("#timeline td.rule").Last).ToHaveTextAsync("Cancel");

            lock (browser.Errors)
            {
                // The one expected: the 401 and 400 of the requests above, which the browser logs as failed loads.
                var unexpected = browser.Errors.Where(e => !e.Contains("status of 401", StringComparison.Ordinal) && !e.Contains("status of 400", StringComparison.Ordinal)).ToList();
                Assert.True(unexpected.Count == 0, "Console errors: " + string.Join(Environment.NewLine, unexpected));
            }
        }, host);

        // Health, without the UI.
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        var ready = await http.GetAsync("/health/ready");
        var readyText = await ready.Content.ReadAsStringAsync();
        Assert.True(ready.StatusCode == HttpStatusCode.OK, readyText);
        Assert.Contains("\"store\":{\"status\":\"Healthy\"", readyText);
        Assert.Contains("\"subscriptions\":{\"status\":\"Healthy\"", readyText);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        folder.Delete(recursive: true);
    }

    [GeneratedRegex(@"Dashboard on (http://[^,\s]+?)\.?\r?\n")]
    private static partial Regex DashboardUrl();
}
