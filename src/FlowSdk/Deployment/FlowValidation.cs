using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FlowSdk.Common;

namespace FlowSdk;

/// <summary>How serious a validation issue is.</summary>
public enum ValidationSeverity
{
    /// <summary>Worth a look; the flows run (a port connected outside the flows checked, for example).</summary>
    Warning = 0,

    /// <summary>The flows do not work together as declared; <c>deploy</c> refuses it unless forced.</summary>
    Error = 1,
}

/// <summary>One problem found in a set of flows checked together.</summary>
/// <param name="Kind">
/// What kind of problem: <c>orphaned-output</c>, <c>unproduced-input</c>, <c>subject-bound-to-two-types</c>,
/// <c>schema-mismatch</c>, <c>duplicate-flow-id</c> (the analyzers also report <c>lifecycle-subject-conflict</c>).
/// </param>
/// <param name="Id">The diagnostic ID the analyzers and the MSBuild task report it under (FLOW0201, FLOW0202, FLOW0203, FLOW0204).</param>
/// <param name="Severity">How serious it is.</param>
/// <param name="Flow">The flow concerned.</param>
/// <param name="Rule">The rule concerned, or <see langword="null"/>.</param>
/// <param name="Subject">The subject (port) concerned, or <see langword="null"/>.</param>
/// <param name="Message">What is wrong and what to do, in the words the analyzers and the MSBuild task use.</param>
/// <param name="Suggestions">What to do, one fix each.</param>
public sealed record ValidationIssue(string Kind, string Id, ValidationSeverity Severity, string Flow, string? Rule, string? Subject, string Message, IReadOnlyList<string> Suggestions);

/// <summary>A connection between flows: a rule's output that a flow's input port consumes.</summary>
/// <param name="Subject">The subject the output is published on.</param>
/// <param name="FromFlow">The flow that publishes.</param>
/// <param name="FromRule">Its rule.</param>
/// <param name="ToFlow">The flow that consumes.</param>
/// <param name="ToRule">Its rule.</param>
/// <param name="MessageType">The message type the consumer reads.</param>
public sealed record FlowLink(string Subject, string FromFlow, string FromRule, string ToFlow, string ToRule, string MessageType);

/// <summary>
/// A port of a deployed flow as its deployment record keeps it, so validation at deploy time sees the
/// flows of every host: the subject, the message type and its schema.
/// </summary>
/// <param name="IsInput">Whether the flow consumes the subject (else a rule publishes on it).</param>
/// <param name="Subject">The subject.</param>
/// <param name="MessageType">The message type's name; <c>?</c> for an output (the runtime knows outputs by subject only).</param>
/// <param name="Schema">The schema hash (16 hex digits of SHA-256 over the message's fields); empty when unknown.</param>
/// <param name="Members">The message's fields, in order; empty when unknown.</param>
/// <param name="Rule">The (first) rule that takes or publishes it.</param>
public sealed record FlowPort(bool IsInput, string Subject, string MessageType, string Schema, IReadOnlyList<string> Members, string Rule)
{
    /// <summary>Whether the message type is declared <c>External</c>: connected outside the flows, so validation does not warn that nothing produces it.</summary>
    public bool External { get; init; }
}

/// <summary>An input port that knows whether its message type is declared <c>External</c>.</summary>
internal interface IExternalPort
{
    /// <summary>Whether the message type is declared <c>[Message(..., External = true)]</c>.</summary>
    bool External { get; }
}

/// <summary>What a flow looks like to validation: its ports and the subjects it publishes besides its rules' outputs (schedule ticks, lifecycle and execution events).</summary>
/// <param name="Flow">The flow id.</param>
/// <param name="Ports">Its ports.</param>
/// <param name="Produced">Subjects its schedules and lifecycle events publish on.</param>
public sealed record FlowShape(string Flow, IReadOnlyList<FlowPort> Ports, IReadOnlyList<string> Produced);

/// <summary>The result of validating flows together: valid, warnings or errors; the issues; the connections found between the flows.</summary>
/// <param name="Issues">The issues, errors first.</param>
/// <param name="Links">The connections between the flows, by subject.</param>
/// <param name="Flows">The flows checked.</param>
public sealed record FlowValidationResult(IReadOnlyList<ValidationIssue> Issues, IReadOnlyList<FlowLink> Links, IReadOnlyList<string> Flows)
{
    /// <summary>Deployed flows whose records carry no ports (deployed by an older version): left out of the checks.</summary>
    public IReadOnlyList<string> Unchecked { get; init; } = [];

    /// <summary>Whether there is no error (warnings are allowed).</summary>
    public bool IsValid => Issues.All(static i => i.Severity != ValidationSeverity.Error);

    /// <summary>The number of errors.</summary>
    public int ErrorCount => Issues.Count(static i => i.Severity == ValidationSeverity.Error);

    /// <summary>The number of warnings.</summary>
    public int WarningCount => Issues.Count(static i => i.Severity == ValidationSeverity.Warning);

    /// <summary>The result as text: one line an issue (<c>error FLOW0203 subject-bound-to-two-types: ...</c>) with its suggestions, the connections and a summary line.</summary>
    /// <returns>The text, ending with a new line.</returns>
    public string ToText()
    {
        var text = new StringBuilder();
        foreach (var issue in Issues)
        {
            text.Append(CultureInfo.InvariantCulture, $"{(issue.Severity == ValidationSeverity.Error ? "error" : "warning")} {issue.Id} {issue.Kind}: {issue.Message}\n");
            foreach (var suggestion in issue.Suggestions)
            {
                text.Append(CultureInfo.InvariantCulture, $"  suggestion: {suggestion}\n");
            }
        }

        foreach (var link in Links)
        {
            text.Append(CultureInfo.InvariantCulture, $"link {link.FromFlow}.{link.FromRule} -> {link.Subject} -> {link.ToFlow}.{link.ToRule} ({link.MessageType})\n");
        }

        foreach (var flow in Unchecked)
        {
            text.Append(CultureInfo.InvariantCulture, $"note: flow '{flow}' is deployed without port information (deployed by an older version); deploy it again to include it.\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"{(IsValid ? WarningCount > 0 ? "valid with warnings" : "valid" : "invalid")}: {ErrorCount} error(s), {WarningCount} warning(s), {Links.Count} link(s) in {Flows.Count} flow(s).\n");
        return text.ToString();
    }

    /// <summary>
    /// The result as JSON: <c>{"valid", "errors", "warnings", "flows": [...], "issues": [{"severity", "kind", "id", "flow", "rule",
    /// "subject", "message", "suggestions"}], "links": [{"subject", "from", "fromRule", "to", "toRule", "messageType"}], "unchecked": [...]}</c>.
    /// </summary>
    /// <returns>Indented JSON, ending with a new line.</returns>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteBoolean("valid", IsValid);
            json.WriteNumber("errors", ErrorCount);
            json.WriteNumber("warnings", WarningCount);
            Strings(json, "flows", Flows);
            json.WriteStartArray("issues");
            foreach (var issue in Issues)
            {
                json.WriteStartObject();
                json.WriteString("severity", issue.Severity == ValidationSeverity.Error ? "error" : "warning");
                json.WriteString("kind", issue.Kind);
                json.WriteString("id", issue.Id);
                json.WriteString("flow", issue.Flow);
                json.WriteString("rule", issue.Rule);
                json.WriteString("subject", issue.Subject);
                json.WriteString("message", issue.Message);
                Strings(json, "suggestions", issue.Suggestions);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("links");
            foreach (var link in Links)
            {
                json.WriteStartObject();
                json.WriteString("subject", link.Subject);
                json.WriteString("from", link.FromFlow);
                json.WriteString("fromRule", link.FromRule);
                json.WriteString("to", link.ToFlow);
                json.WriteString("toRule", link.ToRule);
                json.WriteString("messageType", link.MessageType);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            Strings(json, "unchecked", Unchecked);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void Strings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }
}

/// <summary>
/// Checks flows as they run together, with the checks and wording the analyzers and the MSBuild task
/// use (one implementation): a subject bound to two message types or two schemas (error), an output no
/// flow consumes and an input no flow produces (warnings). <c>validate</c> checks a host's flows,
/// <c>validate --cluster</c> and <c>deploy</c> every flow deployed in the cluster.
/// </summary>
public static class FlowValidation
{
    /// <summary>What the flows of a host are called in messages.</summary>
    private const string HostSet = "these flows";

    /// <summary>What the flows deployed in a cluster are called in messages.</summary>
    private const string ClusterSet = "the flows deployed together";

    /// <summary>Checks flows that run together (the flows of a host).</summary>
    /// <param name="flows">The flows.</param>
    /// <returns>The result.</returns>
    public static FlowValidationResult Validate(IReadOnlyCollection<FlowDefinition> flows)
    {
        ArgumentNullException.ThrowIfNull(flows);
        var shapes = flows.Select(ShapeOf).ToList();
        return Run(HostSet, shapes, shapes.Select(static s => s.Flow).ToHashSet(StringComparer.Ordinal), []);
    }

    /// <summary>
    /// Checks flows together with the flows deployed in a cluster, as their deployment records describe
    /// them. A deployed flow that is also in <paramref name="flows"/> is checked as <paramref name="flows"/> has it.
    /// </summary>
    /// <param name="flows">The flows to check (reported on).</param>
    /// <param name="deployed">The deployment records of the cluster; NotDeployed ones are left out.</param>
    /// <param name="reportDeployed">Whether to report issues of the deployed flows too (<c>validate --cluster</c>), or only of <paramref name="flows"/> (<c>deploy</c>).</param>
    /// <returns>The result.</returns>
    public static FlowValidationResult ValidateWithDeployed(IReadOnlyCollection<FlowDefinition> flows, IEnumerable<DeploymentRecord> deployed, bool reportDeployed)
    {
        ArgumentNullException.ThrowIfNull(flows);
        ArgumentNullException.ThrowIfNull(deployed);
        var shapes = flows.Select(ShapeOf).ToList();
        var reported = shapes.Select(static s => s.Flow).ToHashSet(StringComparer.Ordinal);
        var mine = new HashSet<string>(reported, StringComparer.Ordinal);
        var unchecked_ = new List<string>();
        foreach (var record in deployed.Where(r => r.State != DeploymentState.NotDeployed && !mine.Contains(r.Flow)).OrderBy(static r => r.Flow, StringComparer.Ordinal))
        {
            if (record.Shape is null)
            {
                unchecked_.Add(record.Flow);
                continue;
            }

            shapes.Add(record.Shape with { Flow = record.Flow });
            if (reportDeployed)
            {
                reported.Add(record.Flow);
            }
        }

        return Run(ClusterSet, shapes, reported, unchecked_);
    }

    /// <summary>A flow's ports and produced subjects, as its deployment record keeps them.</summary>
    /// <param name="flow">The flow.</param>
    /// <returns>The shape.</returns>
    public static FlowShape ShapeOf(FlowDefinition flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var ports = new List<FlowPort>();
        foreach (var port in flow.InputPorts)
        {
            var rule = port.Rules.Count > 0 ? port.Rules[0].Name : "?";
            var members = port.Fields ?? [];
            ports.Add(new FlowPort(true, port.Subject, port.MessageType, port.Fields is null ? "" : SchemaOf(members), [.. members], rule)
            {
                External = port is IExternalPort { External: true },
            });
        }

        foreach (var rule in flow.Rules.Where(static r => r.Output is not null))
        {
            ports.Add(new FlowPort(false, rule.Output!, CrossFlowChecks.UnknownType, "", [], rule.Name));
        }

        // A fan-out group publishes its children's start messages and takes their results in (the
        // result comes back in the child's report; the group waits for it).
        foreach (var group in flow.FanOuts)
        {
            var by = $"fan-out group {group.Name}";
            ports.Add(new FlowPort(false, group.InputSubject, CrossFlowChecks.UnknownType, "", [], by));
            ports.Add(new FlowPort(true, group.ResultSubject, group.ResultType, "", [], by));
        }

        var lifecycle = flow.Lifecycle;
        var produced = flow.Schedules.Select(static s => s.Subject)
            .Concat(new[] { lifecycle.Completed, lifecycle.Failed, lifecycle.Escalated, lifecycle.TimedOut }.OfType<string>())
            .Concat(lifecycle.Events is { } prefix ? Enum.GetValues<ExecutionEventKind>().Select(kind => ExecutionEvent.Subject(prefix, kind)) : [])
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return new FlowShape(flow.Id, ports, produced);
    }

    /// <summary>The schema hash of a message's fields: 16 hex digits of SHA-256 over them, in order.</summary>
    private static string SchemaOf(IEnumerable<string> members) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", members))))[..16];

    private static FlowValidationResult Run(string set, List<FlowShape> shapes, HashSet<string> reported, List<string> unchecked_)
    {
        var flows = shapes.Select(shape =>
        {
            var mine = reported.Contains(shape.Flow);
            var ports = shape.Ports.Select(p => new CheckPort(
                p.Rule,
                p.IsInput,
                new CheckMessage(p.Subject, p.MessageType, p.MessageType, p.Schema, p.Members, p.External, shape.Flow, null) { Reported = mine })
            {
                Reported = mine,
            }).ToList();
            return new CheckFlow(shape.Flow, shape.Flow, shape.Flow, null, ports, shape.Produced) { Reported = mine };
        }).ToList();
        var result = CrossFlowChecks.Run(new CheckInput(CheckScope.Cluster, set, flows, []));
        return new FlowValidationResult(
            [.. result.Issues.Select(static i => new ValidationIssue(CrossFlowChecks.KindName(i.Kind), i.Id, i.IsError ? ValidationSeverity.Error : ValidationSeverity.Warning, i.Flow, i.Rule, i.Subject, i.Message, i.Suggestions))],
            [.. result.Links.Select(static l => new FlowLink(l.Subject, l.FromFlow, l.FromRule, l.ToFlow, l.ToRule, l.Type))],
            [.. shapes.Select(static s => s.Flow)])
        {
            Unchecked = unchecked_,
        };
    }
}

/// <summary><c>deploy</c> refused a flow because validating it with the flows deployed in the cluster found errors; <see cref="Validation"/> lists them. Deploy with force to deploy anyway.</summary>
public sealed class DeploymentValidationException : DeploymentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="flow">The flow id.</param>
    /// <param name="state">The flow's deployment state.</param>
    /// <param name="validation">The validation result, with its errors.</param>
    public DeploymentValidationException(string flow, DeploymentState state, FlowValidationResult validation)
        : base(flow, DeploymentAction.Deploy, state, Describe(flow, validation))
    {
        Validation = validation;
    }

    /// <summary>The validation result.</summary>
    public FlowValidationResult Validation { get; }

    private static string Describe(string flow, FlowValidationResult validation)
    {
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"Cannot deploy flow '{flow}': validating it with the flows deployed in the cluster found {validation.ErrorCount} error(s) (deploy --force deploys it anyway):");
        foreach (var issue in validation.Issues.Where(static i => i.Severity == ValidationSeverity.Error))
        {
            text.Append(CultureInfo.InvariantCulture, $"\n  error {issue.Id} {issue.Kind}: {issue.Message}");
        }

        return text.ToString();
    }
}
