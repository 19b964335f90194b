using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FlowSdk.Hosting;

/// <summary>
/// Draws flows as Mermaid, Graphviz dot or JSON: phases and the rules between them (rules that require
/// approval as thick, labelled "approval: &lt;rule&gt;" edges), the schedules that tick them, the subjects that link flows,
/// and fan-out groups (a thick "fan-out" edge from the parent flow to the child flow, a dashed "fan-in" edge back).
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
        "mermaid" => Mermaid(flows),
        "dot" => Dot(flows),
        "json" => Json(flows),
        _ => throw new ArgumentException($"'{format}' is not a graph format; use mermaid, dot or json.", nameof(format)),
    };

    private static string Mermaid(IReadOnlyCollection<FlowDefinition> flows)
    {
        var s = new StringBuilder("flowchart LR\n");
        foreach (var flow in flows.OrderBy(f => f.Id, StringComparer.Ordinal))
        {
            s.Append(CultureInfo.InvariantCulture, $"  subgraph {Id(flow.Id)}[\"{flow.Id}\"]\n");
            foreach (var phase in flow.Phases)
            {
                var shape = flow.TerminalPhases.Contains(phase) ? $"((\"{phase}\"))" : $"[\"{phase}\"]";
                s.Append(CultureInfo.InvariantCulture, $"    {Id(flow.Id, phase)}{shape}\n");
            }

            foreach (var rule in flow.Rules)
            {
                foreach (var (from, to) in Edges(flow, rule))
                {
                    s.Append(CultureInfo.InvariantCulture, $"    {Id(flow.Id, from)} {(rule.Approval is null ? "-->" : "==>")}|\"{Label(rule)}\"| {Id(flow.Id, to)}\n");
                }
            }

            foreach (var (schedule, phases) in ScheduleEdges(flow))
            {
                var node = Id(flow.Id, "schedule_" + schedule.Name);
                s.Append(CultureInfo.InvariantCulture, $"    {node}{{{{\"schedule {schedule.Name}: {schedule.Describe()}\"}}}}\n");
                foreach (var phase in phases)
                {
                    s.Append(CultureInfo.InvariantCulture, $"    {node} -.->|\"{schedule.Subject}\"| {Id(flow.Id, phase)}\n");
                }
            }

            s.Append("  end\n");
        }

        foreach (var (subject, producer, consumer) in Links(flows))
        {
            s.Append(CultureInfo.InvariantCulture, $"  {Id(producer)} -.->|\"{subject}\"| {Id(consumer)}\n");
        }

        foreach (var (parent, group) in FanOutEdges(flows))
        {
            s.Append(CultureInfo.InvariantCulture, $"  {Id(parent.Id)} ==>|\"{FanOutLabel(group)}\"| {Id(group.ChildFlow)}\n");
            s.Append(CultureInfo.InvariantCulture, $"  {Id(group.ChildFlow)} -.->|\"{FanInLabel(group)}\"| {Id(parent.Id)}\n");
        }

        return s.ToString();
    }

    private static string Dot(IReadOnlyCollection<FlowDefinition> flows)
    {
        var s = new StringBuilder("digraph flows {\n  rankdir=LR;\n");
        foreach (var flow in flows.OrderBy(f => f.Id, StringComparer.Ordinal))
        {
            s.Append(CultureInfo.InvariantCulture, $"  subgraph \"cluster_{flow.Id}\" {{\n    label=\"{flow.Id}\";\n");
            foreach (var phase in flow.Phases)
            {
                s.Append(CultureInfo.InvariantCulture, $"    \"{flow.Id}.{phase}\" [label=\"{phase}\"{(flow.TerminalPhases.Contains(phase) ? ", shape=doublecircle" : ", shape=box")}];\n");
            }

            foreach (var rule in flow.Rules)
            {
                foreach (var (from, to) in Edges(flow, rule))
                {
                    s.Append(CultureInfo.InvariantCulture, $"    \"{flow.Id}.{from}\" -> \"{flow.Id}.{to}\" [label=\"{Label(rule)}\"{(rule.Approval is null ? "" : ", style=bold, color=darkorange")}];\n");
                }
            }

            foreach (var (schedule, phases) in ScheduleEdges(flow))
            {
                s.Append(CultureInfo.InvariantCulture, $"    \"{flow.Id}.schedule.{schedule.Name}\" [label=\"schedule {schedule.Name}: {schedule.Describe()}\", shape=hexagon];\n");
                foreach (var phase in phases)
                {
                    s.Append(CultureInfo.InvariantCulture, $"    \"{flow.Id}.schedule.{schedule.Name}\" -> \"{flow.Id}.{phase}\" [label=\"{schedule.Subject}\", style=dashed];\n");
                }
            }

            s.Append("  }\n");
        }

        foreach (var (subject, producer, consumer) in Links(flows))
        {
            s.Append(CultureInfo.InvariantCulture, $"  \"{producer}.{flows.First(f => f.Id == producer).InitialPhase}\" -> \"{consumer}.{flows.First(f => f.Id == consumer).InitialPhase}\" [label=\"{subject}\", style=dashed, ltail=\"cluster_{producer}\", lhead=\"cluster_{consumer}\"];\n");
        }

        foreach (var (parent, group) in FanOutEdges(flows))
        {
            // A child flow that is not drawn is a plain node named after it.
            var child = flows.FirstOrDefault(f => f.Id == group.ChildFlow) is { } drawn ? $"{drawn.Id}.{drawn.InitialPhase}" : group.ChildFlow;
            var lhead = child == group.ChildFlow ? "" : $", lhead=\"cluster_{group.ChildFlow}\"";
            var ltail = child == group.ChildFlow ? "" : $", ltail=\"cluster_{group.ChildFlow}\"";
            s.Append(CultureInfo.InvariantCulture, $"  \"{parent.Id}.{parent.InitialPhase}\" -> \"{child}\" [label=\"{FanOutLabel(group)}\", style=bold, color=darkgreen, ltail=\"cluster_{parent.Id}\"{lhead}];\n");
            s.Append(CultureInfo.InvariantCulture, $"  \"{child}\" -> \"{parent.Id}.{parent.InitialPhase}\" [label=\"{FanInLabel(group)}\", style=dashed, color=darkgreen{ltail}, lhead=\"cluster_{parent.Id}\"];\n");
        }

        return s.Append("}\n").ToString();
    }

    private static string Json(IReadOnlyCollection<FlowDefinition> flows)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("flows");
            foreach (var flow in flows.OrderBy(f => f.Id, StringComparer.Ordinal))
            {
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
                foreach (var (schedule, phases) in ScheduleEdges(flow))
                {
                    json.WriteStartObject();
                    json.WriteString("name", schedule.Name);
                    json.WriteString("subject", schedule.Subject);
                    json.WriteString("when", schedule.Describe());
                    json.WriteString("missedTicks", schedule.MissedTicks.ToString());
                    json.WriteStartArray("phases");
                    foreach (var phase in phases)
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
            foreach (var (subject, producer, consumer) in Links(flows))
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

    /// <summary>The phase changes a rule can make: from its From phase (or every non-terminal phase) to its To phase (or the same).</summary>
    private static IEnumerable<(string From, string To)> Edges(FlowDefinition flow, RuleInfo rule)
    {
        if (rule.Trigger == TriggerKind.Message)
        {
            yield break;
        }

        var froms = rule.From is { } from ? [from] : flow.Phases.Where(p => !flow.TerminalPhases.Contains(p));
        foreach (var f in froms)
        {
            yield return (f, rule.To ?? f);
        }
    }

    /// <summary>Each schedule of the flow with the phases its ticks act in: the From phases of the rules that take its subject (every non-terminal phase for a rule without From).</summary>
    private static IEnumerable<(Orchestration.ScheduleDefinition Schedule, IReadOnlyList<string> Phases)> ScheduleEdges(FlowDefinition flow)
    {
        foreach (var schedule in flow.Schedules.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            var phases = flow.Rules
                .Where(r => r.Trigger == TriggerKind.MessageAndState && Subjects.Matches(r.Source, schedule.Subject))
                .SelectMany(r => r.From is { } from ? [from] : flow.Phases.Where(p => !flow.TerminalPhases.Contains(p)))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            yield return (schedule, phases);
        }
    }

    /// <summary>Which flow's rule output another flow consumes, by subject.</summary>
    internal static IEnumerable<(string Subject, string Producer, string Consumer)> Links(IReadOnlyCollection<FlowDefinition> flows)
    {
        var links = new SortedSet<(string, string, string)>();
        foreach (var producer in flows)
        {
            foreach (var output in producer.Rules.Select(r => r.Output).OfType<string>())
            {
                foreach (var consumer in flows.Where(c => c.Id != producer.Id && c.InputSubjects.Any(s => Subjects.Matches(s, output))))
                {
                    links.Add((output, producer.Id, consumer.Id));
                }
            }
        }

        return links;
    }

    /// <summary>Each fan-out group of the drawn flows, with the flow that declares it.</summary>
    private static IEnumerable<(FlowDefinition Parent, FanOutGroup Group)> FanOutEdges(IReadOnlyCollection<FlowDefinition> flows)
        => flows.OrderBy(f => f.Id, StringComparer.Ordinal).SelectMany(f => f.FanOuts.OrderBy(g => g.Name, StringComparer.Ordinal).Select(g => (f, g)));

    private static string FanOutLabel(FanOutGroup group) => $"fan-out {group.Name}: {group.InputSubject}";

    private static string FanInLabel(FanOutGroup group)
        => $"fan-in {group.Name} ({group.Mode}{(group.Timeout is { } timeout ? ", timeout " + timeout.ToString("c", CultureInfo.InvariantCulture) : "")}): {group.ResultSubject}";

    /// <summary>A rule's edge label: its name, after "approval: " when it requires approval.</summary>
    private static string Label(RuleInfo rule) => rule.Approval is null ? rule.Name : "approval: " + rule.Name;

    private static string Id(string flow, string? phase = null) => (phase is null ? flow : flow + "_" + phase).Replace('-', '_').Replace('.', '_');
}
