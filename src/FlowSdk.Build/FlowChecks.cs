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
/// The checks that need more than one compilation, run over a set of manifests: the project's own and
/// those of the assemblies it references. The checks themselves are <see cref="CrossFlowChecks"/>,
/// shared with the analyzers and the hosts; this maps manifests to them. Each issue concerns a
/// declaration of the project itself, so a solution build reports every problem once, in the project
/// that can fix it.
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
        List<FlowManifest> set = [current, .. referenced];
        var names = string.Join(", ", set.Select(m => m.Assembly).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        var input = new CheckInput(
            CheckScope.Assemblies,
            names,
            [.. set.SelectMany(m => m.Flows.Select(f => Flow(m, f, ReferenceEquals(m, current))))],
            [.. set.SelectMany(m => m.Messages.Select(e => Message(m, e, ReferenceEquals(m, current))))]);
        var result = CrossFlowChecks.Run(input);

        return [.. result.Issues
            .Where(i => checkConnections || i.Kind is not (CheckKind.OrphanedOutput or CheckKind.UnproducedInput))
            .Select(i => new FlowIssue(i.Id, i.IsError, i.Message, i.Tag as SourcePosition ?? SourcePosition.None))
            .Distinct()
            .OrderByDescending(i => i.IsError)
            .ThenBy(i => i.Location.File, StringComparer.Ordinal)
            .ThenBy(i => i.Location.Line)
            .ThenBy(i => i.Location.Column)
            .ThenBy(i => i.Code, StringComparer.Ordinal)
            .ThenBy(i => i.Message, StringComparer.Ordinal)];
    }

    private static CheckMessage Message(FlowManifest owner, MessageEntry entry, bool current) =>
        new(entry.Subject, entry.Message, entry.Message, entry.Fingerprint, entry.Members, entry.External, owner.Assembly, entry.Location.File is null ? null : entry.Location.ToString())
        {
            Reported = current,
            Tag = entry.Location,
        };

    private static CheckFlow Flow(FlowManifest owner, FlowEntry flow, bool current)
    {
        var ports = flow.Ports.Select(port =>
        {
            var rule = flow.Rules.FirstOrDefault(r => (port.IsInput ? r.InputMessage : r.OutputMessage) == port.Schema.Message)?.Name ?? "?";

            // A message type declared in this assembly is the analyzers' (FLOW0022, FLOW0023): they also
            // see the code that sends one.
            return new CheckPort(rule, port.IsInput, Message(owner, port.Schema, current))
            {
                Reported = current && !owner.Declares(port.Schema.Message),
                Tag = port.Schema.Location,
            };
        });

        // A schedule publishes its ticks, a flow its lifecycle events: it produces their subjects.
        return new CheckFlow(flow.Id, flow.State, owner.Assembly, flow.Location.File is null ? null : flow.Location.ToString(), [.. ports], [.. flow.Lifecycle.Values, .. flow.Schedules.Select(s => s.Subject)])
        {
            Reported = current,
            Tag = flow.Location,
        };
    }
}
