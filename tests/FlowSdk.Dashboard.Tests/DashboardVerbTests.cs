using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FlowSdk.Dashboard.Tests.Infrastructure;
using FlowSdk.Hosting.Tests.Infrastructure;
using static FlowSdk.Dashboard.Tests.Infrastructure.DashboardApi;

namespace FlowSdk.Dashboard.Tests;

/// <summary>
/// The flow verbs (deploy, start, stop, undeploy) and the approval verbs (approve, reject) of the JSON API,
/// as a script uses them: samples/Orders and samples/Approvals run with the dashboard on a SQLite file.
/// </summary>
public sealed class DashboardVerbTests
{
    private const string Token = "v3rbs";

    [Fact]
    public async Task Flow_verbs_change_the_deployment_with_the_token_and_anti_forgery_and_refuse_invalid_transitions()
    {
        var folder = Directory.CreateTempSubdirectory("flowsdk-dashboard-flow-verbs-");
        var database = Path.Combine(folder.FullName, "orders.db");
        await using var host = OrdersHost.Start(new Dictionary<string, string> { ["FlowSdk__Dashboard__Token"] = Token }, ["run", "--dashboard", "http://127.0.0.1:0", "--db", database]);
        await host.WaitForAsync("Dashboard on http://", TimeSpan.FromSeconds(60));
        var url = UrlOf(host);
        using var http = new HttpClient { BaseAddress = url };

        // Auto-deployed at start: Running, this host's version; only stop applies, the others say why not in the runtime's words.
        var running = await DeploymentAsync(http, "order");
        Assert.Equal("Running", running.GetProperty("state").GetString());
        var version = running.GetProperty("localVersion").GetString()!;
        Assert.Equal(version, running.GetProperty("version").GetString());
        Assert.True(running.GetProperty("versionMatches").GetBoolean());
        Assert.StartsWith("auto-deploy:", running.GetProperty("changedBy").GetString(), StringComparison.Ordinal);
        Assert.Equal((false, "Cannot deploy flow 'order': it is Running; deploy applies to NotDeployed flows (deploy --force replaces the deployed version and keeps the state)."), Control(running, "deploy"));
        Assert.Equal((false, "Cannot start flow 'order': it is Running; start applies to Deployed flows."), Control(running, "start"));
        Assert.Equal((true, null), Control(running, "stop"));
        Assert.Equal((false, "Cannot undeploy flow 'order': it is Running; undeploy applies to Deployed flows (stop it first)."), Control(running, "undeploy"));

        // Without the token nothing changes; a browser's session cookie needs the anti-forgery header too.
        Assert.Contains("needs the dashboard's token", await ErrorOf(await http.PostAsync("/api/flows/order/stop", Json("{}")), HttpStatusCode.Unauthorized));
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies };
        using var browser = new HttpClient(handler) { BaseAddress = url };
        Assert.Equal(HttpStatusCode.NoContent, (await browser.PostAsync("/api/session", Json($$"""{"token": "{{Token}}"}"""))).StatusCode);
        Assert.Contains("anti-forgery token is missing or invalid", await ErrorOf(await browser.PostAsync("/api/flows/order/stop", Json("{}")), HttpStatusCode.BadRequest));
        Assert.Equal("Running", (await DeploymentAsync(http, "order")).GetProperty("state").GetString());
        var session = await GetJsonAsync(browser, "/api/session");
        var stop = new HttpRequestMessage(HttpMethod.Post, "/api/flows/order/stop") { Content = Json("{}") };
        stop.Headers.Add(session.GetProperty("antiforgeryHeader").GetString()!, session.GetProperty("antiforgeryToken").GetString());
        Assert.Equal($"Flow order: Running → Deployed (version {version}).", await ResultOf(await browser.SendAsync(stop)));

        var stopped = await DeploymentAsync(http, "order");
        Assert.Equal(("Deployed", "dashboard", "Stop"), (stopped.GetProperty("state").GetString(), stopped.GetProperty("changedBy").GetString(), stopped.GetProperty("lastAction").GetString()));
        Assert.Equal((true, null), Control(stopped, "start"));
        Assert.Equal((true, null), Control(stopped, "undeploy"));
        Assert.Equal((false, "Cannot stop flow 'order': it is Deployed; stop applies to Running flows."), Control(stopped, "stop"));

        // Stopping twice (another operator was first): 409 with the runtime's reason.
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Assert.Equal("Cannot stop flow 'order': it is Deployed; stop applies to Running flows.", await ErrorOf(await http.PostAsync("/api/flows/order/stop", null), HttpStatusCode.Conflict));

        // A message sent while the flow is stopped waits for it.
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("/api/ports/orders.placed/messages", Json("""{"OrderId": "o-1", "Total": 5}"""))).StatusCode);

        Assert.Equal($"Flow order: Deployed → NotDeployed (version {version}).", await ResultOf(await http.PostAsync("/api/flows/order/undeploy", Json("{}"))));
        var undeployed = await DeploymentAsync(http, "order");
        Assert.Equal("NotDeployed", undeployed.GetProperty("state").GetString());
        Assert.Equal((false, "Cannot start flow 'order': it is NotDeployed; start applies to Deployed flows (deploy it first)."), Control(undeployed, "start"));
        Assert.Equal((true, null), Control(undeployed, "deploy"));
        Assert.Equal($"Flow order: NotDeployed → Deployed (version {version}).", await ResultOf(await http.PostAsync("/api/flows/order/deploy", Json("{}"))));

        // Started from another process (the command line): the dashboard's live events carry the change.
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        using (var events = new HttpClient { BaseAddress = url, Timeout = Timeout.InfiniteTimeSpan })
        using (var reader = new StreamReader(await events.GetStreamAsync("/api/events", timeout.Token)))
        {
            while (await reader.ReadLineAsync(timeout.Token) is { } line && line != "event: ready")
            {
            }

            var started = await OrdersHost.RunAsync(["start", "order", "--by", "ops", "--db", database]);
            Assert.True(started.Code == 0, started.Output + started.Error);
            JsonElement live;
            while (true)
            {
                var line = await reader.ReadLineAsync(timeout.Token);
                if (line == "event: deployment")
                {
                    live = JsonDocument.Parse((await reader.ReadLineAsync(timeout.Token))!["data: ".Length..]).RootElement.Clone();
                    if (live.GetProperty("state").GetString() == "Running")
                    {
                        break;
                    }
                }
            }

            Assert.Equal(("order", "ops", "Start"), (live.GetProperty("flow").GetString(), live.GetProperty("changedBy").GetString(), live.GetProperty("lastAction").GetString()));
            Assert.Equal((true, null), Control(live, "stop"));
        }

        // Running again: the message that waited is handled.
        await WaitForStatusAsync(http, "order", "o-1", "Running", host);

        // Unknown flows and verbs, and a body that is not JSON.
        Assert.Equal("No flow 'nope'. The flows are: order.", await ErrorOf(await http.PostAsync("/api/flows/nope/stop", Json("{}")), HttpStatusCode.NotFound));
        Assert.Equal("No flow verb 'explode'. The verbs are: deploy, start, stop, undeploy.", await ErrorOf(await http.PostAsync("/api/flows/order/explode", Json("{}")), HttpStatusCode.NotFound));
        Assert.Contains("not valid JSON", await ErrorOf(await http.PostAsync("/api/flows/order/stop", Json("""{"reason": """)), HttpStatusCode.BadRequest));
        Assert.Equal("Running", (await DeploymentAsync(http, "order")).GetProperty("state").GetString());
        folder.Delete(recursive: true);
    }

    [Fact]
    public async Task Approve_and_reject_decide_what_waits_once_and_the_host_applies_the_decision()
    {
        var folder = Directory.CreateTempSubdirectory("flowsdk-dashboard-approvals-");
        await using var host = ApprovalsHost.Start(new Dictionary<string, string> { ["FlowSdk__Dashboard__Token"] = Token }, ["run", "--dashboard", "http://127.0.0.1:0", "--db", Path.Combine(folder.FullName, "expenses.db")]);
        await host.WaitForAsync("Dashboard on http://", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = UrlOf(host) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("/api/ports/expenses.submitted/messages", Json("""{"ExpenseId": "e-1", "Employee": "ann", "Amount": 400}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("/api/ports/expenses.submitted/messages", Json("""{"ExpenseId": "e-2", "Employee": "bob", "Amount": 900}"""))).StatusCode);

        // The pending request: rule, when it was requested, when it expires (the flow's two days); approve and reject apply, pause does not.
        var waiting = await WaitForStatusAsync(http, "expense", "e-1", "WaitingForApproval", host);
        await WaitForStatusAsync(http, "expense", "e-2", "WaitingForApproval", host);
        var request = waiting.GetProperty("approval");
        Assert.Equal(("Pay", "e-1.approval.1"), (request.GetProperty("rule").GetString(), request.GetProperty("requestId").GetString()));
        Assert.Equal(request.GetProperty("requestedAt").GetDateTimeOffset() + TimeSpan.FromDays(2), request.GetProperty("expiresAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, request.GetProperty("decision").ValueKind);
        Assert.Equal((true, null), Control(waiting, "approve"));
        Assert.Equal((true, null), Control(waiting, "reject"));
        Assert.Equal((false, "pause applies to Running and Waiting executions"), Control(waiting, "pause"));

        // The list of what waits, oldest first; filters by flow and rule.
        var pending = (await GetJsonAsync(http, "/api/approvals")).GetProperty("approvals").EnumerateArray().ToList();
        Assert.Equal(["e-1", "e-2"], pending.Select(p => p.GetProperty("executionId").GetString()).Order());
        Assert.True(pending[0].GetProperty("requestedAt").GetDateTimeOffset() <= pending[1].GetProperty("requestedAt").GetDateTimeOffset());
        Assert.Equal(2, (await GetJsonAsync(http, "/api/approvals?flow=expense&rule=Pay")).GetProperty("approvals").GetArrayLength());
        Assert.Equal("No rule 'Refuse' that requires approval in flow(s) expense; those that do: expense.PaySmall, expense.Pay.", await ErrorOf(await http.GetAsync("/api/approvals?rule=Refuse"), HttpStatusCode.NotFound));
        Assert.Equal("No flow 'nope'. The flows are: expense.", await ErrorOf(await http.GetAsync("/api/approvals?flow=nope"), HttpStatusCode.NotFound));

        // Without the token nobody decides.
        using (var anonymous = new HttpClient { BaseAddress = http.BaseAddress })
        {
            await ErrorOf(await anonymous.PostAsync("/api/executions/expense/e-1/approve", Json("{}")), HttpStatusCode.Unauthorized);
        }

        // With the flow stopped, no host applies a decision: it stays recorded, and a second one is refused.
        await ResultOf(await http.PostAsync("/api/flows/expense/stop", null));
        Assert.Equal("Execution e-1 of flow expense: approved; a host of the flow applies the decision.", await ResultOf(await http.PostAsync("/api/executions/expense/e-1/approve", Json("""{"reason": "receipt checked"}"""))));
        var decided = await GetJsonAsync(http, "/api/executions/expense/e-1");
        var decision = decided.GetProperty("approval").GetProperty("decision");
        Assert.Equal((true, "dashboard", "receipt checked"), (decision.GetProperty("approved").GetBoolean(), decision.GetProperty("by").GetString(), decision.GetProperty("reason").GetString()));
        var (enabled, reason) = Control(decided, "reject");
        Assert.False(enabled);
        Assert.StartsWith("its request e-1.approval.1 was already approved by dashboard at ", reason, StringComparison.Ordinal);
        Assert.Equal(["e-2"], (await GetJsonAsync(http, "/api/approvals")).GetProperty("approvals").EnumerateArray().Select(p => p.GetProperty("executionId").GetString()));
        Assert.StartsWith("Cannot reject execution e-1 of flow expense: its request e-1.approval.1 was already approved by dashboard at ", await ErrorOf(await http.PostAsync("/api/executions/expense/e-1/reject", Json("{}")), HttpStatusCode.Conflict));
        Assert.Equal("Execution e-2 of flow expense: rejected; a host of the flow applies the decision.", await ResultOf(await http.PostAsync("/api/executions/expense/e-2/reject", Json("""{"reason": "no receipt"}"""))));

        // Started again, the host applies both: e-1 is paid, e-2 takes the rejected path.
        await ResultOf(await http.PostAsync("/api/flows/expense/start", null));
        var paid = await WaitForStatusAsync(http, "expense", "e-1", "Completed", host);
        Assert.Equal("Paid", paid.GetProperty("phase").GetString());
        Assert.Equal(JsonValueKind.Null, paid.GetProperty("approval").ValueKind);
        Assert.Equal("dashboard", paid.GetProperty("lastApproval").GetProperty("by").GetString());
        var approvedEntry = paid.GetProperty("timeline").EnumerateArray().Single(t => t.GetProperty("action").GetString() == "Approve");
        Assert.Equal(("Pay", "Control", "dashboard"), (approvedEntry.GetProperty("rule").GetString(), approvedEntry.GetProperty("trigger").GetString(), approvedEntry.GetProperty("source").GetString()));
        var refused = await WaitForStatusAsync(http, "expense", "e-2", "Completed", host);
        Assert.Equal("Refused", refused.GetProperty("phase").GetString());
        var last = refused.GetProperty("lastApproval");
        Assert.Equal((false, "dashboard", "no receipt"), (last.GetProperty("approved").GetBoolean(), last.GetProperty("by").GetString(), last.GetProperty("reason").GetString()));
        Assert.Equal(0, (await GetJsonAsync(http, "/api/approvals")).GetProperty("approvals").GetArrayLength());

        // Deciding an ended execution, an unknown one, or with a body that is not JSON.
        Assert.Equal((false, "it has ended, so it cannot be approved"), Control(paid, "approve"));
        Assert.Equal("Cannot approve execution e-1 of flow expense: it has ended, so it cannot be approved", await ErrorOf(await http.PostAsync("/api/executions/expense/e-1/approve", Json("{}")), HttpStatusCode.Conflict));
        Assert.Equal("No execution 'e-9' in flow expense.", await ErrorOf(await http.PostAsync("/api/executions/expense/e-9/approve", Json("{}")), HttpStatusCode.NotFound));
        Assert.Contains("not valid JSON", await ErrorOf(await http.PostAsync("/api/executions/expense/e-1/approve", Json("{\"reason\"")), HttpStatusCode.BadRequest));
        folder.Delete(recursive: true);
    }
}
