using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using FlowSdk.Dashboard.Tests.Infrastructure;
using FlowSdk.Hosting.Tests.Infrastructure;

namespace FlowSdk.Dashboard.Tests;

/// <summary>The execution controls of the JSON API, as a script uses them against samples/Orders on a SQLite file.</summary>
public sealed partial class DashboardControlTests
{
    private const string Token = "c0ntrol";

    [Fact]
    public async Task Execution_controls_apply_with_the_token_record_who_and_why_and_refuse_invalid_transitions()
    {
        var folder = Directory.CreateTempSubdirectory("flowsdk-dashboard-controls-");
        await using var host = OrdersHost.Start(new Dictionary<string, string> { ["FlowSdk__Dashboard__Token"] = Token }, ["run", "--dashboard", "http://127.0.0.1:0", "--db", Path.Combine(folder.FullName, "orders.db")]);
        await host.WaitForAsync("Dashboard on http://", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri(DashboardUrl().Match(host.Output).Groups[1].Value) };

        // Without the token nothing changes.
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/executions/order/o-1/pause", Json("{}"))).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("/api/ports/orders.placed/messages", Json("""{"OrderId": "o-1", "Total": 5}"""))).StatusCode);
        var placed = await WaitForStatusAsync(http, "o-1", "Running", host);

        // The page offers each verb, disabled with the runtime's reason where the status does not allow it.
        Assert.Equal((true, null), Control(placed, "pause"));
        Assert.Equal((false, "resume applies to Paused executions"), Control(placed, "resume"));
        Assert.Equal((true, null), Control(placed, "cancel"));
        Assert.Equal((false, "retry applies to Failed and TimedOut executions"), Control(placed, "retry"));

        Assert.Equal("Execution o-1 of flow order: Running → Paused.", await ResultOf(await http.PostAsync("/api/executions/order/o-1/pause", Json("""{"reason": "checking the address"}"""))));
        var paused = await ExecutionAsync(http, "o-1");
        Assert.Equal("Paused", paused.GetProperty("status").GetString());
        Assert.Equal("Paused by dashboard: checking the address", paused.GetProperty("statusReason").GetString());
        Assert.Equal((false, "pause applies to Running and Waiting executions"), Control(paused, "pause"));

        // A transition that is not valid is a 409 naming the status, and nothing changes.
        var again = await http.PostAsync("/api/executions/order/o-1/pause", Json("{}"));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("Cannot pause execution o-1 of flow order: pause applies to Running and Waiting executions", await ErrorText(again));

        // A payment while paused is kept, and handled on resume: the order ships.
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("/api/ports/orders.paid/messages", Json("""{"OrderId": "o-1", "Amount": 5}"""))).StatusCode);
        Assert.Equal("Execution o-1 of flow order: Paused → Running.", await ResultOf(await http.PostAsync("/api/executions/order/o-1/resume", null)));
        var shipped = await WaitForStatusAsync(http, "o-1", "Completed", host);
        Assert.Equal("Shipped", shipped.GetProperty("phase").GetString());
        var cancelEnded = await http.PostAsync("/api/executions/order/o-1/cancel", Json("{}"));
        Assert.Equal(HttpStatusCode.Conflict, cancelEnded.StatusCode);
        Assert.Contains("it has ended, so it cannot be cancelled", await ErrorText(cancelEnded));

        // Cancel records who and why in the status and the timeline.
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("/api/ports/orders.placed/messages", Json("""{"OrderId": "o-2", "Total": 9}"""))).StatusCode);
        await WaitForStatusAsync(http, "o-2", "Running", host);
        Assert.Equal("Execution o-2 of flow order: Running → Cancelled.", await ResultOf(await http.PostAsync("/api/executions/order/o-2/cancel", Json("""{"reason": "customer called"}"""))));
        var cancelled = await ExecutionAsync(http, "o-2");
        Assert.Equal("Cancelled by dashboard: customer called", cancelled.GetProperty("statusReason").GetString());
        var last = cancelled.GetProperty("timeline").EnumerateArray().Last();
        Assert.Equal("Cancel", last.GetProperty("rule").GetString());
        Assert.Equal("Control", last.GetProperty("trigger").GetString());
        Assert.Equal("dashboard", last.GetProperty("source").GetString());
        Assert.All(cancelled.GetProperty("controls").EnumerateArray(), c => Assert.False(c.GetProperty("enabled").GetBoolean()));

        // Unknown verbs and executions, and a body that is not JSON.
        var unknownVerb = await http.PostAsync("/api/executions/order/o-2/explode", Json("{}"));
        Assert.Equal(HttpStatusCode.NotFound, unknownVerb.StatusCode);
        Assert.Contains("No execution verb 'explode'. The verbs are: pause, resume, cancel, retry, approve, reject.", await ErrorText(unknownVerb));
        var unknownExecution = await http.PostAsync("/api/executions/order/o-9/cancel", Json("{}"));
        Assert.Equal(HttpStatusCode.NotFound, unknownExecution.StatusCode);
        Assert.Contains("No execution 'o-9' in flow order.", await ErrorText(unknownExecution));
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("/api/executions/order/o-2/retry", Json("""{"reason": """))).StatusCode);
        folder.Delete(recursive: true);
    }

    [Fact]
    public async Task Two_hosts_on_nats_each_show_every_execution_and_a_control_given_on_one_is_seen_on_the_other()
    {
        await using var nats = await NatsServer.StartAsync();
        var environment = new Dictionary<string, string> { ["FlowSdk__Dashboard__Token"] = Token };
        await using var first = OrdersHost.Start(environment, ["run", "--nats", nats.Url, "--dashboard", "http://127.0.0.1:0"]);
        await using var second = OrdersHost.Start(environment, ["run", "--nats", nats.Url, "--dashboard", "http://127.0.0.1:0"]);
        await first.WaitForAsync("Dashboard on http://", TimeSpan.FromSeconds(60));
        await second.WaitForAsync("Dashboard on http://", TimeSpan.FromSeconds(60));
        using var a = new HttpClient { BaseAddress = new Uri(DashboardUrl().Match(first.Output).Groups[1].Value) };
        using var b = new HttpClient { BaseAddress = new Uri(DashboardUrl().Match(second.Output).Groups[1].Value) };
        a.DefaultRequestHeaders.Authorization = b.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        // Messages through one host's HTTP trigger: either host may handle them; both list both executions.
        foreach (var id in new[] { "m-1", "m-2" })
        {
            Assert.Equal(HttpStatusCode.Accepted, (await a.PostAsync("/api/ports/orders.placed/messages", Json($$"""{"OrderId": "{{id}}", "Total": 4}"""))).StatusCode);
        }

        foreach (var (http, host) in new[] { (a, first), (b, second) })
        {
            await WaitForStatusAsync(http, "m-1", "Running", host);
            await WaitForStatusAsync(http, "m-2", "Running", host);
            Assert.Contains("\"total\":2", await http.GetStringAsync("/api/executions?flow=order"));
        }

        // Paused on the second host's dashboard: the first host's shows it and keeps the payment for it.
        Assert.Equal("Execution m-1 of flow order: Running → Paused.", await ResultOf(await b.PostAsync("/api/executions/order/m-1/pause", Json("""{"reason": "fraud check"}"""))));
        var paused = await WaitForStatusAsync(a, "m-1", "Paused", first);
        Assert.Equal("Paused by dashboard: fraud check", paused.GetProperty("statusReason").GetString());
        Assert.Equal(HttpStatusCode.Accepted, (await a.PostAsync("/api/ports/orders.paid/messages", Json("""{"OrderId": "m-1", "Amount": 4}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await a.PostAsync("/api/ports/orders.paid/messages", Json("""{"OrderId": "m-2", "Amount": 4}"""))).StatusCode);
        await WaitForStatusAsync(b, "m-2", "Completed", second);
        Assert.Equal("Paused", (await ExecutionAsync(b, "m-1")).GetProperty("status").GetString());

        // Resumed on the first: the kept payment ships it, and the second host sees the end.
        Assert.Equal("Execution m-1 of flow order: Paused → Running.", await ResultOf(await a.PostAsync("/api/executions/order/m-1/resume", null)));
        var shipped = await WaitForStatusAsync(b, "m-1", "Completed", second);
        Assert.Equal(["Place", "Pause", "Resume", "Ship"], shipped.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("rule").GetString()));

        // Stopped on the first host's dashboard: the second shows it, and the order placed meanwhile waits until the second starts the flow again.
        Assert.StartsWith("Flow order: Running → Deployed", await ResultOf(await a.PostAsync("/api/flows/order/stop", null)), StringComparison.Ordinal);
        Assert.Equal(("Deployed", "dashboard"), await DeploymentStateAsync(b));
        Assert.Equal(HttpStatusCode.Accepted, (await a.PostAsync("/api/ports/orders.placed/messages", Json("""{"OrderId": "m-3", "Total": 4}"""))).StatusCode);
        Assert.StartsWith("Flow order: Deployed → Running", await ResultOf(await b.PostAsync("/api/flows/order/start", null)), StringComparison.Ordinal);
        Assert.Equal(("Running", "dashboard"), await DeploymentStateAsync(a));
        await WaitForStatusAsync(a, "m-3", "Running", first);
    }

    [Fact]
    public async Task An_execution_that_dropped_timeline_entries_reports_how_many_and_when_the_first_was()
    {
        var folder = Directory.CreateTempSubdirectory("flowsdk-dashboard-timeline-");
        await using var host = OrdersHost.Start(
            new Dictionary<string, string> { ["FlowSdk__Dashboard__Token"] = Token, ["FlowSdk__MaxTimelineEntries"] = "1" },
            ["run", "--dashboard", "http://127.0.0.1:0", "--db", Path.Combine(folder.FullName, "orders.db")]);
        await host.WaitForAsync("Dashboard on http://", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri(DashboardUrl().Match(host.Output).Groups[1].Value) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("/api/ports/orders.placed/messages", Json("""{"OrderId": "o-9", "Total": 5}"""))).StatusCode);
        var placed = await WaitForStatusAsync(http, "o-9", "Running", host);
        Assert.Equal(0, placed.GetProperty("droppedTimelineEntries").GetInt64());
        Assert.Equal(JsonValueKind.Null, placed.GetProperty("firstTimelineEntryAt").ValueKind);

        Assert.Equal("Execution o-9 of flow order: Running → Paused.", await ResultOf(await http.PostAsync("/api/executions/order/o-9/pause", Json("{}"))));
        Assert.Equal("Execution o-9 of flow order: Paused → Running.", await ResultOf(await http.PostAsync("/api/executions/order/o-9/resume", null)));
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("/api/ports/orders.paid/messages", Json("""{"OrderId": "o-9", "Amount": 5}"""))).StatusCode);
        var shipped = await WaitForStatusAsync(http, "o-9", "Completed", host);

        // Place, Pause, Resume, then the firing that ships it trims the timeline to its one entry.
        Assert.Equal("Ship", Assert.Single(shipped.GetProperty("timeline").EnumerateArray()).GetProperty("rule").GetString());
        Assert.Equal(3, shipped.GetProperty("droppedTimelineEntries").GetInt64());
        Assert.Equal(placed.GetProperty("timeline")[0].GetProperty("at").GetDateTimeOffset(), shipped.GetProperty("firstTimelineEntryAt").GetDateTimeOffset());
    }

    private static (bool Enabled, string? Reason) Control(JsonElement execution, string verb) => DashboardApi.Control(execution, verb);

    private static async Task<JsonElement> ExecutionAsync(HttpClient http, string id)
        => JsonDocument.Parse(await http.GetStringAsync($"/api/executions/order/{id}")).RootElement.Clone();

    private static Task<JsonElement> WaitForStatusAsync(HttpClient http, string id, string status, HostProcess host) => DashboardApi.WaitForStatusAsync(http, "order", id, status, host);

    private static Task<string> ResultOf(HttpResponseMessage response) => DashboardApi.ResultOf(response);

    private static async Task<(string? State, string? ChangedBy)> DeploymentStateAsync(HttpClient http)
    {
        var deployment = await DashboardApi.DeploymentAsync(http, "order");
        return (deployment.GetProperty("state").GetString(), deployment.GetProperty("changedBy").GetString());
    }

    private static async Task<string> ErrorText(HttpResponseMessage response)
        => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()!;

    private static StringContent Json(string json) => DashboardApi.Json(json);

    [GeneratedRegex(@"Dashboard on (http://[^,\s]+?)\.?\r?\n")]
    private static partial Regex DashboardUrl();
}
