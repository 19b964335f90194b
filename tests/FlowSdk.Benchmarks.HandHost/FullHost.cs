using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using FlowSdk;
using FlowSdk.Dashboard;
using FlowSdk.Generated;
using FlowSdk.Hosting;
using FlowSdk.Nats;
using FlowSdk.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrdersSample;

namespace HandHost;

/// <summary>
/// The second baseline (<c>-p:HandHostFeatures=true</c>, executable <c>HandHostFull</c>): a hand-written
/// host that offers what the generated host's command line offers for running flows, wired by hand
/// over FlowSdk's public libraries instead of the generated entry point and <c>FlowCli</c>. A
/// System.CommandLine command line with <c>send &lt;port&gt; &lt;json&gt;</c> and <c>run</c>, each with
/// <c>--nats</c> (NATS JetStream through FlowSdk.Nats), <c>--db</c> and <c>--in-memory</c>; <c>run</c>
/// is a generic host (Microsoft.Extensions.Hosting, <c>AddFlowSdk</c>) with <c>--dashboard [url]</c>
/// (FlowSdk's dashboard, on ASP.NET Core) and <c>--health-port</c>. <c>send</c> reads the message's
/// JSON with System.Text.Json (source-generated), then does what <see cref="Program"/> does. So its
/// executable links the same features (command line, generic host, ASP.NET Core, NATS.Net) and the
/// difference to the generated host is the generated host's own code, not the features. Not written
/// by hand: the generated host's other commands (executions, inspect, graph, validate, the controls).
/// </summary>
internal static class FullHost
{
    private static Task<int> Main(string[] args)
    {
        var nats = new Option<string?>("--nats") { Description = "The NATS server URL (for example nats://127.0.0.1:4222)." };
        var db = new Option<string?>("--db") { Description = $"The database file (default {SqliteFlowOptions.DefaultPath})." };
        var inMemory = new Option<bool>("--in-memory") { Description = "Keep everything in this process's memory." };
        var dashboard = new Option<string?>("--dashboard") { Description = $"Serve the dashboard on this URL ({FlowDashboardOptions.DefaultUrl} when none is given).", Arity = ArgumentArity.ZeroOrOne };
        var healthPort = new Option<int?>("--health-port") { Description = "Serve the health endpoints on this port." };
        var port = new Argument<string>("port") { Description = "The input port: orders.placed or OrderPlaced." };
        var json = new Argument<string>("json") { Description = "The message as a JSON object." };

        var send = new Command("send", "Sends a message to an input port and runs the flows until they are quiescent.") { port, json, nats, db, inMemory };
        send.SetAction((result, cancellationToken) => SendAsync(result.GetValue(port)!, result.GetValue(json)!, result.GetValue(nats), result.GetValue(db), result.GetValue(inMemory), cancellationToken));
        var run = new Command("run", "Runs the flows until Ctrl+C.") { nats, db, inMemory, dashboard, healthPort };
        run.SetAction((result, cancellationToken) => RunHostAsync(
            result.GetValue(nats),
            result.GetValue(db),
            result.GetValue(inMemory),
            result.GetResult(dashboard) is null ? null : result.GetValue(dashboard) ?? FlowDashboardOptions.DefaultUrl,
            result.GetValue(healthPort),
            cancellationToken));
        var root = new RootCommand("Runs the flows of samples/Orders.") { send, run };
        return root.Parse(args).InvokeAsync();
    }

    private static async Task<int> SendAsync(string port, string json, string? natsUrl, string? db, bool inMemory, CancellationToken cancellationToken)
    {
        if (port is not ("orders.placed" or nameof(OrderPlaced)))
        {
            await Console.Error.WriteLineAsync($"error: '{port}' is no input port of this host; use orders.placed.").ConfigureAwait(false);
            return 2;
        }

        OrderPlaced? message;
        try
        {
            message = JsonSerializer.Deserialize(json, HandJson.Default.OrderPlaced);
        }
        catch (JsonException ex)
        {
            await Console.Error.WriteLineAsync($"error: the message is not an OrderPlaced: {ex.Message}").ConfigureAwait(false);
            return 2;
        }

        if (message is null)
        {
            await Console.Error.WriteLineAsync("error: the message is null.").ConfigureAwait(false);
            return 2;
        }

        if (natsUrl is not null)
        {
            await using var infrastructure = await NatsFlowInfrastructure.ConnectAsync(new NatsFlowOptions { Url = natsUrl }, AssemblyFlows.All, cancellationToken).ConfigureAwait(false);
            return await Program.SendAsync(new FlowRuntimeOptions { Transport = infrastructure.Transport, StateStore = infrastructure.Store }, message).ConfigureAwait(false);
        }

        return await Program.SendAsync(inMemory, db ?? SqliteFlowOptions.DefaultPath, message).ConfigureAwait(false);
    }

    private static async Task<int> RunHostAsync(string? natsUrl, string? db, bool inMemory, string? dashboardUrl, int? healthPort, CancellationToken cancellationToken)
    {
        await using var infrastructure = natsUrl is null ? null : await NatsFlowInfrastructure.ConnectAsync(new NatsFlowOptions { Url = natsUrl }, AssemblyFlows.All, cancellationToken).ConfigureAwait(false);
        var builder = Host.CreateApplicationBuilder();
        var flows = builder.Services.AddFlowSdk().AddFlows(AssemblyFlows.All);
        if (infrastructure is not null)
        {
            flows.UseTransport(_ => infrastructure.Transport).UseStateStore(_ => infrastructure.Store);
        }
        else if (!inMemory)
        {
            flows.UseSqlite(o => o.Path = db ?? SqliteFlowOptions.DefaultPath);
        }

        if (dashboardUrl is not null)
        {
            builder.Services.AddFlowSdkDashboard(o => o.Url = dashboardUrl);
        }

        if (healthPort is { } health)
        {
            builder.Services.AddFlowSdkHealthEndpoints($"http://0.0.0.0:{health}");
        }

        using var host = builder.Build();
        await host.RunAsync(cancellationToken).ConfigureAwait(false);
        return 0;
    }
}

/// <summary>The JSON of the message <c>send</c> takes, source-generated.</summary>
[JsonSerializable(typeof(OrderPlaced))]
internal sealed partial class HandJson : JsonSerializerContext
{
}
