using FlowSdk.Common;

namespace FlowSdk.Build;

/// <summary>The codes of the task's diagnostics (FLOW0200–FLOW0299; the analyzers own FLOW0001–FLOW0199).</summary>
internal static class FlowCodes
{
    /// <summary>A subject a flow of this project consumes is produced by no flow of the set and declared External nowhere.</summary>
    public const string UnproducedInput = "FLOW0201";

    /// <summary>A subject a flow of this project produces is consumed by no flow of the set and declared External nowhere.</summary>
    public const string UnconsumedOutput = "FLOW0202";

    /// <summary>One subject, two message schemas: the two sides of a port disagree about the message.</summary>
    public const string SchemaMismatch = "FLOW0203";

    /// <summary>A flow id of this project is also used by a flow of a referenced assembly.</summary>
    public const string DuplicateFlowId = "FLOW0204";

    /// <summary>A referenced assembly carries a manifest this version cannot read.</summary>
    public const string UnreadableManifest = "FLOW0205";

    /// <summary>The page that explains a code, or empty when the build was given no docs address (the page ships in the package, docs/diagnostics/).</summary>
    public static string HelpLink(string code) => FlowSdkDocs.BaseUrl.Length == 0 ? "" : $"{FlowSdkDocs.BaseUrl}diagnostics/{code}.md";
}

/// <summary>One problem the task found, at the declaration to fix.</summary>
internal sealed record FlowIssue(string Code, bool IsError, string Message, SourcePosition Location)
{
    public string HelpLink => FlowCodes.HelpLink(Code);

    public override string ToString() => $"{Location}: {(IsError ? "error" : "warning")} {Code}: {Message}";
}

/// <summary>
/// The checks that need more than one compilation. They run over a set of manifests: the project's
/// own and those of the assemblies it references. Each issue concerns a declaration of the project
/// itself, so a solution build reports every problem once, in the project that can fix it.
/// </summary>
internal static class FlowChecks
{
    /// <summary>Checks <paramref name="current"/> against the set.</summary>
    /// <param name="current">The manifest of the assembly being built.</param>
    /// <param name="referenced">The manifests of the assemblies it references.</param>
    /// <param name="checkConnections">Whether to report unconnected ports (FLOW0201, FLOW0202).</param>
    /// <returns>The issues, in a stable order: errors first, then by file, line and code.</returns>
    public static IReadOnlyList<FlowIssue> Run(FlowManifest current, IReadOnlyList<FlowManifest> referenced, bool checkConnections)
    {
        var set = new List<FlowManifest> { current };
        set.AddRange(referenced);
        var issues = new List<FlowIssue>();
        DuplicateFlowIds(current, referenced, issues);
        SchemaMismatches(current, referenced, issues);
        if (checkConnections)
        {
            Connections(current, set, issues);
        }

        return [.. issues
            .Distinct()
            .OrderByDescending(i => i.IsError)
            .ThenBy(i => i.Location.File, StringComparer.Ordinal)
            .ThenBy(i => i.Location.Line)
            .ThenBy(i => i.Location.Column)
            .ThenBy(i => i.Code, StringComparer.Ordinal)
            .ThenBy(i => i.Message, StringComparer.Ordinal)];
    }

    private static void DuplicateFlowIds(FlowManifest current, IReadOnlyList<FlowManifest> referenced, List<FlowIssue> issues)
    {
        foreach (var flow in current.Flows)
        {
            foreach (var other in referenced)
            {
                if (other.Flows.FirstOrDefault(f => f.Id == flow.Id) is { } twin)
                {
                    issues.Add(new FlowIssue(
                        FlowCodes.DuplicateFlowId,
                        IsError: true,
                        $"Flow id '{flow.Id}' ({flow.State}) is also the id of {twin.State} in referenced assembly '{other.Assembly}' ({twin.Location}). Flow ids name executions, keys and subjects at run time: give each flow its own.",
                        flow.Location));
                }
            }
        }
    }

    /// <summary>A message type on a subject as one assembly sees it: declared there, or used by one of its flows' ports.</summary>
    private sealed record Side(FlowManifest Owner, MessageEntry Schema);

    private static IEnumerable<Side> Sides(FlowManifest manifest)
    {
        // The declaration first: its position is the one to fix; a port on the same type adds nothing.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var message in manifest.Messages)
        {
            if (seen.Add(message.Message))
            {
                yield return new Side(manifest, message);
            }
        }

        foreach (var port in manifest.Flows.SelectMany(f => f.Ports))
        {
            if (seen.Add(port.Schema.Message))
            {
                yield return new Side(manifest, port.Schema);
            }
        }
    }

    private static void SchemaMismatches(FlowManifest current, IReadOnlyList<FlowManifest> referenced, List<FlowIssue> issues)
    {
        var others = referenced.SelectMany(Sides).Where(s => s.Schema.Fingerprint.Length > 0).ToList();
        foreach (var mine in Sides(current).Where(s => s.Schema.Fingerprint.Length > 0))
        {
            // One subject, one schema. Two types of this assembly on a subject are the analyzers' FLOW0016.
            var conflicts = others
                .Where(o => o.Schema.Subject == mine.Schema.Subject && o.Schema.Fingerprint != mine.Schema.Fingerprint)
                .OrderBy(o => o.Owner.Assembly, StringComparer.Ordinal)
                .ThenBy(o => o.Schema.Message, StringComparer.Ordinal)
                .ToList();
            if (conflicts.Count == 0)
            {
                continue;
            }

            var other = conflicts[0];
            var onlyMine = mine.Schema.Members.Except(other.Schema.Members, StringComparer.Ordinal).ToList();
            var onlyTheirs = other.Schema.Members.Except(mine.Schema.Members, StringComparer.Ordinal).ToList();
            var difference = string.Join("; ", new[]
            {
                onlyMine.Count > 0 ? $"only here: {string.Join(", ", onlyMine)}" : null,
                onlyTheirs.Count > 0 ? $"only in '{other.Owner.Assembly}': {string.Join(", ", onlyTheirs)}" : null,
            }.OfType<string>());
            var more = conflicts.Count > 1 ? $" ({conflicts.Count - 1} more declaration(s) on the subject differ too)" : "";
            issues.Add(new FlowIssue(
                FlowCodes.SchemaMismatch,
                IsError: true,
                $"Subject '{mine.Schema.Subject}' carries {mine.Schema.Message} {{{string.Join(", ", mine.Schema.Members)}}} here, but {other.Schema.Message} {{{string.Join(", ", other.Schema.Members)}}} in referenced assembly '{other.Owner.Assembly}' ({other.Schema.Location}){more}. Members differ ({difference}). Both sides of a subject must agree on the message: share one message type, or make the declarations match.",
                mine.Schema.Location));
        }
    }

    private static void Connections(FlowManifest current, List<FlowManifest> set, List<FlowIssue> issues)
    {
        var flows = set.SelectMany(m => m.Flows).ToList();
        var inputs = flows.SelectMany(f => f.Ports.Where(p => p.IsInput).Select(p => p.Schema.Subject)).ToList();
        // A schedule publishes its ticks: it is the producer of its tick subject.
        var outputs = flows.SelectMany(f => f.Ports.Where(p => !p.IsInput).Select(p => p.Schema.Subject).Concat(f.Lifecycle.Values).Concat(f.Schedules.Select(s => s.Subject))).ToList();
        var external = set.SelectMany(Sides).Where(s => s.Schema.External).Select(s => s.Schema.Subject).ToHashSet(StringComparer.Ordinal);
        var names = string.Join(", ", set.Select(m => m.Assembly).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

        foreach (var flow in current.Flows)
        {
            foreach (var port in flow.Ports)
            {
                var schema = port.Schema;

                // A message type declared in this assembly is the analyzers' (FLOW0022, FLOW0023): they also see
                // the code that sends one. External ports are connected outside any set the build can see.
                if (schema.External || external.Contains(schema.Subject) || current.Declares(schema.Message))
                {
                    continue;
                }

                if (port.IsInput && !outputs.Any(o => SubjectRules.Matches(schema.Subject, o)))
                {
                    var rule = flow.Rules.FirstOrDefault(r => r.InputMessage == schema.Message)?.Name ?? "?";
                    issues.Add(new FlowIssue(
                        FlowCodes.UnproducedInput,
                        IsError: false,
                        $"Rule '{rule}' of flow '{flow.Id}' takes {schema.Message} on '{schema.Subject}', but no flow of {names} produces it. If it is sent from outside these flows, declare it [Message(\"{schema.Subject}\", External = true)]; otherwise reference the project whose flow produces it.",
                        schema.Location));
                }
                else if (!port.IsInput && !inputs.Any(i => SubjectRules.Matches(i, schema.Subject)))
                {
                    var rule = flow.Rules.FirstOrDefault(r => r.OutputMessage == schema.Message)?.Name ?? "?";
                    issues.Add(new FlowIssue(
                        FlowCodes.UnconsumedOutput,
                        IsError: false,
                        $"Rule '{rule}' of flow '{flow.Id}' publishes {schema.Message} on '{schema.Subject}', but no flow of {names} consumes it. If it is consumed outside these flows, declare it [Message(\"{schema.Subject}\", External = true)].",
                        schema.Location));
                }
            }
        }
    }
}
