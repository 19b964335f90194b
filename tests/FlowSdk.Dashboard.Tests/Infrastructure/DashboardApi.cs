using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FlowSdk.Hosting.Tests.Infrastructure;

namespace FlowSdk.Dashboard.Tests.Infrastructure;

/// <summary>The JSON API as a script uses it: the address a host prints, requests and their answers, waiting on the live events.</summary>
internal static partial class DashboardApi
{
    /// <summary>The dashboard's address, from the line the host prints.</summary>
    public static Uri UrlOf(HostProcess host) => new(DashboardUrl().Match(host.Output).Groups[1].Value);

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
        => JsonDocument.Parse(await http.GetStringAsync(path)).RootElement.Clone();

    /// <summary>The <c>result</c> of a control that succeeded (200).</summary>
    public static async Task<string> ResultOf(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("result").GetString()!;
    }

    /// <summary>The <c>error</c> of a refused request, after checking its status.</summary>
    public static async Task<string> ErrorOf(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {status}, got {response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()!;
    }

    /// <summary>A control's state (<c>controls</c> of an execution or a flow's deployment): enabled, or the reason it is not.</summary>
    public static (bool Enabled, string? Reason) Control(JsonElement owner, string verb)
    {
        var control = owner.GetProperty("controls").EnumerateArray().Single(c => c.GetProperty("verb").GetString() == verb);
        return (control.GetProperty("enabled").GetBoolean(), control.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString() : null);
    }

    /// <summary>The deployment of <paramref name="flow"/> as <c>GET /api/flows</c> shows it.</summary>
    public static async Task<JsonElement> DeploymentAsync(HttpClient http, string flow)
        => (await GetJsonAsync(http, "/api/flows")).GetProperty("flows").EnumerateArray().Single(f => f.GetProperty("id").GetString() == flow).GetProperty("deployment");

    /// <summary>Waits for the host to handle the messages sent so far: the live events (server-sent events) say when the execution changed.</summary>
    public static async Task<JsonElement> WaitForStatusAsync(HttpClient http, string flow, string id, string status, HostProcess host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var events = new HttpClient { BaseAddress = http.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var stream = await events.GetStreamAsync("/api/events", timeout.Token);
        using var reader = new StreamReader(stream);
        try
        {
            // Subscribed first (the "ready" event), then read the current state: no change can fall between the two.
            while (await reader.ReadLineAsync(timeout.Token) is { } line && line != "event: ready")
            {
            }

            while (true)
            {
                var response = await http.GetAsync($"/api/executions/{flow}/{id}", timeout.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var execution = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token)).RootElement.Clone();
                    if (execution.GetProperty("status").GetString() == status)
                    {
                        return execution;
                    }
                }

                while (await reader.ReadLineAsync(timeout.Token) is { } line && !line.StartsWith("data: ", StringComparison.Ordinal))
                {
                }
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"Execution {id} of flow {flow} did not become {status} within 30 s. The host printed:\n{host.Output}");
            throw;
        }
    }

    [GeneratedRegex(@"Dashboard on (http://[^,\s]+?)\.?\r?\n")]
    private static partial Regex DashboardUrl();
}
