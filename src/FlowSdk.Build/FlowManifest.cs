using System.Text.Json;

namespace FlowSdk.Build;

/// <summary>Where a declaration is in the source: the file the compiler read and a 1-based line and column (0 when unknown).</summary>
internal sealed record SourcePosition(string? File, int Line, int Column)
{
    public static SourcePosition None { get; } = new(null, 0, 0);

    public override string ToString() => File is null ? "(unknown)" : Line > 0 ? $"{File}({Line},{Column})" : File;
}

/// <summary>A message type as one assembly sees it: subject, schema (members and their fingerprint) and where it is declared.</summary>
internal sealed record MessageEntry(
    string Subject,
    string Message,
    bool External,
    string Fingerprint,
    IReadOnlyList<string> Members,
    SourcePosition Location);

/// <summary>A port of a flow: a message type it consumes (<c>in</c>) or produces (<c>out</c>).</summary>
internal sealed record PortEntry(string Direction, MessageEntry Schema)
{
    public bool IsInput => Direction == "in";
}

/// <summary>A phase of a flow.</summary>
internal sealed record PhaseEntry(string Name, bool Initial, bool Terminal);

/// <summary>A rule of a flow, in evaluation order.</summary>
internal sealed record RuleEntry(
    string Name,
    string Class,
    string Trigger,
    string? From,
    string? To,
    string? InputSubject,
    string? InputMessage,
    string? OutputSubject,
    string? OutputMessage,
    IReadOnlyList<string> Conditions,
    SourcePosition Location)
{
    /// <summary>The approval policy (Ask, Approve, Deny) of a rule that requires approval; <see langword="null"/> for the others.</summary>
    public string? Approval { get; init; }
}

/// <summary>A schedule of a flow: its name, its tick message and subject, and when it ticks (as the runtime describes it).</summary>
internal sealed record ScheduleEntry(string Name, string Subject, string Message, string When, string MissedTicks);

/// <summary>A fan-out group of a flow: the child flow it starts, the subjects of its start and result messages, its mode and timeout.</summary>
internal sealed record FanOutEntry(string Name, string ChildFlow, string Input, string Result, string Mode, string? Timeout);

/// <summary>A flow as its manifest describes it.</summary>
internal sealed record FlowEntry(
    string Id,
    string State,
    string? InitialPhase,
    IReadOnlyList<PhaseEntry> Phases,
    IReadOnlyList<RuleEntry> Rules,
    IReadOnlyList<PortEntry> Ports,
    IReadOnlyDictionary<string, string> Lifecycle,
    string? Timeout,
    int MaxIterations,
    SourcePosition Location)
{
    /// <summary>The flow's schedules (none in a manifest written before schedules were recorded).</summary>
    public IReadOnlyList<ScheduleEntry> Schedules { get; init; } = [];

    /// <summary>The flow's fan-out groups (none when it has none, or in a manifest written before they were recorded).</summary>
    public IReadOnlyList<FanOutEntry> FanOuts { get; init; } = [];
}

/// <summary>The flow manifest of one assembly: what the generator embedded as <c>[assembly: AssemblyMetadata("FlowSdk.Manifest", json)]</c>.</summary>
internal sealed record FlowManifest(string Assembly, string Path, IReadOnlyList<FlowEntry> Flows, IReadOnlyList<MessageEntry> Messages, string Json)
{
    /// <summary>The manifest shapes this reader understands.</summary>
    public const int SupportedVersion = 1;

    /// <summary>Whether <paramref name="message"/> (a type's full name) is declared in this assembly.</summary>
    public bool Declares(string message) => Messages.Any(m => m.Message == message);

    /// <summary>Parses a manifest's JSON.</summary>
    /// <param name="json">The JSON.</param>
    /// <param name="path">The assembly it was read from.</param>
    /// <exception cref="FormatException">The JSON is not a manifest this version understands.</exception>
    public static FlowManifest Parse(string json, string path)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var version = root.GetProperty("manifestVersion").GetInt32();
            if (version > SupportedVersion)
            {
                throw new FormatException($"manifest version {version} is newer than this FlowSdk.Build understands ({SupportedVersion}); use the same FlowSdk version in every project");
            }

            var flows = root.GetProperty("flows").EnumerateArray().Select(ReadFlow).ToList();
            var messages = root.GetProperty("messages").EnumerateArray().Select(ReadMessage).ToList();
            return new FlowManifest(root.GetProperty("assembly").GetString() ?? "", path, flows, messages, json);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException(e.Message, e);
        }
    }

    private static FlowEntry ReadFlow(JsonElement flow)
    {
        var lifecycle = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in flow.GetProperty("lifecycle").EnumerateObject())
        {
            if (entry.Value.GetString() is { } subject)
            {
                lifecycle[entry.Name] = subject;
            }
        }

        return new FlowEntry(
            flow.GetProperty("id").GetString()!,
            flow.GetProperty("state").GetString()!,
            String(flow, "initialPhase"),
            [.. flow.GetProperty("phases").EnumerateArray().Select(p => new PhaseEntry(p.GetProperty("name").GetString()!, p.GetProperty("initial").GetBoolean(), p.GetProperty("terminal").GetBoolean()))],
            [.. flow.GetProperty("rules").EnumerateArray().Select(ReadRule)],
            [.. flow.GetProperty("ports").EnumerateArray().Select(p => new PortEntry(p.GetProperty("direction").GetString()!, ReadMessage(p)))],
            lifecycle,
            String(flow, "timeout"),
            flow.GetProperty("maxIterations").GetInt32(),
            ReadLocation(flow))
        {
            Schedules = flow.TryGetProperty("schedules", out var schedules)
                ? [.. schedules.EnumerateArray().Select(ReadSchedule)]
                : [],
            FanOuts = flow.TryGetProperty("fanOuts", out var fanOuts)
                ? [.. fanOuts.EnumerateArray().Select(g => new FanOutEntry(
                    g.GetProperty("name").GetString()!,
                    g.GetProperty("childFlow").GetString()!,
                    g.GetProperty("input").GetString()!,
                    g.GetProperty("result").GetString()!,
                    String(g, "mode") ?? "All",
                    String(g, "timeout")))]
                : [],
        };
    }

    private static ScheduleEntry ReadSchedule(JsonElement schedule) => new(
        schedule.GetProperty("name").GetString()!,
        schedule.GetProperty("subject").GetString()!,
        schedule.GetProperty("message").GetString()!,
        String(schedule, "when") ?? "",
        String(schedule, "missedTicks") ?? "");

    private static RuleEntry ReadRule(JsonElement rule)
    {
        var input = rule.GetProperty("input");
        var output = rule.GetProperty("output");
        return new RuleEntry(
            rule.GetProperty("name").GetString()!,
            rule.GetProperty("class").GetString()!,
            rule.GetProperty("trigger").GetString()!,
            String(rule, "from"),
            String(rule, "to"),
            input.ValueKind == JsonValueKind.Object ? String(input, "subject") : null,
            input.ValueKind == JsonValueKind.Object ? String(input, "message") : null,
            output.ValueKind == JsonValueKind.Object ? String(output, "subject") : null,
            output.ValueKind == JsonValueKind.Object ? String(output, "message") : null,
            [.. rule.GetProperty("conditions").EnumerateArray().Select(c => c.GetProperty("description").GetString()!)],
            ReadLocation(rule))
        {
            Approval = rule.TryGetProperty("approval", out var approval) && approval.ValueKind == JsonValueKind.Object ? String(approval, "policy") : null,
        };
    }

    private static MessageEntry ReadMessage(JsonElement message) => new(
        message.GetProperty("subject").GetString()!,
        message.GetProperty("message").GetString()!,
        message.TryGetProperty("external", out var external) && external.GetBoolean(),
        String(message, "fingerprint") ?? "",
        message.TryGetProperty("members", out var members) ? [.. members.EnumerateArray().Select(m => m.GetString()!)] : [],
        ReadLocation(message));

    private static SourcePosition ReadLocation(JsonElement element) => new(
        String(element, "file"),
        element.TryGetProperty("line", out var line) ? line.GetInt32() : 0,
        element.TryGetProperty("column", out var column) ? column.GetInt32() : 0);

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
