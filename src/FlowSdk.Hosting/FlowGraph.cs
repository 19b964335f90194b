using System.Globalization;
using System.Text;
using System.Text.Json;
using FlowSdk.Common;

namespace FlowSdk.Hosting;

/// <summary>
/// Draws flows as Mermaid or Graphviz dot (the one renderer the MSBuild task's graph files use too: phases and the
/// rules between them, rules that require approval as thick, labelled "approval: &lt;rule&gt;" edges, schedules,
/// the subjects that link flows, fan-out groups), or describes them as JSON for the dashboard.
/// </summary>
public static class FlowGraph
{
    /// <summary>Renders the flows in <paramref name="format"/>.</summary>
    /// <param name="flows">The flows.</param>
    /// <param name="format"><c>mermaid</c>, <c>dot</c> or <c>json</c>.</param>
    /// <returns>The graph's text.</returns>
    /// <exception cref="ArgumentException">The format is not one of the three.</exception>
    public static string Render(IReadOnlyCollection<FlowDefinition> flows, string format) => format.ToLowerInvariant() switch
    {
        "json" => Json(flows),
        "mermaid" or "dot" => FlowGraphRenderer.Render(Model(flows), format),
        _ => throw new ArgumentException($"'{format}' is not a graph format; use mermaid, dot or json.", nameof(format)),
    };

    private static string Json(IReadOnlyCollection<FlowDefinition> flows)
    {
        var ordered = flows.OrderBy(f => f.Id, StringComparer.Ordinal).ToList();
        var model = Model(ordered);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("flows");
            for (var f = 0; f < ordered.Count; f++)
            {
                var flow = ordered[f];
                json.WriteStartObject();
                json.WriteString("id", flow.Id);
                json.WriteStartArray("phases");
                foreach (var phase in flow.Phases)
                {
                    json.WriteStartObject();
                    json.WriteString("name", phase);
                    json.WriteBoolean("initial", phase == flow.InitialPhase);
                    json.WriteBoolean("terminal", flow.TerminalPhases.Contains(phase));
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteStartArray("rules");
                foreach (var rule in flow.Rules)
                {
                    json.WriteStartObject();
                    json.WriteString("name", rule.Name);
                    json.WriteString("trigger", rule.Trigger.ToString());
                    json.WriteString("source", rule.Source);
                    WriteNullable(json, "from", rule.From);
                    WriteNullable(json, "to", rule.To);
                    WriteNullable(json, "output", rule.Output);
                    if (rule.Approval is { } approval)
                    {
                        // Only on rules that require approval: other rules are drawn as before.
                        json.WriteStartObject("approval");
                        json.WriteString("policy", approval.Policy.ToString());
                        WriteNullable(json, "expires", approval.Expires?.ToString("c", CultureInfo.InvariantCulture));
                        json.WriteEndObject();
                    }

                    json.WriteStartArray("conditions");
                    foreach (var condition in rule.Conditions)
                    {
                        json.WriteStringValue(condition.Description);
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteStartArray("schedules");
                foreach (var schedule in flow.Schedules.OrderBy(s => s.Name, StringComparer.Ordinal))
                {
                    json.WriteStartObject();
                    json.WriteString("name", schedule.Name);
                    json.WriteString("subject", schedule.Subject);
                    json.WriteString("when", schedule.Describe());
                    json.WriteString("missedTicks", schedule.MissedTicks.ToString());
                    json.WriteStartArray("phases");
                    foreach (var phase in FlowGraphRenderer.SchedulePhases(model[f], model[f].Schedules.First(s => s.Name == schedule.Name)))
                    {
                        json.WriteStringValue(phase);
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteStartArray("fanOuts");
                foreach (var group in flow.FanOuts.OrderBy(g => g.Name, StringComparer.Ordinal))
                {
                    json.WriteStartObject();
                    json.WriteString("name", group.Name);
                    json.WriteString("childFlow", group.ChildFlow);
                    json.WriteString("input", group.InputSubject);
                    json.WriteString("result", group.ResultSubject);
                    json.WriteString("mode", group.Mode.ToString());
                    WriteNullable(json, "timeout", group.Timeout?.ToString("c", CultureInfo.InvariantCulture));
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("links");
            foreach (var (subject, producer, consumer) in FlowGraphRenderer.Links(model))
            {
                json.WriteStartObject();
                json.WriteString("subject", subject);
                json.WriteString("from", producer);
                json.WriteString("to", consumer);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    /// <summary>The drawing's model of <paramref name="flows"/>, by id: what <see cref="FlowGraphRenderer"/> draws, as the MSBuild task maps a flow manifest.</summary>
    internal static IReadOnlyList<GraphFlow> Model(IReadOnlyCollection<FlowDefinition> flows) =>
    [
        .. flows.OrderBy(f => f.Id, StringComparer.Ordinal).Select(flow => new GraphFlow(
            flow.Id,
            flow.Id,
            [.. flow.Phases.Select(p => new GraphPhase(p, p == flow.InitialPhase, flow.TerminalPhases.Contains(p)))],
            [.. flow.Rules.Select(r => new GraphRule(r.Name, r.Trigger switch { TriggerKind.Message => GraphTrigger.Message, TriggerKind.State => GraphTrigger.State, _ => GraphTrigger.MessageAndState }, r.From, r.To, r.Trigger == TriggerKind.State ? null : r.Source, r.Output, r.Approval?.Policy.ToString()))],
            Lifecycle(flow.Lifecycle),
            [.. flow.Schedules.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => new GraphSchedule(s.Name, s.Subject, s.Describe()))],
            [.. flow.FanOuts.Select(g => new GraphFanOut(g.Name, g.ChildFlow, g.InputSubject, g.ResultSubject, g.Mode.ToString(), g.Timeout?.ToString("c", CultureInfo.InvariantCulture)))])),
    ];

    /// <summary>The lifecycle subjects a flow publishes, by kind as the flow manifest names them, in ordinal order of the kind.</summary>
    private static KeyValuePair<string, string>[] Lifecycle(LifecycleSubjects lifecycle) =>
    [
        .. new (string Kind, string? Subject)[] { ("completed", lifecycle.Completed), ("failed", lifecycle.Failed), ("escalated", lifecycle.Escalated), ("timedOut", lifecycle.TimedOut), ("events", lifecycle.Events) }
            .Where(k => k.Subject is not null)
            .OrderBy(k => k.Kind, StringComparer.Ordinal)
            .Select(k => new KeyValuePair<string, string>(k.Kind, k.Subject!)),
    ];
}
