using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using FlowSdk.Hosting.Tests.Infrastructure;

namespace FlowSdk.Dashboard.Tests;

/// <summary>The JSON API of docs/dashboard.md, as a script uses it: samples/Orders run with the dashboard on a SQLite file.</summary>
public sealed partial class DashboardApiTests
{
    [Fact]
    public async Task Bad_requests_get_a_clear_4xx_and_a_client_message_id_deduplicates_retries()
    {
        var folder = Directory.CreateTempSubdirectory("flowsdk-dashboard-api-");
        await using var host = OrdersHost.Start(new Dictionary<string, string> { ["FlowSdk__Dashboard__Token"] = "t0ken" }, ["run", "--dashboard", "http://127.0.0.1:0", "--db", Path.Combine(folder.FullName, "orders.db")]);
        await host.WaitForAsync("Dashboard on http://", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri(DashboardUrl().Match(host.Output).Groups[1].Value) };

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/executions/nope/x")).StatusCode);
        Assert.Contains("No flow 'nope'. The flows are: order.", await ErrorOf(http, "/api/executions/nope/x"));
        Assert.Contains("No execution 'x' in flow order.", await ErrorOf(http, "/api/executions/order/x"));
        Assert.Contains("Query parameter 'limit'", await ErrorOf(http, "/api/executions?limit=100000"));
        Assert.Contains("Query parameter 'status'", await ErrorOf(http, "/api/executions?status=Sleeping"));

        // State-changing requests need the token.
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/ports/orders.placed/messages", Json("""{"OrderId": "o-a", "Total": 1}"""))).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/ports/orders.placed/messages", Json("""{"OrderId": "o-a", "Total": 1}"""))).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "t0ken");

        // Validated as send validates: 400 naming the field, 404 for a port that is not there.
        Assert.Contains("Field 'Total' of OrderPlaced", Regex.Unescape(await (await http.PostAsync("/api/ports/OrderPlaced/messages", Json("""{"OrderId": "o-a", "Total": "much"}"""))).Content.ReadAsStringAsync()));
        var bad = await http.PostAsync("/api/ports/OrderPlaced/messages", Json("""{"OrderId": "o-a", "Total": "much"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("Field 'Total' of OrderPlaced", await bad.Content.ReadAsStringAsync());
        var notJson = await http.PostAsync("/api/ports/orders.placed/messages", Json("""{"OrderId": """));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Contains("not valid JSON", await notJson.Content.ReadAsStringAsync());
        var unknownPort = await http.PostAsync("/api/ports/orders.lost/messages", Json("{}"));
        Assert.Equal(HttpStatusCode.NotFound, unknownPort.StatusCode);
        Assert.Contains("No input port 'orders.lost'", await unknownPort.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/api/executions/order/x/explode", Json("{}"))).StatusCode);

        // The same Idempotency-Key twice: the second message is dropped, even with another body.
        Assert.Equal(HttpStatusCode.Accepted, (await Send(http, """{"OrderId": "o-a", "Total": 1}""", "key-1")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await Send(http, """{"OrderId": "o-b", "Total": 2}""", "key-1")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await Send(http, """{"OrderId": "o-c", "Total": 3}""", "key-2")).StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await http.GetAsync("/api/executions/order/o-c")).StatusCode != HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < deadline, "o-c was never stored. The host printed:\n" + host.Output);
            await Task.Delay(100);
        }

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/executions/order/o-a")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/executions/order/o-b")).StatusCode);
        var list = await http.GetStringAsync("/api/executions?flow=order&q=O-&limit=1&offset=1");
        Assert.Contains("\"total\":2", list);
        folder.Delete(recursive: true);
    }

    [Fact]
    public async Task Without_a_token_the_dashboard_is_read_only()
    {
        var folder = Directory.CreateTempSubdirectory("flowsdk-dashboard-ro-");
        await using var host = OrdersHost.Start(null, ["run", "--dashboard", "http://127.0.0.1:0", "--db", Path.Combine(folder.FullName, "orders.db")]);
        await host.WaitForAsync("Dashboard on http://", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri(DashboardUrl().Match(host.Output).Groups[1].Value) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "anything");
        var refused = await http.PostAsync("/api/ports/orders.placed/messages", Json("""{"OrderId": "o-a", "Total": 1}"""));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("read-only", await refused.Content.ReadAsStringAsync());
        foreach (var path in new[] { "/api/flows/order/stop", "/api/flows/order/deploy", "/api/executions/order/o-a/approve", "/api/executions/order/o-a/reject" })
        {
            var verb = await http.PostAsync(path, Json("{}"));
            Assert.True(verb.StatusCode == HttpStatusCode.Forbidden, $"{path}: {verb.StatusCode}");
            Assert.Contains("read-only", await verb.Content.ReadAsStringAsync());
        }

        Assert.Contains("\"readOnly\":true", await http.GetStringAsync("/api/session"));
        Assert.Contains("\"readOnly\":true", await http.GetStringAsync("/api/flows"));
        folder.Delete(recursive: true);
    }

    private static async Task<string> ErrorOf(HttpClient http, string path)
    {
        var response = await http.GetAsync(path);
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{path}: {response.StatusCode}");
        return Regex.Unescape(await response.Content.ReadAsStringAsync());
    }

    private static Task<HttpResponseMessage> Send(HttpClient http, string json, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/ports/orders.placed/messages") { Content = Json(json) };
        request.Headers.Add("Idempotency-Key", key);
        return http.SendAsync(request);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [GeneratedRegex(@"Dashboard on (http://[^,\s]+?)\.?\r?\n")]
    private static partial Regex DashboardUrl();
}
