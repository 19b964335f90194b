using System.Text;
using System.Text.Json;

namespace FlowSdk.Hosting;

/// <summary>How serious a validation issue is.</summary>
public enum IssueSeverity
{
    /// <summary>Worth a look; the flows run.</summary>
    Warning,

    /// <summary>The flows do not work as declared.</summary>
    Error,
}

/// <summary>One problem found in a set of flows.</summary>
/// <param name="Severity">How serious it is.</param>
/// <param name="Kind">What kind of problem: <c>unconsumed-output</c>, <c>unproduced-input</c>, <c>subject-type-mismatch</c>.</param>
/// <param name="Message">What is wrong, and what to do.</param>
public sealed record ValidationIssue(IssueSeverity Severity, string Kind, string Message);

/// <summary>Checks a set of flows as they will run together: the checks that need every flow at once.</summary>
public static class FlowValidation
{
    /// <summary>Checks the flows.</summary>
    /// <param name="flows">The flows that run together.</param>
    /// <returns>The issues, errors first.</returns>
    public static IReadOnlyList<ValidationIssue> Validate(IReadOnlyCollection<FlowDefinition> flows)
    {
        var issues = new List<ValidationIssue>();
        var inputs = flows.SelectMany(f => f.InputPorts.Select(p => (Flow: f.Id, p.Subject, p.MessageType))).ToList();
        // A schedule publishes its ticks: a tick port has a producer, the schedule.
        var outputs = flows.SelectMany(f => f.Rules.Where(r => r.Output is not null).Select(r => (Flow: f.Id, Subject: r.Output!, Rule: r.Name)))
            .Concat(flows.SelectMany(f => f.Schedules.Select(s => (Flow: f.Id, s.Subject, Rule: "schedule " + s.Name))))
            .ToList();

        foreach (var group in inputs.GroupBy(i => i.Subject).Where(g => g.Select(i => i.MessageType).Distinct().Count() > 1))
        {
            issues.Add(new ValidationIssue(IssueSeverity.Error, "subject-type-mismatch",
                $"Subject '{group.Key}' carries different message types: {string.Join(", ", group.Select(i => $"{i.MessageType} in flow '{i.Flow}'"))}. Bind each subject to one message type."));
        }

        foreach (var output in outputs.Where(o => !o.Rule.StartsWith("schedule ", StringComparison.Ordinal) && !inputs.Any(i => Subjects.Matches(i.Subject, o.Subject))).DistinctBy(o => o.Subject))
        {
            issues.Add(new ValidationIssue(IssueSeverity.Warning, "unconsumed-output",
                $"Rule '{output.Rule}' of flow '{output.Flow}' publishes on '{output.Subject}', which no flow here consumes. If a system outside these flows consumes it, that is expected."));
        }

        foreach (var input in inputs.Where(i => !outputs.Any(o => Subjects.Matches(i.Subject, o.Subject))).DistinctBy(i => i.Subject))
        {
            issues.Add(new ValidationIssue(IssueSeverity.Warning, "unproduced-input",
                $"Flow '{input.Flow}' consumes '{input.Subject}' ({input.MessageType}), which no flow here produces. If a system outside these flows (or 'send') feeds it, that is expected."));
        }

        return [.. issues.OrderByDescending(i => i.Severity).ThenBy(i => i.Kind, StringComparer.Ordinal).ThenBy(i => i.Message, StringComparer.Ordinal)];
    }

    /// <summary>Writes issues as JSON: <c>{"valid": bool, "errors": n, "warnings": n, "issues": [...]}</c>.</summary>
    /// <param name="issues">The issues.</param>
    /// <returns>The JSON text.</returns>
    public static string ToJson(IReadOnlyList<ValidationIssue> issues)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteBoolean("valid", !issues.Any(i => i.Severity == IssueSeverity.Error));
            json.WriteNumber("errors", issues.Count(i => i.Severity == IssueSeverity.Error));
            json.WriteNumber("warnings", issues.Count(i => i.Severity == IssueSeverity.Warning));
            json.WriteStartArray("issues");
            foreach (var issue in issues)
            {
                json.WriteStartObject();
                json.WriteString("severity", issue.Severity == IssueSeverity.Error ? "error" : "warning");
                json.WriteString("kind", issue.Kind);
                json.WriteString("message", issue.Message);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
