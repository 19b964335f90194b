using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FlowSdk.Hosting;

/// <summary>The <c>progress</c> command: executions per flow and status, from the store's progress counters.</summary>
public static partial class FlowCli
{
    private static readonly TimeSpan DefaultWatchInterval = TimeSpan.FromSeconds(2);

    /// <summary>Adds <c>progress [--flow id] [--json] [--watch [seconds]] [--count n] [--recount]</c>.</summary>
    private static void AddProgressCommand(RootCommand root, IReadOnlyList<FlowDefinition> flows, FlowCliEnvironment env, Option<string?> nats, Option<string?> db)
    {
        var flow = new Option<string?>("--flow") { Description = "Only this flow id." };
        var json = new Option<bool>("--json") { Description = "Print JSON: one object per reading, {\"asOf\", \"flows\": [{\"flow\", \"total\", \"counts\": {status: n}}]}." };
        var watch = new Option<double?>("--watch")
        {
            Description = $"Read again every this many seconds ({DefaultWatchInterval.TotalSeconds} when no value is given) until Ctrl+C; on a terminal the table is redrawn in place.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var count = new Option<int?>("--count") { Description = "With --watch: stop after this many readings." };
        var recount = new Option<bool>("--recount") { Description = "Count the executions again (a listing) and replace the counters with the result, then print them: the repair when counters are off (docs/operations.md). On NATS, recount while the flow is quiet." };
        var command = new Command("progress", "Shows how many executions of each flow are in each status (Running, Waiting, Paused, WaitingForApproval, Completed, Failed, Cancelled, Escalated, TimedOut), from the counters the store keeps with every state write: no listing, exact across hosts, also while hosts run the flows.\nExample: dotnet run -- progress --watch --nats nats://127.0.0.1:4222")
        {
            flow, json, watch, count, recount, nats, db,
        };
        command.SetAction((result, cancellationToken) => Guard(env, () =>
        {
            TimeSpan? every = null;
            if (result.GetResult(watch) is not null)
            {
                var seconds = result.GetValue(watch) ?? DefaultWatchInterval.TotalSeconds;
                if (!(seconds > 0) || seconds > TimeSpan.MaxValue.TotalSeconds)
                {
                    throw new FlowCliException($"--watch takes a number of seconds greater than 0, not {seconds.ToString(CultureInfo.InvariantCulture)}.");
                }

                every = TimeSpan.FromSeconds(seconds);
            }

            var readings = result.GetValue(count);
            if (readings is not null && (every is null || readings < 1))
            {
                throw new FlowCliException(every is null ? "--count goes with --watch: it says after how many readings to stop." : $"--count takes a number of readings of 1 or more, not {readings}.");
            }

            if (result.GetValue(recount) && every is not null)
            {
                throw new FlowCliException("--recount counts once; it does not go with --watch.");
            }

            return ProgressAsync(flows, env, result.GetValue(flow), result.GetValue(json), every, readings, result.GetValue(recount), Choose(result.GetValue(nats), result.GetValue(db), inMemory: false), cancellationToken);
        }));
        root.Subcommands.Add(command);
    }

    private static async Task<int> ProgressAsync(IReadOnlyList<FlowDefinition> flows, FlowCliEnvironment env, string? flowId, bool asJson, TimeSpan? every, int? readings, bool recount, BackendChoice choice, CancellationToken cancellationToken)
    {
        var selected = SelectFlows(flows, flowId);
        var backend = Resolve(choice, env);
        await using var connection = await StoreAsync(env, backend, cancellationToken).ConfigureAwait(false);
        if (connection is null)
        {
            await env.Out.WriteLineAsync($"No executions {backend.Where()}.").ConfigureAwait(false);
            return Success;
        }

        var redraw = every is not null && env.LiveStatus && !asJson;
        for (var reading = 1; ; reading++)
        {
            var progress = new List<FlowProgress>();
            foreach (var flow in selected)
            {
                try
                {
                    progress.Add(recount
                        ? await FlowProgress.RecountAsync(connection.Store, flow, cancellationToken: cancellationToken).ConfigureAwait(false)
                        : await FlowProgress.ReadAsync(connection.Store, flow, cancellationToken: cancellationToken).ConfigureAwait(false));
                }
                catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or FormatException)
                {
                    // An unreadable execution or counter key, a store without counters, a recount that met a busy flow.
                    throw new FlowCliException(ex.Message, Failed);
                }
            }

            var text = asJson ? ProgressJson(progress) : ProgressTable(progress);
            await env.Out.WriteAsync((redraw ? "\u001b[H\u001b[2J" : "") + text).ConfigureAwait(false);
            await env.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (every is not { } interval || reading == readings)
            {
                return Success;
            }

            try
            {
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return Success; // Ctrl+C ends a watch
            }
        }
    }

    /// <summary>One row per flow, one column per status, then the total and when the counters were read.</summary>
    internal static string ProgressTable(IReadOnlyList<FlowProgress> progress)
    {
        var text = new StringBuilder();
        var width = Math.Max(20, progress.Count == 0 ? 0 : progress.Max(p => p.Flow.Length));
        text.Append("FLOW".PadRight(width));
        foreach (var status in ProgressCounts.Statuses)
        {
            text.Append(' ').Append(status.ToString().ToUpperInvariant().PadLeft(Math.Max(status.ToString().Length, 7)));
        }

        text.Append(' ').Append("TOTAL".PadLeft(7)).Append('\n');
        foreach (var flow in progress)
        {
            text.Append(flow.Flow.PadRight(width));
            foreach (var status in ProgressCounts.Statuses)
            {
                text.Append(' ').Append(flow[status].ToString(CultureInfo.InvariantCulture).PadLeft(Math.Max(status.ToString().Length, 7)));
            }

            text.Append(' ').Append(flow.Total.ToString(CultureInfo.InvariantCulture).PadLeft(7)).Append('\n');
        }

        var asOf = progress.Count == 0 ? DateTimeOffset.UtcNow : progress.Max(p => p.AsOf);
        text.Append("As of ").Append(asOf.ToString("O", CultureInfo.InvariantCulture)).Append(".\n");
        return text.ToString();
    }

    /// <summary>One JSON object on one line: <c>{"asOf": ..., "flows": [{"flow", "total", "counts": {status: n}}]}</c>.</summary>
    internal static string ProgressJson(IReadOnlyList<FlowProgress> progress)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("asOf", progress.Count == 0 ? DateTimeOffset.UtcNow : progress.Max(p => p.AsOf));
            json.WriteStartArray("flows");
            foreach (var flow in progress)
            {
                json.WriteStartObject();
                json.WriteString("flow", flow.Flow);
                json.WriteNumber("total", flow.Total);
                json.WriteStartObject("counts");
                foreach (var (status, n) in flow.Counts)
                {
                    json.WriteNumber(status.ToString(), n);
                }

                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
