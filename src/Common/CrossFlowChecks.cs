// Compiled into every assembly that checks flows together (the analyzers, the MSBuild task and the
// runtime, which the hosts' validate and deploy use): the one implementation of the checks that need
// more than one flow, with one vocabulary of kinds, diagnostic IDs and wording. Each caller maps what
// it reads (symbols, manifests, flow definitions, deployment records) to the small model below.
// Keep it to netstandard2.0 APIs.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace FlowSdk.Common;

/// <summary>Where the flows being checked come from, which decides the diagnostic IDs and the wording.</summary>
internal enum CheckScope
{
    /// <summary>One compilation (the analyzers): FLOW0016, FLOW0018, FLOW0022, FLOW0023, FLOW0035.</summary>
    Compilation,

    /// <summary>An assembly and the assemblies it references (the MSBuild task): FLOW0201–FLOW0204.</summary>
    Assemblies,

    /// <summary>The flows of a host, or every flow deployed in a cluster (validate, deploy): FLOW0201–FLOW0204.</summary>
    Cluster,
}

/// <summary>What kind of problem an issue is; <see cref="CrossFlowChecks.KindName"/> gives its name in output.</summary>
internal enum CheckKind
{
    /// <summary><c>duplicate-flow-id</c>: two flows share an id (FLOW0018; FLOW0204 across assemblies).</summary>
    DuplicateFlowId,

    /// <summary><c>subject-bound-to-two-types</c>: one subject carries two message types (FLOW0016; FLOW0203 across assemblies or in a cluster).</summary>
    SubjectBoundToTwoTypes,

    /// <summary><c>schema-mismatch</c>: producer and consumer declare the message on a subject with different members (FLOW0203).</summary>
    SchemaMismatch,

    /// <summary><c>orphaned-output</c>: a rule publishes a message no flow consumes (FLOW0022; FLOW0202).</summary>
    OrphanedOutput,

    /// <summary><c>unproduced-input</c>: a rule takes a message nothing produces (FLOW0023; FLOW0201).</summary>
    UnproducedInput,

    /// <summary><c>lifecycle-subject-conflict</c>: a flow's lifecycle subject is also a message's subject (FLOW0035, one compilation).</summary>
    LifecycleSubjectConflict,
}

/// <summary>A message type on a subject as one owner (an assembly, or a deployed flow) declares it.</summary>
/// <param name="Subject">The subject.</param>
/// <param name="Type">The type's name as messages show it.</param>
/// <param name="TypeKey">The type's identity: two messages with one key are one type.</param>
/// <param name="Schema">The schema's identity (a fingerprint of its members); empty when unknown.</param>
/// <param name="Members">The members, <c>Name:type</c> or names, for the text of a schema mismatch.</param>
/// <param name="External">Whether the message is declared <c>External</c> (connected outside the flows checked).</param>
/// <param name="Owner">Who declares it: an assembly's name, or a flow id in a cluster.</param>
/// <param name="Location">Where it is declared, as text for messages; <see langword="null"/> when unknown.</param>
internal sealed record CheckMessage(string Subject, string Type, string TypeKey, string Schema, IReadOnlyList<string> Members, bool External, string Owner, string? Location)
{
    /// <summary>Whether issues about this message are reported (the caller's own declarations).</summary>
    public bool Reported { get; init; }

    /// <summary>The caller's object for this message (a symbol, a source position), returned in issues.</summary>
    public object? Tag { get; init; }
}

/// <summary>A port of a flow: a message a rule takes (input) or publishes (output).</summary>
/// <param name="Rule">The rule's name.</param>
/// <param name="IsInput">Whether the rule takes the message.</param>
/// <param name="Message">The message.</param>
internal sealed record CheckPort(string Rule, bool IsInput, CheckMessage Message)
{
    /// <summary>Whether an unconnected port is reported (the caller's own, and not a test flow's).</summary>
    public bool Reported { get; init; }

    /// <summary>The caller's object for this port (a rule, a source position), returned in issues.</summary>
    public object? Tag { get; init; }
}

/// <summary>A flow as the checks see it.</summary>
/// <param name="Id">The flow id.</param>
/// <param name="Name">The flow's state class (or the id, when unknown).</param>
/// <param name="Owner">The assembly it is declared in, or the flow id in a cluster.</param>
/// <param name="Location">Where it is declared, as text; <see langword="null"/> when unknown.</param>
/// <param name="Ports">Its ports, in rule order.</param>
/// <param name="Produced">Subjects it publishes besides its rules' outputs: its schedules' ticks and its lifecycle events.</param>
internal sealed record CheckFlow(string Id, string Name, string Owner, string? Location, IReadOnlyList<CheckPort> Ports, IReadOnlyList<string> Produced)
{
    /// <summary>Its lifecycle events (<c>OnCompleted</c>, ...) and their subjects; checked in one compilation only.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Lifecycle { get; init; } = [];

    /// <summary>Whether its id is declared (a flow without one is named after its state class and never a duplicate).</summary>
    public bool IdDeclared { get; init; } = true;

    /// <summary>Whether issues about this flow itself (its id, its lifecycle subjects) are reported.</summary>
    public bool Reported { get; init; }

    /// <summary>The caller's object for this flow, returned in issues.</summary>
    public object? Tag { get; init; }
}

/// <summary>The flows checked together.</summary>
/// <param name="Scope">Where they come from.</param>
/// <param name="SetName">How messages name the set: <c>Billing, Contracts</c>; unused in one compilation.</param>
/// <param name="Flows">The flows.</param>
/// <param name="Messages">Message types declared in the set, besides those the ports carry.</param>
internal sealed record CheckInput(CheckScope Scope, string SetName, IReadOnlyList<CheckFlow> Flows, IReadOnlyList<CheckMessage> Messages)
{
    /// <summary>Subjects something other than a flow produces (code of the compilation that creates the message).</summary>
    public IReadOnlyCollection<string> Sent { get; init; } = [];
}

/// <summary>One problem found.</summary>
/// <param name="Kind">What kind of problem.</param>
/// <param name="Id">The diagnostic ID it is reported under in this scope.</param>
/// <param name="IsError">Whether it is an error (else a warning).</param>
/// <param name="Flow">The flow concerned.</param>
/// <param name="Rule">The rule concerned, or <see langword="null"/>.</param>
/// <param name="Subject">The subject (port) concerned, or <see langword="null"/>.</param>
/// <param name="Message">What is wrong and what to do.</param>
/// <param name="Suggestions">What to do, one fix a line.</param>
/// <param name="Arguments">The message's arguments, as the analyzers' descriptors take them.</param>
/// <param name="Tag">The caller's object the issue is about (reported at).</param>
/// <param name="Related">The caller's objects of the other declarations involved.</param>
internal sealed record CheckIssue(CheckKind Kind, string Id, bool IsError, string Flow, string? Rule, string? Subject, string Message, IReadOnlyList<string> Suggestions, IReadOnlyList<object> Arguments, object? Tag, IReadOnlyList<object?> Related);

/// <summary>A connection found between flows: a rule's output that a port of another (or the same) flow consumes.</summary>
/// <param name="Subject">The subject the output is published on.</param>
/// <param name="FromFlow">The flow that publishes.</param>
/// <param name="FromRule">Its rule.</param>
/// <param name="ToFlow">The flow that consumes.</param>
/// <param name="ToRule">Its rule.</param>
/// <param name="Type">The message type the consumer reads.</param>
internal sealed record CheckLink(string Subject, string FromFlow, string FromRule, string ToFlow, string ToRule, string Type);

/// <summary>What the checks found: the issues (errors first) and the connections between the flows.</summary>
/// <param name="Issues">The issues.</param>
/// <param name="Links">The connections.</param>
internal sealed record CheckResult(IReadOnlyList<CheckIssue> Issues, IReadOnlyList<CheckLink> Links)
{
    /// <summary>Whether there is an error.</summary>
    public bool HasErrors => Issues.Any(static i => i.IsError);
}

/// <summary>The checks across flows, their IDs and their wording.</summary>
internal static class CrossFlowChecks
{
    /// <summary>The type of a message the checks do not know (a rule's output seen by the runtime).</summary>
    public const string UnknownType = "?";

    /// <summary>The name of a kind in output (text, JSON): <c>orphaned-output</c>, ...</summary>
    public static string KindName(CheckKind kind) => kind switch
    {
        CheckKind.DuplicateFlowId => "duplicate-flow-id",
        CheckKind.SubjectBoundToTwoTypes => "subject-bound-to-two-types",
        CheckKind.SchemaMismatch => "schema-mismatch",
        CheckKind.OrphanedOutput => "orphaned-output",
        CheckKind.UnproducedInput => "unproduced-input",
        _ => "lifecycle-subject-conflict",
    };

    /// <summary>The diagnostic ID of a kind in a scope.</summary>
    public static string IdOf(CheckKind kind, CheckScope scope)
    {
        var compilation = scope == CheckScope.Compilation;
        return kind switch
        {
            CheckKind.DuplicateFlowId => compilation ? "FLOW0018" : "FLOW0204",
            CheckKind.SubjectBoundToTwoTypes => compilation ? "FLOW0016" : "FLOW0203",
            CheckKind.SchemaMismatch => "FLOW0203",
            CheckKind.OrphanedOutput => compilation ? "FLOW0022" : "FLOW0202",
            CheckKind.UnproducedInput => compilation ? "FLOW0023" : "FLOW0201",
            _ => "FLOW0035",
        };
    }

    /// <summary>
    /// The message format of a kind in one compilation: what the analyzers' descriptors use, with the
    /// same arguments the checks pass (<see cref="CheckIssue.Arguments"/>).
    /// </summary>
    public static string CompilationFormat(CheckKind kind) => Words(Template(kind), CheckScope.Compilation, "", "", "");

    /// <summary>Runs every check.</summary>
    /// <param name="input">The flows.</param>
    /// <returns>The issues, errors first, and the connections.</returns>
    public static CheckResult Run(CheckInput input)
    {
        var issues = new List<CheckIssue>();
        DuplicateFlowIds(input, issues);
        SubjectConflicts(input, issues);
        UnconnectedPorts(input, issues);
        if (input.Scope == CheckScope.Compilation)
        {
            LifecycleSubjects(input, issues);
        }

        var ordered = issues.Select((issue, index) => (issue, index))
            .OrderByDescending(static p => p.issue.IsError)
            .ThenBy(static p => p.index)
            .Select(static p => p.issue)
            .ToList();
        return new CheckResult(ordered, Links(input));
    }

    private static void DuplicateFlowIds(CheckInput input, List<CheckIssue> issues)
    {
        var cross = input.Scope != CheckScope.Compilation;
        foreach (var flow in input.Flows.Where(static f => f.Reported && f.IdDeclared))
        {
            // Across assemblies, only a twin of another assembly: two flows of one are the analyzers'.
            var twin = input.Flows.FirstOrDefault(f => !ReferenceEquals(f, flow) && f.IdDeclared && f.Id == flow.Id && (!cross || f.Owner != flow.Owner));
            if (twin is null)
            {
                continue;
            }

            var other = cross ? $" (in {Where(input.Scope, twin.Owner)}{(twin.Location is null ? "" : ", " + twin.Location)})" : "";
            issues.Add(Issue(input, CheckKind.DuplicateFlowId, flow.Id, null, null, other, "", [flow.Id, flow.Name, twin.Name], flow.Tag, [twin.Tag],
                ["Give one of the two flows another id: [Flow<TPhase>(\"another-id\")]."]));
        }
    }

    /// <summary>
    /// One subject, one message: in one compilation, one type; across assemblies or in a cluster, one
    /// schema (a consumer's own copy of the producer's type is fine when its members match).
    /// </summary>
    private static void SubjectConflicts(CheckInput input, List<CheckIssue> issues)
    {
        var cross = input.Scope != CheckScope.Compilation;
        var sides = Sides(input);
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mine in sides.Where(static s => s.Message.Reported))
        {
            var conflicts = sides
                .Where(o => o.Message.Subject == mine.Message.Subject && (cross
                    ? o.Message.Owner != mine.Message.Owner && o.Message.Schema.Length > 0 && mine.Message.Schema.Length > 0 && o.Message.Schema != mine.Message.Schema
                    : o.Message.TypeKey != mine.Message.TypeKey))
                .ToList();
            if (cross)
            {
                conflicts = [.. conflicts.OrderBy(static o => o.Message.Owner, StringComparer.Ordinal).ThenBy(static o => o.Message.Type, StringComparer.Ordinal)];
            }

            if (conflicts.Count == 0)
            {
                continue;
            }

            var other = conflicts[0];

            // Two sides both reported (the flows of a host, a cluster) make one issue, not two.
            if (cross && other.Message.Reported && !reported.Add(Pair(mine, other)))
            {
                continue;
            }

            reported.Add(Pair(mine, other));
            var flow = mine.Flow ?? mine.Message.Owner;
            var more = conflicts.Count > 1 ? $" ({conflicts.Count - 1} more declaration(s) on the subject differ too)" : "";
            if (!cross)
            {
                issues.Add(Issue(input, CheckKind.SubjectBoundToTwoTypes, flow, mine.Rule, mine.Message.Subject, "", "", [mine.Message.Subject, mine.Message.Type, other.Message.Type], mine.Message.Tag, [other.Message.Tag],
                    ["Give each message type its own subject."]));
                continue;
            }

            var here = input.Scope == CheckScope.Assemblies ? " here" : $" in {Where(input.Scope, mine.Message.Owner)}";
            var there = $" in {Where(input.Scope, other.Message.Owner)}{At(other.Message.Location)}{more}";
            if (ShortName(mine.Message.Type) != ShortName(other.Message.Type))
            {
                issues.Add(Issue(input, CheckKind.SubjectBoundToTwoTypes, flow, mine.Rule, mine.Message.Subject, there, here, [mine.Message.Subject, mine.Message.Type, other.Message.Type], mine.Message.Tag, [other.Message.Tag],
                    ["Give each message type its own subject.", "Or share one message type between the flows."]));
                continue;
            }

            var onlyMine = mine.Message.Members.Except(other.Message.Members, StringComparer.Ordinal).ToList();
            var onlyTheirs = other.Message.Members.Except(mine.Message.Members, StringComparer.Ordinal).ToList();
            var difference = string.Join("; ", new[]
            {
                onlyMine.Count > 0 ? $"only{here}: {string.Join(", ", onlyMine)}" : null,
                onlyTheirs.Count > 0 ? $"only in '{other.Message.Owner}': {string.Join(", ", onlyTheirs)}" : null,
            }.Where(static d => d is not null));
            issues.Add(Issue(input, CheckKind.SchemaMismatch, flow, mine.Rule, mine.Message.Subject, there, here,
                [mine.Message.Subject, $"{mine.Message.Type} {{{string.Join(", ", mine.Message.Members)}}}", $"{other.Message.Type} {{{string.Join(", ", other.Message.Members)}}}", difference.Length == 0 ? "in order" : difference],
                mine.Message.Tag, [other.Message.Tag],
                ["Share one message type between producer and consumer.", "Or make the declarations match, member by member."]));
        }
    }

    private static string Pair(Side a, Side b)
    {
        var x = a.Message.Owner + "\u001f" + a.Message.TypeKey;
        var y = b.Message.Owner + "\u001f" + b.Message.TypeKey;
        return string.CompareOrdinal(x, y) < 0 ? x + "\u001e" + y : y + "\u001e" + x;
    }

    /// <summary>A message on a subject as one owner has it: its declarations first, then its ports' messages, one each per type.</summary>
    private sealed record Side(CheckMessage Message, string? Flow, string? Rule);

    private static List<Side> Sides(CheckInput input)
    {
        var sides = new List<Side>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var message in input.Messages)
        {
            if (seen.Add(message.Owner + "\u001f" + message.TypeKey))
            {
                sides.Add(new Side(message, null, null));
            }
        }

        foreach (var flow in input.Flows)
        {
            foreach (var port in flow.Ports)
            {
                if (port.Message.Type != UnknownType && seen.Add(port.Message.Owner + "\u001f" + port.Message.TypeKey))
                {
                    sides.Add(new Side(port.Message, flow.Id, port.Rule));
                }
            }
        }

        return sides;
    }

    /// <summary>Ports nothing in the set connects, reported once per message type and direction, at the first reported port.</summary>
    private static void UnconnectedPorts(CheckInput input, List<CheckIssue> issues)
    {
        var ports = input.Flows.SelectMany(static f => f.Ports.Select(p => (Flow: f, Port: p))).ToList();
        var inputs = ports.Where(static p => p.Port.IsInput).Select(static p => p.Port.Message.Subject).ToList();
        var outputs = ports.Where(static p => !p.Port.IsInput).Select(static p => p.Port.Message.Subject)
            .Concat(input.Flows.SelectMany(static f => f.Produced))
            .Concat(input.Sent)
            .ToList();
        var external = new HashSet<string>(
            input.Messages.Concat(ports.Select(static p => p.Port.Message)).Where(static m => m.External).Select(static m => m.Subject),
            StringComparer.Ordinal);

        var groups = ports.GroupBy(static p => (p.Port.IsInput, p.Port.Message.TypeKey, p.Port.Message.Subject));
        foreach (var group in groups)
        {
            var (isInput, _, subject) = group.Key;
            if (external.Contains(subject) || group.FirstOrDefault(static p => p.Port.Reported) is not { Port: not null } reported)
            {
                continue;
            }

            var connected = isInput
                ? outputs.Any(o => SubjectRules.Matches(subject, o))
                : inputs.Any(i => SubjectRules.Matches(i, subject));
            if (connected)
            {
                continue;
            }

            var related = group.Where(p => !ReferenceEquals(p.Port, reported.Port)).Select(static p => p.Port.Tag).ToList();
            var message = reported.Port.Message;
            issues.Add(Issue(
                input,
                isInput ? CheckKind.UnproducedInput : CheckKind.OrphanedOutput,
                reported.Flow.Id,
                reported.Port.Rule,
                subject,
                "",
                "",
                [message.Type, subject, reported.Port.Rule, reported.Flow.Id],
                reported.Port.Tag,
                related,
                isInput
                    ? [$"If it is sent from outside, declare it [Message(\"{subject}\", External = true)].", "Otherwise add (or deploy) a flow whose rule returns it."]
                    : [$"If it is consumed outside, declare it [Message(\"{subject}\", External = true)].", "Otherwise add (or deploy) a flow whose rule takes it."]));
        }
    }

    private static void LifecycleSubjects(CheckInput input, List<CheckIssue> issues)
    {
        var sides = Sides(input);
        foreach (var flow in input.Flows.Where(static f => f.Reported))
        {
            foreach (var lifecycle in flow.Lifecycle)
            {
                if (sides.FirstOrDefault(s => s.Message.Subject == lifecycle.Value) is { } carried)
                {
                    issues.Add(Issue(input, CheckKind.LifecycleSubjectConflict, flow.Id, null, lifecycle.Value, "", "", [lifecycle.Key, lifecycle.Value, flow.Id, carried.Message.Type], flow.Tag, [carried.Message.Tag],
                        ["Give the lifecycle event a subject of its own."]));
                }
            }
        }
    }

    private static List<CheckLink> Links(CheckInput input)
    {
        var links = new List<CheckLink>();
        foreach (var from in input.Flows)
        {
            foreach (var output in from.Ports.Where(static p => !p.IsInput))
            {
                foreach (var to in input.Flows)
                {
                    foreach (var port in to.Ports.Where(p => p.IsInput && SubjectRules.Matches(p.Message.Subject, output.Message.Subject)))
                    {
                        var link = new CheckLink(output.Message.Subject, from.Id, output.Rule, to.Id, port.Rule, port.Message.Type);
                        if (!links.Contains(link))
                        {
                            links.Add(link);
                        }
                    }
                }
            }
        }

        return links;
    }

    private static CheckIssue Issue(CheckInput input, CheckKind kind, string flow, string? rule, string? subject, string other, string here, object[] arguments, object? tag, IReadOnlyList<object?> related, IReadOnlyList<string> suggestions)
    {
        var format = Words(Template(kind), input.Scope, input.SetName, other, here);
        var error = kind is not (CheckKind.OrphanedOutput or CheckKind.UnproducedInput);
        return new CheckIssue(kind, IdOf(kind, input.Scope), error, flow, rule, subject, string.Format(CultureInfo.InvariantCulture, format, arguments), suggestions, arguments, tag, related);
    }

    /// <summary>Each kind's text; {0}.. are the arguments, {in}, {outside}, {nothing}, {other}, {here} the scope's and the issue's words.</summary>
    private static string Template(CheckKind kind) => kind switch
    {
        CheckKind.DuplicateFlowId =>
            "Flow id '{0}' is declared by both '{1}' and '{2}'{other}: a flow id names the flow's subjects, state and deployment, so it must be unique. Give one of them another id.",
        CheckKind.SubjectBoundToTwoTypes =>
            "Subject '{0}' is bound to both '{1}'{here} and '{2}'{other}: a rule listening on it could not tell which type a message is. Give each message type its own subject.",
        CheckKind.SchemaMismatch =>
            "Subject '{0}' carries {1}{here}, but {2}{other}. Members differ ({3}). Both sides of a subject must agree on the message: share one message type, or make the declarations match.",
        CheckKind.OrphanedOutput =>
            "Message '{0}' ({1}) is published by rule '{2}' of flow '{3}', but no rule {in} takes it. If it is consumed outside {outside}, declare the port external: [Message(\"{1}\", External = true)]; otherwise add a rule that takes it.",
        CheckKind.UnproducedInput =>
            "Message '{0}' ({1}) triggers rule '{2}' of flow '{3}', but nothing {in} produces it: {nothing}. If it is sent from outside {outside}, declare the port external: [Message(\"{1}\", External = true)]; otherwise add a rule that returns it.",
        _ =>
            "{0} = \"{1}\" of flow '{2}' is also the subject of message '{3}': the runtime publishes an ExecutionEnded event there, which rules taking '{3}' cannot read. Give the lifecycle event a subject of its own.",
    };

    /// <summary>Fills a template's words; text put in is escaped, so the result is a format string for the arguments.</summary>
    private static string Words(string template, CheckScope scope, string set, string other, string here)
    {
        var (inWords, outside, nothing) = scope switch
        {
            CheckScope.Compilation => ("in this assembly", "this assembly", "no rule returns it and no code creates one"),
            CheckScope.Assemblies => ($"in {set}", "these assemblies", "no rule returns it and no schedule or lifecycle event sends it"),
            _ => ($"in {set}", "these flows", "no rule returns it and no schedule or lifecycle event sends it"),
        };
        return new StringBuilder(template)
            .Replace("{in}", Escape(inWords))
            .Replace("{outside}", Escape(outside))
            .Replace("{nothing}", Escape(nothing))
            .Replace("{other}", Escape(other))
            .Replace("{here}", Escape(here))
            .ToString();
    }

    private static string Escape(string text) => text.Replace("{", "{{").Replace("}", "}}");

    private static string Where(CheckScope scope, string owner) => scope == CheckScope.Assemblies ? $"referenced assembly '{owner}'" : $"flow '{owner}'";

    private static string At(string? location) => location is null ? "" : $" ({location})";

    private static string ShortName(string type)
    {
        var dot = type.LastIndexOf('.');
        return dot < 0 ? type : type.Substring(dot + 1);
    }
}
