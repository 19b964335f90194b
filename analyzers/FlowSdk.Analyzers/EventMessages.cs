using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowSdk.Analyzers;

/// <summary>
/// FLOW0038: a message type on a subject where a flow publishes its lifecycle events
/// (<c>[Flow(Events = "prefix")]</c>, <c>&lt;prefix&gt;.&lt;kind&gt;</c>) must read an <c>ExecutionEvent</c>:
/// each of its serialized members one of the event's, with the event's type. Such messages are
/// produced by the runtime, so they never count as inputs without a producer (FLOW0023). A message
/// under the prefix whose last token is no event kind is FLOW0038 too (nothing arrives there); two flows
/// with one prefix are FLOW0058.
/// </summary>
internal static class EventMessages
{
    /// <summary>The last tokens of the event subjects, as <c>ExecutionEvent.KindToken</c> writes them.</summary>
    private static readonly string[] Kinds = ["started", "step", "waiting", "paused", "resumed", "cancelled", "retried", "ended", "approved", "rejected"];

    private enum Wire
    {
        Text,
        Kind,
        Status,
        Trigger,
        Action,
        Int64,
        Int32,
        Time,
    }

    /// <summary>The event's members: how each is written, and whether every event has it.</summary>
    private static readonly Dictionary<string, (Wire Wire, bool Always)> Members = new(StringComparer.Ordinal)
    {
        ["Flow"] = (Wire.Text, true),
        ["ExecutionId"] = (Wire.Text, true),
        ["Kind"] = (Wire.Kind, true),
        ["Status"] = (Wire.Status, true),
        ["Phase"] = (Wire.Text, true),
        ["Sequence"] = (Wire.Int64, true),
        ["At"] = (Wire.Time, true),
        ["Iteration"] = (Wire.Int32, true),
        ["Rule"] = (Wire.Text, false),
        ["Trigger"] = (Wire.Trigger, false),
        ["Action"] = (Wire.Action, false),
        ["FromPhase"] = (Wire.Text, false),
        ["By"] = (Wire.Text, false),
        ["Reason"] = (Wire.Text, false),
        ["WaitingFor"] = (Wire.Text, false),
    };

    public static void Check(
        CompilationAnalysisContext context,
        IReadOnlyList<FlowDeclaration> flows,
        IReadOnlyList<MessageDeclaration> messages,
        Dictionary<string, List<INamedTypeSymbol>> bySubject,
        HashSet<INamedTypeSymbol> producedByRuntime,
        CancellationToken cancellationToken)
    {
        var byPrefix = new Dictionary<string, List<FlowDeclaration>>(StringComparer.Ordinal);
        foreach (var flow in flows)
        {
            var prefix = flow.Attribute.NamedArguments.FirstOrDefault(static n => n.Key == "Events").Value.Value as string;
            if (string.IsNullOrEmpty(prefix))
            {
                continue;
            }

            if (!byPrefix.TryGetValue(prefix!, out var sharing))
            {
                byPrefix[prefix!] = sharing = [];
            }

            sharing.Add(flow);

            // Each message on <prefix>.<token>: it must read the event, and the token must be a kind the
            // flow publishes (on any other, nothing ever arrives).
            foreach (var entry in bySubject)
            {
                var subject = entry.Key;
                if (subject.Length <= prefix!.Length + 1 || !subject.StartsWith(prefix + ".", StringComparison.Ordinal))
                {
                    continue;
                }

                var token = subject.Substring(prefix.Length + 1);
                if (token.IndexOf('.') >= 0 || token is "*" or ">")
                {
                    continue;
                }

                var isKind = Array.IndexOf(Kinds, token) >= 0;
                foreach (var type in entry.Value)
                {
                    // Produced by the runtime either way: for a token that is no kind, FLOW0023 would only suggest External.
                    producedByRuntime.Add(type.OriginalDefinition);
                    var problem = isKind
                        ? Mismatch(type, context.Compilation.Assembly)
                        : $"the flow publishes no event '{token}': its events end in {string.Join(", ", Kinds)} (an execution's end, whatever its status, is 'ended'), so nothing would ever arrive on '{subject}'";
                    if (problem is null)
                    {
                        continue;
                    }

                    var message = messages.First(m => SymbolEqualityComparer.Default.Equals(m.Type, type));
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.EventMessageDoesNotMatch,
                        message.Attribute.ConstructorArgumentLocation(0, cancellationToken),
                        type.Name,
                        subject,
                        SymbolExtensions.FlowName(flow, flow.State),
                        problem));
                }
            }
        }

        SharedPrefixes(context, byPrefix, cancellationToken);
    }

    /// <summary>FLOW0058: two flows that publish their events under one prefix, reported at each one's <c>Events</c>.</summary>
    private static void SharedPrefixes(CompilationAnalysisContext context, Dictionary<string, List<FlowDeclaration>> byPrefix, CancellationToken cancellationToken)
    {
        foreach (var entry in byPrefix)
        {
            var (prefix, sharing) = (entry.Key, entry.Value);
            if (sharing.Count < 2)
            {
                continue;
            }

            foreach (var flow in sharing)
            {
                var others = string.Join(", ", sharing.Where(f => !ReferenceEquals(f, flow)).Select(f => "'" + SymbolExtensions.FlowName(f, f.State) + "'"));
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.EventPrefixShared,
                    flow.Attribute.NamedArgumentLocation("Events", cancellationToken),
                    SymbolExtensions.FlowName(flow, flow.State),
                    prefix,
                    others));
            }
        }
    }

    /// <summary>What keeps <paramref name="type"/> from reading an event; <see langword="null"/> when it reads it.</summary>
    private static string? Mismatch(INamedTypeSymbol type, IAssemblySymbol home)
    {
        var problems = new List<string>();
        foreach (var member in SerializationModel.Describe(type, isFlowState: false, home).Members)
        {
            if (!Members.TryGetValue(member.Key, out var expected))
            {
                problems.Add($"its member '{member.Key}' is not a member of ExecutionEvent (it has {string.Join(", ", Members.Keys)})");
                continue;
            }

            var nullable = member.Type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;
            var actual = nullable ? ((INamedTypeSymbol)member.Type).TypeArguments[0] : member.Type;
            if (!Reads(expected.Wire, actual))
            {
                problems.Add($"its member '{member.Key}' is {member.Type.ToDisplayString()}, and the event's {member.Key} is {Describe(expected.Wire)}");
            }
            else if (!expected.Always && !SerializationModel.IsNullable(member.Type))
            {
                problems.Add($"its member '{member.Key}' is not nullable, and events of some kinds have no {member.Key}");
            }
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    private static bool Reads(Wire wire, ITypeSymbol type) => wire switch
    {
        Wire.Text => type.SpecialType == SpecialType.System_String,
        Wire.Kind => type.SpecialType == SpecialType.System_String || IsFlowSdk(type, "ExecutionEventKind"),
        Wire.Status => type.SpecialType == SpecialType.System_String || IsFlowSdk(type, "ExecutionStatus"),
        Wire.Trigger => type.SpecialType == SpecialType.System_String || IsFlowSdk(type, "TriggerKind"),
        Wire.Action => type.SpecialType == SpecialType.System_String || IsFlowSdk(type, "RuleAction"),
        Wire.Int64 => type.SpecialType is SpecialType.System_Int64,
        Wire.Int32 => type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64,
        Wire.Time => type.ToDisplayString() == "System.DateTimeOffset",
        _ => false,
    };

    private static string Describe(Wire wire) => wire switch
    {
        Wire.Text => "a string",
        Wire.Kind => "an ExecutionEventKind (or its name as a string)",
        Wire.Status => "an ExecutionStatus (or its name as a string)",
        Wire.Trigger => "a TriggerKind (or its name as a string)",
        Wire.Action => "a RuleAction (or its name as a string)",
        Wire.Int64 => "a long",
        Wire.Int32 => "an int",
        _ => "a DateTimeOffset",
    };

    private static bool IsFlowSdk(ITypeSymbol type, string name)
        => type.TypeKind == TypeKind.Enum && type.Name == name && type.ContainingNamespace.ToDisplayString() == "FlowSdk";
}
