using FlowSdk.Dashboard.Tests.Infrastructure;
using FlowSdk.Hosting.Tests.Infrastructure;
using Microsoft.Playwright;
using static FlowSdk.Dashboard.Tests.Infrastructure.DashboardApi;

namespace FlowSdk.Dashboard.Tests;

/// <summary>
/// The flow verbs on the flows page (samples/Orders) and approve/reject on the execution page
/// (samples/Approvals), used in a real browser, on the embedded default (a SQLite file) and on a real nats-server.
/// </summary>
public sealed class DashboardVerbBrowserTests
{
    private const string Token = "br0wser-verbs";

    [Theory]
    [InlineData("sqlite")]
    [InlineData("nats")]
    public async Task Stop_and_start_a_flow_from_the_flows_page_and_see_its_state_change_live(string transport)
    {
        await using var nats = transport == "nats" ? await NatsServer.StartAsync() : null;
        var folder = Directory.CreateTempSubdirectory("flowsdk-dashboard-flow-verbs-");
        string[] where = nats is null ? ["--db", Path.Combine(folder.FullName, "orders.db")] : ["--nats", nats.Url];
        await using var host = OrdersHost.Start(new Dictionary<string, string> { ["FlowSdk__Dashboard__Token"] = Token }, ["run", "--dashboard", "http://127.0.0.1:0", .. where]);
        await host.WaitForAsync("Dashboard on http://", TimeSpan.FromSeconds(60));

        await using var browser = await Browser.LaunchAsync();
        await browser.RunAsync($"flow-verbs-{transport}", async page =>
        {
            await page.GotoAsync(UrlOf(host).ToString());
            await Assertions.Expect(page.Locator("#deployment-state-order")).ToHaveTextAsync("Running");
            await Assertions.Expect(page.Locator("#flow-order-stop")).ToBeDisabledAsync();
            await Assertions.Expect(page.Locator("#flow-order-stop")).ToHaveAttributeAsync("title", "sign in with the token first");
            await Assertions.Expect(page.Locator("#flow-order-session-reason")).ToHaveTextAsync("sign in with the token first");
            await page.FillAsync("#token", Token);
            await page.ClickAsync("#sign-in");
            await Assertions.Expect(page.Locator("#session-state")).ToHaveTextAsync("Signed in: controls enabled");

            // A verb that does not apply is disabled, with the runtime's reason next to it.
            await Assertions.Expect(page.Locator("#flow-order-start")).ToBeDisabledAsync();
            await Assertions.Expect(page.Locator("#flow-order-start")).ToHaveAttributeAsync("title", "Cannot start flow 'order': it is Running; start applies to Deployed flows.");
            await Assertions.Expect(page.Locator("#flow-order-undeploy-reason")).ToHaveTextAsync("Cannot undeploy flow 'order': it is Running; undeploy applies to Deployed flows (stop it first).");

            // Stop, confirmed (without a reason: the deployment record keeps who and when): the result is shown and the state changes.
            await page.ClickAsync("#flow-order-stop");
            await Assertions.Expect(page.Locator("#confirm-text")).ToHaveTextAsync("Stop flow order?");
            await Assertions.Expect(page.Locator("#confirm-reason")).ToBeHiddenAsync();
            await page.ClickAsync("#confirm-yes");
            await Assertions.Expect(page.Locator("#notice-ok")).ToContainTextAsync("Flow order: Running → Deployed (version ");
            await Assertions.Expect(page.Locator("#deployment-state-order")).ToHaveTextAsync("Deployed");
            await Assertions.Expect(page.Locator("#deployment-order")).ToContainTextAsync("stop by dashboard");
            await Assertions.Expect(page.Locator("#flow-order-stop")).ToBeDisabledAsync();
            await Assertions.Expect(page.Locator("#flow-order-stop-reason")).ToHaveTextAsync("Cannot stop flow 'order': it is Deployed; stop applies to Running flows.");

            // Started from the command line of another process: the page shows it without a reload.
            await page.EvaluateAsync("() => { window.notReloaded = true; }");
            var started = await OrdersHost.RunAsync(["start", "order", "--by", "ops", .. where]);
            Assert.True(started.Code == 0, started.Output + started.Error);
            await Assertions.Expect(page.Locator("#deployment-state-order")).ToHaveTextAsync("Running");
            await Assertions.Expect(page.Locator("#deployment-order")).ToContainTextAsync("start by ops");
            Assert.True(await page.EvaluateAsync<bool>("() => window.notReloaded === true"), "The page was reloaded.");

            // Stopped again, a message waits; started from the page, the flow handles it.
            await page.ClickAsync("#flow-order-stop");
            await page.ClickAsync("#confirm-yes");
            await Assertions.Expect(page.Locator("#deployment-state-order")).ToHaveTextAsync("Deployed");
            var sent = await OrdersHost.RunAsync(["send", "orders.placed", """{"OrderId": "o-1", "Total": 5}""", .. where]);
            Assert.True(sent.Code == 0, sent.Output + sent.Error);
            await page.ClickAsync("#flow-order-start");
            await Assertions.Expect(page.Locator("#confirm-text")).ToHaveTextAsync("Start flow order?");
            await page.ClickAsync("#confirm-yes");
            await Assertions.Expect(page.Locator("#notice-ok")).ToContainTextAsync("Flow order: Deployed → Running (version ");
            await Assertions.Expect(page.Locator("#deployment-state-order")).ToHaveTextAsync("Running");
            await Assertions.Expect(page.Locator("#progress-order a[data-status='Running']")).ToHaveTextAsync("Running 1");

            lock (browser.Errors)
            {
                Assert.True(browser.Errors.Count == 0, "Console errors: " + string.Join(Environment.NewLine, browser.Errors));
            }
        }, host);
        folder.Delete(recursive: true);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("nats")]
    public async Task Approve_and_reject_from_the_execution_page_and_see_the_execution_continue(string transport)
    {
        await using var nats = transport == "nats" ? await NatsServer.StartAsync() : null;
        var folder = Directory.CreateTempSubdirectory("flowsdk-dashboard-approve-");
        string[] where = nats is null ? ["--db", Path.Combine(folder.FullName, "expenses.db")] : ["--nats", nats.Url];
        await using var host = ApprovalsHost.Start(new Dictionary<string, string> { ["FlowSdk__Dashboard__Token"] = Token }, ["run", "--dashboard", "http://127.0.0.1:0", .. where]);
        await host.WaitForAsync("Dashboard on http://", TimeSpan.FromSeconds(60));

        await using var browser = await Browser.LaunchAsync();
        await browser.RunAsync($"approve-{transport}", async page =>
        {
            await page.GotoAsync(UrlOf(host) + "#/approvals");
            await page.FillAsync("#token", Token);
            await page.ClickAsync("#sign-in");
            await Assertions.Expect(page.Locator("#session-state")).ToHaveTextAsync("Signed in: controls enabled");
            await Assertions.Expect(page.Locator("#approvals")).ToHaveTextAsync("No approval requests wait for a decision.");

            // A claim sent through the command line appears in the approvals list without a reload.
            await page.EvaluateAsync("() => { window.notReloaded = true; }");
            foreach (var (id, amount) in new[] { ("e-1", 400), ("e-2", 900) })
            {
                var sent = await ApprovalsHost.RunAsync(["send", "expenses.submitted", $$"""{"ExpenseId": "{{id}}", "Employee": "ann", "Amount": {{amount}}}""", .. where]);
                Assert.True(sent.Code == 0, sent.Output + sent.Error);
            }

            var row = page.Locator("tr[data-key='expense/e-1']");
            await Assertions.Expect(row).ToContainTextAsync("e-1.approval.1");
            await Assertions.Expect(row).ToContainTextAsync("Pay");
            await Assertions.Expect(page.Locator("tr[data-key='expense/e-2']")).ToContainTextAsync("e-2.approval.1");
            Assert.True(await page.EvaluateAsync<bool>("() => window.notReloaded === true"), "The page was reloaded.");

            // The execution page shows the request; pause does not apply, approve does.
            await row.Locator("a").ClickAsync();
            await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("WaitingForApproval");
            await Assertions.Expect(page.Locator("#approval")).ToContainTextAsync("rule Pay (request e-1.approval.1), requested 20");
            await Assertions.Expect(page.Locator("#approval")).ToContainTextAsync(", expires 20");
            await Assertions.Expect(page.Locator("#control-pause")).ToHaveAttributeAsync("title", "pause applies to Running and Waiting executions");
            await page.ClickAsync("#control-approve");
            await Assertions.Expect(page.Locator("#confirm-text")).ToHaveTextAsync("Approve execution e-1 of flow expense?");
            await Assertions.Expect(page.Locator("#confirm-reason")).ToBeVisibleAsync();
            await page.FillAsync("#confirm-reason", "receipt checked");
            await page.ClickAsync("#confirm-yes");
            await Assertions.Expect(page.Locator("#notice-ok")).ToHaveTextAsync("Execution e-1 of flow expense: approved; a host of the flow applies the decision.");

            // The host applies it: the claim is paid, live, and the buttons say why they no longer apply.
            await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Completed");
            await Assertions.Expect(page.Locator("#phase")).ToHaveTextAsync("Paid");
            await Assertions.Expect(page.Locator("#approval")).ToHaveTextAsync("none");
            await Assertions.Expect(page.Locator("#last-approval")).ToContainTextAsync("Pay (request e-1.approval.1): approved by dashboard at ");
            await Assertions.Expect(page.Locator("#last-approval")).ToContainTextAsync("(receipt checked)");
            await Assertions.Expect(page.Locator("#control-approve")).ToBeDisabledAsync();
            await Assertions.Expect(page.Locator("#control-pause-reason")).ToHaveTextAsync("it has ended, so it cannot be paused");
            await Assertions.Expect(page.Locator("#control-reject-reason")).ToHaveTextAsync("it has ended, so it cannot be rejected");

            // Rejected: the claim takes the flow's rejected path.
            await page.ClickAsync("#nav-approvals");
            await Assertions.Expect(page.Locator("tr[data-key='expense/e-1']")).ToHaveCountAsync(0);
            await page.Locator("tr[data-key='expense/e-2'] a").ClickAsync();
            await page.ClickAsync("#control-reject");
            await Assertions.Expect(page.Locator("#confirm-text")).ToHaveTextAsync("Reject execution e-2 of flow expense?");
            await page.FillAsync("#confirm-reason", "no receipt");
            await page.ClickAsync("#confirm-yes");
            await Assertions.Expect(page.Locator("#notice-ok")).ToHaveTextAsync("Execution e-2 of flow expense: rejected; a host of the flow applies the decision.");
            await Assertions.Expect(page.Locator("#phase")).ToHaveTextAsync("Refused");
            await Assertions.Expect(page.Locator("#last-approval")).ToContainTextAsync("rejected by dashboard at ");

            lock (browser.Errors)
            {
                Assert.True(browser.Errors.Count == 0, "Console errors: " + string.Join(Environment.NewLine, browser.Errors));
            }
        }, host);
        folder.Delete(recursive: true);
    }

    /// <summary>
    /// A change committed after the server answered a view's request, and announced before the page
    /// listened again, still reaches the view: the approvals list's request is held (by the browser's
    /// request routing) until the page has received the event of a claim sent meanwhile. And a view
    /// whose data comes late (the flows page's, held until the approvals view is shown) never
    /// replaces the view of a newer route.
    /// </summary>
    [Fact]
    public async Task A_change_announced_while_the_view_loads_is_shown_without_a_reload()
    {
        var folder = Directory.CreateTempSubdirectory("flowsdk-dashboard-missed-");
        string[] where = ["--db", Path.Combine(folder.FullName, "expenses.db")];
        await using var host = ApprovalsHost.Start(new Dictionary<string, string> { ["FlowSdk__Dashboard__Token"] = Token }, ["run", "--dashboard", "http://127.0.0.1:0", .. where]);
        await host.WaitForAsync("Dashboard on http://", TimeSpan.FromSeconds(60));

        await using var browser = await Browser.LaunchAsync();
        await browser.RunAsync("missed-event", async page =>
        {
            // Counts the execution events the page's EventSource receives.
            await page.AddInitScriptAsync("""
                window.executionEvents = 0;
                const Native = window.EventSource;
                window.EventSource = function (url) {
                  const source = new Native(url);
                  source.addEventListener('execution', () => { window.executionEvents++; });
                  return source;
                };
                """);
            await page.AddInitScriptAsync("""
                window.flowsAnswered = 0;
                const nativeFetch = window.fetch;
                window.fetch = async (...args) => {
                  const response = await nativeFetch(...args);
                  if (String(args[0]).startsWith('/api/flows')) window.flowsAnswered++;
                  return response;
                };
                """);
            var approvalsShown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await page.RouteAsync("**/api/flows", async route =>
            {
                await approvalsShown.Task;
                await route.ContinueAsync();
            });
            await page.GotoAsync(UrlOf(host) + "#/flows");
            await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("live");

            var held = 0;
            await page.RouteAsync("**/api/approvals", async route =>
            {
                if (Interlocked.Increment(ref held) > 1)
                {
                    await route.ContinueAsync();
                    return;
                }

                // The answer is read before the claim exists; the claim's event reaches the page before the answer does.
                var answer = await route.FetchAsync();
                var sent = await ApprovalsHost.RunAsync(["send", "expenses.submitted", """{"ExpenseId": "e-9", "Employee": "ann", "Amount": 700}""", .. where]);
                Assert.True(sent.Code == 0, sent.Output + sent.Error);
                await page.WaitForFunctionAsync("() => window.executionEvents > 0");
                await route.FulfillAsync(new RouteFulfillOptions { Response = answer });
            });

            await page.ClickAsync("#nav-approvals");
            await Assertions.Expect(page.Locator("tr[data-key='expense/e-9']")).ToContainTextAsync("e-9.approval.1");
            Assert.True(held >= 2, $"The list was requested {held} time(s): the held answer showed no claim, so only a second request can show it.");

            // The flows page's data arrives now, after the approvals view was shown: it is dropped.
            approvalsShown.SetResult();
            await page.WaitForFunctionAsync("() => window.flowsAnswered > 0");
            await page.WaitForTimeoutAsync(500);
            await Assertions.Expect(page.Locator("#deployment-expense")).ToHaveCountAsync(0);
            await Assertions.Expect(page.Locator("tr[data-key='expense/e-9']")).ToContainTextAsync("e-9.approval.1");
        }, host);
        folder.Delete(recursive: true);
    }
}
