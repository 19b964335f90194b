using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using FlowSdk.Generators.Model;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FlowSdk.Generators.Parsing;

/// <summary>
/// Maps the declarations the analyzers read too (<see cref="FlowDeclaration"/>, <see cref="RuleDeclaration"/>,
/// <see cref="MessageDeclaration"/>, ... in <c>Parsing/Shared</c>) to the value-equal model. A declaration
/// the generator cannot use (<see cref="FlowDeclaration.IsUsable"/>, <see cref="RuleTrigger.Invalid"/>, ...)
/// is skipped here and reported by the analyzers, which read the same declarations.
/// </summary>
internal static partial class FlowParser
{
    /// <summary>Types fully qualified, with nullable reference annotations.</summary>
    internal static readonly SymbolDisplayFormat FullyQualified = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>The flow a class marked <c>[Flow&lt;TPhase&gt;]</c> declares, or <see langword="null"/> when the generator cannot use it.</summary>
    public static FlowStateSpec? ParseFlowState(INamedTypeSymbol type, FlowReadContext context)
    {
        if (FlowDeclaration.Read(type, context.Symbols) is not { IsUsable: true, Id: { } id, PhaseEnum: { } phaseEnum } flow
            || flow.Phases.IsEmpty
            || FlowDeclaration.FindGeneratedName(type) is not null)
        {
            // The analyzers report each of these (FLOW0001, FLOW0007).
            return null;
        }

        long? timeout = null;
        if (AttributeArguments.String(flow.Attribute, "Timeout") is { } timeoutText)
        {
            if (DurationSyntax.ParseTicks(timeoutText) is not { } ticks)
            {
                return null;
            }

            timeout = ticks;
        }

        var state = context.Serializable(type, isFlowState: true);
        if (state is null || state.ConstructorParameters.Count > 0)
        {
            return null;
        }

        // Schedules the analyzers report (FLOW0050, FLOW0051) are left out.
        var schedules = ScheduleDeclaration.ReadAll(type, context.Symbols)
            .Where(static s => s.IsUsable)
            .Select(s => (Schedule: s, Tick: context.Message(s.Tick)))
            .Where(static s => s.Tick is not null)
            .Select(static s => new ScheduleSpec(s.Schedule.Name!, s.Tick!, s.Schedule.EveryTicks, s.Schedule.Cron, s.Schedule.TimeZone, s.Schedule.MissedTicks, s.Schedule.MaxCatchUp))
            .ToEquatableArray();

        // Fan-out groups the analyzers report (FLOW0055) are left out.
        var fanOuts = FanOutDeclaration.ReadAll(type, context.Symbols)
            .Where(static f => f.FindProblem() is null)
            .GroupBy(static f => f.Name)
            .Select(static g => g.First())
            .Select(f => (FanOut: f, Input: context.Message(f.Input), Result: context.Message(f.Result)))
            .Where(static f => f.Input is { CorrelationKey: not null } && f.Result is not null)
            .Select(static f => new FanOutSpec(f.FanOut.Name!, f.FanOut.ChildFlowId!, f.FanOut.Child!.ToDisplayString(FullyQualified), f.Input!, f.Result!, f.FanOut.Mode, f.FanOut.TimeoutTicks))
            .ToEquatableArray();

        return new FlowStateSpec(
            id,
            flow.MaxIterations,
            timeout,
            AttributeArguments.String(flow.Attribute, "OnCompleted"),
            AttributeArguments.String(flow.Attribute, "OnFailed"),
            AttributeArguments.String(flow.Attribute, "OnEscalated"),
            AttributeArguments.String(flow.Attribute, "OnTimedOut"),
            AttributeArguments.String(flow.Attribute, "Events"),
            phaseEnum.ToDisplayString(FullyQualified),
            flow.Phases.Select(static p => new PhaseSpec(p.Name, p.IsTerminal)).ToEquatableArray(),
            state,
            schedules,
            fanOuts);
    }

    /// <summary>A message type declared in this compilation with what its formatter needs, or <see langword="null"/> when none is generated.</summary>
    public static MessageTypeSpec? ParseMessageType(INamedTypeSymbol type, FlowReadContext context)
    {
        if (context.Message(type) is not { } message)
        {
            return null;
        }

        var serializable = context.Serializable(type, isFlowState: false);
        return serializable is null ? null : new MessageTypeSpec(message, serializable);
    }

    /// <summary>
    /// A <c>[Message]</c> type as a port (<see cref="MessageDeclaration"/>), or <see langword="null"/> when rules
    /// and ports cannot use it; <see cref="FlowReadContext.Message"/> remembers the answer per compilation.
    /// </summary>
    internal static MessageSpec? ParseMessage(INamedTypeSymbol type, FlowReadContext context)
    {
        // No formatter is generated for an abstract or generic message type (FLOW0007): a rule or port
        // that used one would name a formatter that does not exist, so the generator skips it.
        if (type.IsAbstract || type.IsGenericType)
        {
            return null;
        }

        // Nor for one declared here that no formatter can create (FLOW0007); a referenced assembly's
        // message types come with their formatters.
        if (type.Locations.Any(static l => l.IsInSource) && context.Describe(type, isFlowState: false).Problem is not null)
        {
            return null;
        }

        if (context.Declaration(type) is not { Subject: { } subject } message)
        {
            return null;
        }

        var key = message.CorrelationKeys.FirstOrDefault();
        var ns = context.Namespace(type);
        return new MessageSpec(
            context.FullName(type),
            type.Name,
            subject,
            key?.Name,
            key?.Type.SpecialType == SpecialType.System_String,
            "global::" + (ns.Length == 0 ? "" : ns + ".") + Formatter.Name(type),
            IsPublic(type),
            message.HasReadableTaskId ? message.TaskId!.Name : null,
            type.IsRecord || type.IsValueType,

            // A reply only needs to read its task id; a request needs the runtime to set it too.
            message.HasUsableTaskId);
    }

    /// <summary>Whether the type and every type containing it are public.</summary>
    private static bool IsPublic(INamedTypeSymbol type)
    {
        for (var t = type; t is not null; t = t.ContainingType)
        {
            if (t.DeclaredAccessibility != Accessibility.Public)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The rules a class marked <c>[Rules&lt;TState&gt;]</c> declares for its flow, or <see langword="null"/> when the generator cannot add to the class.</summary>
    public static RulesClassSpec? ParseRulesClass(INamedTypeSymbol type, string sortKey, FlowReadContext context)
    {
        var symbols = context.Symbols;
        if (RulesClassDeclaration.Read(type, symbols) is not { IsUsable: true, State: { } stateType }
            || FlowDeclaration.Read(stateType, symbols) is not { } flow)
        {
            // The analyzers report why (FLOW0002, FLOW0006).
            return null;
        }

        var rules = new List<RuleSpec>();
        var fields = new HashSet<string>(System.StringComparer.Ordinal);
        var names = new RulesClassNames(
            type.ToDisplayString(FullyQualified),
            type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat),
            stateType.ToDisplayString(FullyQualified),
            CrefName(stateType));
        foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
        {
            if (RuleDeclaration.Read(method, stateType, symbols) is not { } rule || !method.IsStatic || method.IsGenericMethod)
            {
                continue;
            }

            var field = method.Name + "Rule";
            for (var n = 2; !fields.Add(field); n++)
            {
                field = method.Name + "Rule" + n.ToString(CultureInfo.InvariantCulture);
            }

            if (ParseRule(type, names, rule, stateType, flow, field, context) is not { } spec)
            {
                continue;
            }

            if (ApprovalDeclaration.Read(method, flow, symbols) is { } approval)
            {
                long? expires = null;
                if ((approval.Expires is { } text && (expires = DurationSyntax.ParseTicks(text)) is null) || rule.Trigger != RuleTrigger.MessageAndState)
                {
                    // The analyzers report why (FLOW0026 for the duration, FLOW0054 for the trigger).
                    continue;
                }

                spec = spec with { ApprovalPolicy = approval.PolicyName, ApprovalExpiresTicks = expires };
            }

            rules.Add(spec);
        }

        var ns = type.ContainingNamespace.IsGlobalNamespace ? "" : type.ContainingNamespace.ToDisplayString();
        return new RulesClassSpec(names.StateFullName, sortKey, ns, type.Name, names.FullName, rules.ToEquatableArray());
    }

    /// <summary>A type as a rule's <c>cref</c> names its parameters.</summary>
    private static string CrefName(ITypeSymbol type) => type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(FullyQualified);

    /// <summary>
    /// The names a rules class's rules share, worked out once for all of them: the class fully qualified and as
    /// messages name it, its state class fully qualified and as a <c>cref</c> names it.
    /// </summary>
    private sealed record RulesClassNames(string FullName, string DisplayName, string StateFullName, string StateCref);

    /// <param name="rulesClass">The rules class.</param>
    /// <param name="names">The names the rules class's rules share.</param>
    /// <param name="rule">The rule.</param>
    /// <param name="stateType">The state class the rules class names.</param>
    /// <param name="flow">That class's flow.</param>
    /// <param name="field">The name of the rule's field in the generated rules class.</param>
    /// <param name="context">The compilation's context.</param>
    private static RuleSpec? ParseRule(INamedTypeSymbol rulesClass, RulesClassNames names, RuleDeclaration rule, INamedTypeSymbol stateType, FlowDeclaration flow, string field, FlowReadContext context)
    {
        if (rule.Trigger == RuleTrigger.Invalid)
        {
            return null;
        }

        MessageSpec? message = null;
        if (rule.Trigger != RuleTrigger.State && (message = context.Message(rule.Input)) is null)
        {
            return null;
        }

        if (rule.Trigger == RuleTrigger.MessageAndState && message!.CorrelationKey is null && message.TaskIdProperty is null)
        {
            return null;
        }

        MessageSpec? output = null;
        if (!rule.ReturnsVoid && (output = context.Message(rule.Output)) is null)
        {
            return null;
        }

        var from = rule.ResolvePhase("From", flow);
        var to = rule.ResolvePhase("To", flow);
        if (from.Kind is not (PhaseArgumentKind.Absent or PhaseArgumentKind.Phase) || to.Kind is not (PhaseArgumentKind.Absent or PhaseArgumentKind.Phase))
        {
            return null;
        }

        long? cooldown = null;
        if (rule.NamedArgument("Cooldown")?.Value is string cooldownText)
        {
            cooldown = DurationSyntax.ParseTicks(cooldownText);
            if (cooldown is null)
            {
                return null;
            }
        }

        var awaitReply = rule.NamedArgument("AwaitReply")?.Value is true;
        if (awaitReply && output is not { TaskIdProperty: not null, TaskIdSettable: true })
        {
            return null;
        }

        var conditions = new List<ConditionSpec>();
        foreach (var (attribute, name) in rule.Conditions(context.Symbols))
        {
            if (name is null || ConditionResolver.Resolve(rulesClass, name, rule, stateType, context.Symbols) is not (ConditionLookup.Found, { } method))
            {
                return null;
            }

            var arguments = method.Parameters
                .Select(p => rule.HasState && SymbolEqualityComparer.Default.Equals(p.Type, stateType) ? "s"
                    : rule.Input is { } input && SymbolEqualityComparer.Default.Equals(p.Type, input) ? "m"
                    : "c")
                .ToEquatableArray();
            conditions.Add(new ConditionSpec(name, AttributeArguments.String(attribute, "Description") ?? name, arguments));
        }

        // The state's and the message's names are known already: only other parameter types (a RuleContext) are displayed here.
        var cref = names.FullName + "." + rule.Name + "(" +
            string.Join(", ", rule.Method.Parameters.Select(p =>
                SymbolEqualityComparer.Default.Equals(p.Type, stateType) ? names.StateCref
                : message is not null && SymbolEqualityComparer.Default.Equals(p.Type, rule.Input) ? message.FullName
                : CrefName(p.Type))) + ")";
        return new RuleSpec(
            rule.Name,
            names.DisplayName,
            rule.Trigger,
            message,
            from.Phase?.Name,
            to.Phase?.Name,
            conditions.ToEquatableArray(),
            AttributeArguments.Int32(rule.Attribute, "Conditions") == 1,
            output,
            cref,
            field,
            rule.TakesContext,
            cooldown,
            AttributeArguments.Int32(rule.Attribute, "MaxFirings"),
            awaitReply);
    }

    /// <summary>
    /// Orders rules classes as they appear in the source: the file, then the class's index among the
    /// file's top-level type declarations. Not its position: an edit above the class (a method body, a
    /// comment) would change the model and regenerate the flow for nothing.
    /// </summary>
    public static string SortKey(SyntaxReference? reference, CancellationToken cancellationToken)
    {
        if (reference is null)
        {
            return "";
        }

        var declaration = reference.GetSyntax(cancellationToken);
        var index = 0;
        foreach (var node in reference.SyntaxTree.GetRoot(cancellationToken).DescendantNodes(static n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax))
        {
            if (node == declaration)
            {
                break;
            }

            if (node is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax)
            {
                index++;
            }
        }

        return reference.SyntaxTree.FilePath + "#" + index.ToString("D10", CultureInfo.InvariantCulture);
    }
}
