// Compiled into every assembly that draws flows (the hosts' graph command and dashboard through
// FlowSdk.Hosting, and the MSBuild task's graph files): the one implementation of the drawing. Each
// caller maps what it reads (flow definitions, flow manifests) to the small model below, so the same
// flow draws the same from its definition and from its manifest. Keep it to netstandard2.0 APIs
// (System, System.Collections.Generic and System.Linq come from the projects' implicit usings).
using System.Globalization;
using System.Text;

namespace FlowSdk.Common;

/// <summary>What triggers a rule, as the drawing needs it: only rules with a phase (<see cref="State"/>, <see cref="MessageAndState"/>) change phases.</summary>
internal enum GraphTrigger
{
    /// <summary>A message alone; no execution, so no phase change.</summary>
    Message,

    /// <summary>A committed change of an execution's state.</summary>
    State,

    /// <summary>A message plus the execution it names.</summary>
    MessageAndState,
}

/// <summary>A phase of a drawn flow.</summary>
internal sealed record GraphPhase(string Name, bool Initial, bool Terminal);

/// <summary>A rule of a drawn flow: its phases, the subject it consumes and the subject it publishes (<see langword="null"/> for none), and its approval policy when it requires approval.</summary>
internal sealed record GraphRule(string Name, GraphTrigger Trigger, string? From, string? To, string? Input, string? Output, string? Approval);

/// <summary>A schedule of a drawn flow: its name, the subject it ticks on and when it ticks, in words.</summary>
internal sealed record GraphSchedule(string Name, string Subject, string When);

/// <summary>A fan-out group of a drawn flow: the child flow, the start and result subjects, the mode and the timeout (<c>c</c> format) if any.</summary>
internal sealed record GraphFanOut(string Name, string ChildFlow, string Input, string Result, string Mode, string? Timeout);

/// <summary>
/// A flow as the drawing sees it. <paramref name="Title"/> is the box's caption (the id, with the
/// assembly after it for a flow of a referenced assembly); <paramref name="Lifecycle"/> pairs each
/// lifecycle kind (<c>completed</c>, <c>failed</c>, ...) with its subject, in the order they are drawn.
/// </summary>
internal sealed record GraphFlow(
    string Id,
    string Title,
    IReadOnlyList<GraphPhase> Phases,
    IReadOnlyList<GraphRule> Rules,
    IReadOnlyList<KeyValuePair<string, string>> Lifecycle,
    IReadOnlyList<GraphSchedule> Schedules,
    IReadOnlyList<GraphFanOut> FanOuts)
{
    /// <summary>The initial phase: the one marked initial, else the first; <see langword="null"/> for a flow without phases.</summary>
    public string? InitialPhase => Phases.FirstOrDefault(p => p.Initial)?.Name ?? (Phases.Count > 0 ? Phases[0].Name : null);
}

/// <summary>A flow whose rule publishes a subject another flow's rule consumes.</summary>
internal sealed record GraphLink(string Subject, string Producer, string Consumer);

/// <summary>
/// Draws flows as Mermaid or Graphviz dot: each flow a box of its phases (the initial one rounded, the
/// terminal ones circled) with the rules between them (rules that require approval as thick edges
/// labelled "approval: &lt;rule&gt;") and its schedules (hexagons, each ticking on its subject); each
/// subject a node, linked to the phases and flows that consume and produce it, so the links between
/// flows (and between assemblies) read as flow → subject → flow; each fan-out group a thick "fan-out"
/// edge from the parent flow to the child flow and a dashed "fan-in" edge back. Output is deterministic.
/// </summary>
internal static class FlowGraphRenderer
{
    /// <summary>The formats it draws.</summary>
    public static IReadOnlyList<string> Formats { get; } = new[] { "mermaid", "dot" };

    /// <summary>Renders <paramref name="flows"/> (in the order given) in <paramref name="format"/>.</summary>
    /// <param name="flows">The flows.</param>
    /// <param name="format"><c>mermaid</c> or <c>dot</c>, in any case.</param>
    /// <param name="comment">A comment line written first (without its comment marker), or <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">The format is not one of <see cref="Formats"/>.</exception>
    public static string Render(IReadOnlyList<GraphFlow> flows, string format, string? comment = null)
    {
        switch (format.ToLowerInvariant())
        {
            case "mermaid":
                return Mermaid(Layout.Of(flows), comment);
            case "dot":
                return Dot(Layout.Of(flows), comment);
            default:
                throw new ArgumentException($"'{format}' is not a graph format; use {string.Join(" or ", Formats)}.", nameof(format));
        }
    }

    /// <summary>The phase changes a rule can make: from its From phase (or every non-terminal phase) to its To phase (or the same); none for a rule triggered by a message alone.</summary>
    public static IEnumerable<(string From, string To)> Transitions(GraphFlow flow, GraphRule rule)
    {
        if (rule.Trigger == GraphTrigger.Message)
        {
            yield break;
        }

        foreach (var from in FromPhases(flow, rule))
        {
            yield return (from, rule.To ?? from);
        }
    }

    /// <summary>The phases a schedule's ticks act in: the From phases of the rules with a phase that consume its subject (every non-terminal phase for a rule without From).</summary>
    public static IReadOnlyList<string> SchedulePhases(GraphFlow flow, GraphSchedule schedule) => flow.Rules
        .Where(r => r.Trigger == GraphTrigger.MessageAndState && r.Input is { } input && SubjectRules.Matches(input, schedule.Subject))
        .SelectMany(r => FromPhases(flow, r))
        .Distinct(StringComparer.Ordinal)
        .ToList();

    /// <summary>Which flow's rule output another flow's rule consumes, by subject (wildcards included), ordered by subject, producer, consumer.</summary>
    public static IReadOnlyList<GraphLink> Links(IReadOnlyList<GraphFlow> flows)
    {
        var links = new SortedSet<(string, string, string)>();
        foreach (var producer in flows)
        {
            foreach (var output in producer.Rules.Select(r => r.Output).OfType<string>())
            {
                foreach (var consumer in flows.Where(c => c.Id != producer.Id && c.Rules.Any(r => r.Input is { } input && SubjectRules.Matches(input, output))))
                {
                    links.Add((output, producer.Id, consumer.Id));
                }
            }
        }

        return links.Select(l => new GraphLink(l.Item1, l.Item2, l.Item3)).ToList();
    }

    /// <summary>As every graph labels it: <c>fan-out prices: prices.lookup.requested</c>.</summary>
    public static string FanOutLabel(GraphFanOut group) => $"fan-out {group.Name}: {group.Input}";

    /// <summary>As every graph labels it: <c>fan-in prices (AnyError, timeout 00:01:00): prices.found</c>.</summary>
    public static string FanInLabel(GraphFanOut group) => $"fan-in {group.Name} ({group.Mode}{(group.Timeout is null ? "" : ", timeout " + group.Timeout)}): {group.Result}";

    /// <summary>As every graph labels it: <c>schedule nightly: cron 0 2 * * *</c>.</summary>
    public static string ScheduleLabel(GraphSchedule schedule) => "schedule " + schedule.Name + ": " + schedule.When;

    /// <summary>A rule's edge label: its name, after <c>approval: </c> when it requires approval.</summary>
    public static string RuleLabel(GraphRule rule) => rule.Approval is null ? rule.Name : "approval: " + rule.Name;

    private static IEnumerable<string> FromPhases(GraphFlow flow, GraphRule rule) =>
        rule.From is { } from ? new[] { from } : flow.Phases.Where(p => !p.Terminal).Select(p => p.Name);

    private static string Mermaid(Layout graph, string? comment)
    {
        var s = new StringBuilder();
        s.Append("flowchart LR\n");
        if (comment is not null)
        {
            s.Append("  %% ").Append(comment).Append('\n');
        }

        foreach (var node in graph.Flows)
        {
            var flow = node.Flow;
            s.Append("  subgraph ").Append(node.Key).Append("[\"").Append(MermaidText(flow.Title)).Append("\"]\n");
            s.Append("    direction LR\n");
            foreach (var phase in flow.Phases)
            {
                var (open, close) = phase.Terminal ? ("((", "))") : phase.Initial ? ("([", "])") : ("[", "]");
                s.Append("    ").Append(node.PhaseKey(phase.Name)).Append(open).Append('"').Append(MermaidText(phase.Name)).Append('"').Append(close).Append('\n');
            }

            foreach (var rule in flow.Rules)
            {
                foreach (var (from, to) in Transitions(flow, rule))
                {
                    s.Append("    ").Append(node.PhaseKey(from)).Append(rule.Approval is null ? " -->|\"" : " ==>|\"").Append(MermaidText(RuleLabel(rule))).Append("\"| ").Append(node.PhaseKey(to)).Append('\n');
                }
            }

            foreach (var schedule in flow.Schedules)
            {
                s.Append("    ").Append(node.ScheduleKeys[schedule.Name]).Append("{{\"").Append(MermaidText(ScheduleLabel(schedule))).Append("\"}}\n");
            }

            s.Append("  end\n");
        }

        foreach (var subject in graph.Subjects)
        {
            s.Append("  ").Append(subject.Value).Append("[/\"").Append(MermaidText(subject.Key)).Append("\"/]\n");
        }

        foreach (var port in graph.Ports)
        {
            var end = port.Phase is null ? port.Flow.Key : port.Flow.PhaseKey(port.Phase);
            var (from, to) = port.Into ? (graph.Subjects[port.Subject], end) : (end, graph.Subjects[port.Subject]);
            s.Append("  ").Append(from).Append(" -.->|\"").Append(MermaidText(port.Label)).Append("\"| ").Append(to).Append('\n');
        }

        foreach (var node in graph.Flows)
        {
            foreach (var schedule in node.Flow.Schedules)
            {
                s.Append("  ").Append(node.ScheduleKeys[schedule.Name]).Append(" -.->|\"ticks\"| ").Append(graph.Subjects[schedule.Subject]).Append('\n');
            }
        }

        foreach (var (node, group, child) in graph.FanOuts())
        {
            var childKey = child?.Key ?? "child_" + Sanitize(group.ChildFlow);
            if (child is null)
            {
                s.Append("  ").Append(childKey).Append("[\"").Append(MermaidText(group.ChildFlow)).Append("\"]\n");
            }

            s.Append("  ").Append(node.Key).Append(" ==>|\"").Append(MermaidText(FanOutLabel(group))).Append("\"| ").Append(childKey).Append('\n');
            s.Append("  ").Append(childKey).Append(" -.->|\"").Append(MermaidText(FanInLabel(group))).Append("\"| ").Append(node.Key).Append('\n');
        }

        return s.ToString();
    }

    private static string Dot(Layout graph, string? comment)
    {
        var s = new StringBuilder();
        if (comment is not null)
        {
            s.Append("// ").Append(comment).Append('\n');
        }

        s.Append("digraph flows {\n  rankdir=LR;\n  compound=true;\n");
        foreach (var node in graph.Flows)
        {
            var flow = node.Flow;
            s.Append("  subgraph ").Append(DotId("cluster_" + node.Key)).Append(" {\n    label=").Append(DotId(flow.Title)).Append(";\n");
            foreach (var phase in flow.Phases)
            {
                var shape = phase.Terminal ? "doublecircle" : "box";
                var style = phase.Initial ? ", style=\"rounded,bold\"" : ", style=rounded";
                s.Append("    ").Append(DotId(node.PhaseKey(phase.Name))).Append(" [label=").Append(DotId(phase.Name)).Append(", shape=").Append(shape).Append(style).Append("];\n");
            }

            foreach (var rule in flow.Rules)
            {
                foreach (var (from, to) in Transitions(flow, rule))
                {
                    s.Append("    ").Append(DotId(node.PhaseKey(from))).Append(" -> ").Append(DotId(node.PhaseKey(to))).Append(" [label=").Append(DotId(RuleLabel(rule))).Append(rule.Approval is null ? "" : ", style=bold, color=darkorange").Append("];\n");
                }
            }

            foreach (var schedule in flow.Schedules)
            {
                s.Append("    ").Append(DotId(node.ScheduleKeys[schedule.Name])).Append(" [label=").Append(DotId(ScheduleLabel(schedule))).Append(", shape=hexagon];\n");
            }

            s.Append("  }\n");
        }

        foreach (var subject in graph.Subjects)
        {
            s.Append("  ").Append(DotId(subject.Value)).Append(" [label=").Append(DotId(subject.Key)).Append(", shape=parallelogram];\n");
        }

        foreach (var port in graph.Ports)
        {
            // An edge to the flow as a whole ends at its initial phase, clipped at the flow's box.
            var anchor = port.Phase ?? port.Flow.Flow.InitialPhase;
            if (anchor is null)
            {
                continue;
            }

            var clip = port.Phase is null ? $", {(port.Into ? "lhead" : "ltail")}={DotId("cluster_" + port.Flow.Key)}" : "";
            var end = DotId(port.Flow.PhaseKey(anchor));
            var subjectNode = DotId(graph.Subjects[port.Subject]);
            var (from, to) = port.Into ? (subjectNode, end) : (end, subjectNode);
            s.Append("  ").Append(from).Append(" -> ").Append(to).Append(" [label=").Append(DotId(port.Label)).Append(", style=dashed").Append(clip).Append("];\n");
        }

        foreach (var node in graph.Flows)
        {
            foreach (var schedule in node.Flow.Schedules)
            {
                s.Append("  ").Append(DotId(node.ScheduleKeys[schedule.Name])).Append(" -> ").Append(DotId(graph.Subjects[schedule.Subject])).Append(" [label=\"ticks\", style=dashed];\n");
            }
        }

        foreach (var (node, group, child) in graph.FanOuts())
        {
            // Edges between flows end at their initial phases, clipped at the flows' boxes; a child flow not drawn is a plain node.
            var parent = DotId(node.PhaseKey(node.Anchor));
            var childNode = child is null ? DotId("child_" + Sanitize(group.ChildFlow)) : DotId(child.PhaseKey(child.Anchor));
            var parentClip = DotId("cluster_" + node.Key);
            if (child is null)
            {
                s.Append("  ").Append(childNode).Append(" [label=").Append(DotId(group.ChildFlow)).Append(", shape=box];\n");
            }

            var childClip = child is null ? "" : ", lhead=" + DotId("cluster_" + child.Key);
            s.Append("  ").Append(parent).Append(" -> ").Append(childNode).Append(" [label=").Append(DotId(FanOutLabel(group))).Append(", style=bold, color=darkgreen, ltail=").Append(parentClip).Append(childClip).Append("];\n");
            s.Append("  ").Append(childNode).Append(" -> ").Append(parent).Append(" [label=").Append(DotId(FanInLabel(group))).Append(", style=dashed, color=darkgreen").Append(child is null ? "" : ", ltail=" + DotId("cluster_" + child.Key)).Append(", lhead=").Append(parentClip).Append("];\n");
        }

        return s.Append("}\n").ToString();
    }

    private static string Sanitize(string text)
    {
        var s = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            s.Append(c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') ? c : '_');
        }

        return s.ToString();
    }

    private static string MermaidText(string text) => text.Replace("\"", "#quot;");

    private static string DotId(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>A drawn flow with its node keys: <c>flow_…</c> for the box, <c>flow_…__phase</c> for its phases, <c>schedule_…</c> for its schedules.</summary>
    private sealed class FlowNode(GraphFlow flow, string key)
    {
        public GraphFlow Flow { get; } = flow;

        public string Key { get; } = key;

        public Dictionary<string, string> ScheduleKeys { get; } = new(StringComparer.Ordinal);

        /// <summary>Where edges to the flow as a whole end in dot: its initial phase, or the flow's id when it has none.</summary>
        public string Anchor => Flow.InitialPhase ?? Flow.Id;

        public string PhaseKey(string phase) => Key + "__" + Sanitize(phase);
    }

    /// <summary>An edge between a subject and a flow: into a phase (or the flow) for a subject consumed, out of one for a subject produced.</summary>
    private sealed record Port(string Subject, FlowNode Flow, string? Phase, string Label, bool Into);

    /// <summary>The flows with unique node keys, each subject's node key (ordered by subject), and the ports.</summary>
    private sealed class Layout
    {
        private Layout(List<FlowNode> flows, SortedDictionary<string, string> subjects, List<Port> ports)
        {
            Flows = flows;
            Subjects = subjects;
            Ports = ports;
        }

        public List<FlowNode> Flows { get; }

        public SortedDictionary<string, string> Subjects { get; }

        public List<Port> Ports { get; }

        public static Layout Of(IReadOnlyList<GraphFlow> flows)
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            var nodes = new List<FlowNode>();
            foreach (var flow in flows)
            {
                var node = new FlowNode(flow, Unique(keys, "flow_" + Sanitize(flow.Id)));
                foreach (var schedule in flow.Schedules)
                {
                    node.ScheduleKeys[schedule.Name] = Unique(keys, "schedule_" + Sanitize(flow.Id) + "__" + Sanitize(schedule.Name));
                }

                nodes.Add(node);
            }

            var ports = new List<Port>();
            foreach (var node in nodes)
            {
                foreach (var rule in node.Flow.Rules)
                {
                    if (rule.Input is { } input)
                    {
                        ports.Add(new Port(input, node, rule.From, rule.Name, Into: true));
                    }

                    if (rule.Output is { } output)
                    {
                        ports.Add(new Port(output, node, rule.To ?? rule.From, rule.Name, Into: false));
                    }
                }

                foreach (var lifecycle in node.Flow.Lifecycle)
                {
                    ports.Add(new Port(lifecycle.Value, node, null, lifecycle.Key, Into: false));
                }
            }

            var subjects = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var subject in ports.Select(p => p.Subject).Concat(nodes.SelectMany(n => n.Flow.Schedules.Select(s => s.Subject))).Distinct(StringComparer.Ordinal).OrderBy(s => s, StringComparer.Ordinal))
            {
                subjects[subject] = Unique(keys, "subject_" + Sanitize(subject));
            }

            return new Layout(nodes, subjects, ports);
        }

        /// <summary>Each fan-out group of the drawn flows (by name within its flow), with its flow and its child flow when that is drawn too.</summary>
        public IEnumerable<(FlowNode Flow, GraphFanOut Group, FlowNode? Child)> FanOuts() =>
            Flows.SelectMany(node => node.Flow.FanOuts.OrderBy(g => g.Name, StringComparer.Ordinal)
                .Select(g => (node, g, Flows.FirstOrDefault(c => string.Equals(c.Flow.Id, g.ChildFlow, StringComparison.Ordinal)))));

        private static string Unique(HashSet<string> keys, string key)
        {
            var candidate = key;
            for (var n = 2; !keys.Add(candidate); n++)
            {
                candidate = key + "_" + n.ToString(CultureInfo.InvariantCulture);
            }

            return candidate;
        }
    }
}
