using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using FlowSdk.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FlowSdk.Generators.Parsing;

/// <summary>
/// Turns FlowSdk's annotations into the value-equal model. Input the model cannot represent is
/// skipped here and reported by the analyzers, which read the same declarations.
/// </summary>
internal static partial class FlowParser
{
    private static readonly SymbolDisplayFormat FullyQualified = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static FlowStateSpec? ParseFlowState(INamedTypeSymbol type, AttributeData attribute)
    {
        if (attribute.AttributeClass is not { TypeArguments.Length: 1 } flowAttribute
            || flowAttribute.TypeArguments[0] is not INamedTypeSymbol { TypeKind: TypeKind.Enum } phaseEnum
            || attribute.ConstructorArguments.Length != 1
            || attribute.ConstructorArguments[0].Value is not string id
            || type.ContainingType is not null
            || type.IsGenericType
            || type.IsAbstract
            || !IsPartial(type)
            || !phaseEnum.GetMembers().OfType<IFieldSymbol>().Any(static f => f.HasConstantValue)
            || Shared.FlowDeclaration.FindGeneratedName(type) is not null)
        {
            // The analyzers report each of these (FLOW0001, FLOW0007).
            return null;
        }

        var maxIterations = 0;
        long? timeout = null;
        string? onCompleted = null, onFailed = null, onEscalated = null, onTimedOut = null, events = null;
        foreach (var named in attribute.NamedArguments)
        {
            switch (named.Key)
            {
                case "MaxIterations" when named.Value.Value is int max:
                    maxIterations = max;
                    break;
                case "Timeout" when named.Value.Value is string text:
                    if (ParseTicks(text) is not { } ticks)
                    {
                        return null;
                    }

                    timeout = ticks;
                    break;
                case "OnCompleted": onCompleted = named.Value.Value as string; break;
                case "OnFailed": onFailed = named.Value.Value as string; break;
                case "OnEscalated": onEscalated = named.Value.Value as string; break;
                case "OnTimedOut": onTimedOut = named.Value.Value as string; break;
                case "Events": events = named.Value.Value as string; break;
            }
        }

        var phases = phaseEnum.GetMembers().OfType<IFieldSymbol>()
            .Where(f => f.HasConstantValue)
            .Select(f => new PhaseSpec(f.Name, f.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "FlowSdk.TerminalPhaseAttribute")))
            .ToEquatableArray();

        var state = ParseSerializable(type, preferParameterless: true);
        if (state is null || state.ConstructorParameters.Count > 0 || type.IsValueType)
        {
            return null;
        }

        // Schedules the analyzers report (FLOW0050, FLOW0051) are left out.
        var schedules = Shared.ScheduleDeclaration.ReadAll(type)
            .Where(static s => s.IsUsable)
            .Select(static s => (Schedule: s, Tick: ParseMessage(s.Tick!)))
            .Where(static s => s.Tick is not null)
            .Select(static s => new ScheduleSpec(s.Schedule.Name!, s.Tick!, s.Schedule.EveryTicks, s.Schedule.Cron, s.Schedule.TimeZone, s.Schedule.MissedTicks, s.Schedule.MaxCatchUp))
            .ToEquatableArray();

        // Fan-out groups the analyzers report (FLOW0055) are left out.
        var fanOuts = Shared.FanOutDeclaration.ReadAll(type)
            .Where(static f => f.FindProblem() is null)
            .GroupBy(static f => f.Name)
            .Select(static g => g.First())
            .Select(static f => (FanOut: f, Input: ParseMessage(f.Input!), Result: ParseMessage(f.Result!)))
            .Where(static f => f.Input is { CorrelationKey: not null } && f.Result is not null)
            .Select(f => new FanOutSpec(f.FanOut.Name!, f.FanOut.ChildFlowId!, f.FanOut.Child!.ToDisplayString(FullyQualified), f.Input!, f.Result!, f.FanOut.Mode, f.FanOut.TimeoutTicks))
            .ToEquatableArray();

        return new FlowStateSpec(id, maxIterations, timeout, onCompleted, onFailed, onEscalated, onTimedOut, events, phaseEnum.ToDisplayString(FullyQualified), phases, state, schedules, fanOuts);
    }

    public static MessageTypeSpec? ParseMessageType(INamedTypeSymbol type)
    {
        if (ParseMessage(type) is not { } message || type.IsGenericType)
        {
            return null;
        }

        var serializable = ParseSerializable(type, preferParameterless: false);
        return serializable is null ? null : new MessageTypeSpec(message, serializable);
    }

    public static MessageSpec? ParseMessage(ITypeSymbol type)
    {
        // No formatter is generated for an abstract or generic message type (FLOW0007): a rule or port
        // that used one would name a formatter that does not exist, so the generator skips it.
        if (type is not INamedTypeSymbol named || named.IsAbstract || named.IsGenericType)
        {
            return null;
        }

        // Nor for one declared here that no formatter can create (FLOW0007); a referenced assembly's
        // message types come with their formatters.
        if (named.Locations.Any(static l => l.IsInSource) && ParseSerializable(named, preferParameterless: false) is null)
        {
            return null;
        }

        var attribute = named.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == "FlowSdk.MessageAttribute");
        if (attribute is null || attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not string subject)
        {
            return null;
        }

        string? key = null, taskId = null;
        var keyIsString = false;
        var taskIdSettable = false;
        var taskIdByWith = named.IsRecord || named.IsValueType;
        foreach (var property in AllProperties(named))
        {
            if (key is null && property.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "FlowSdk.CorrelationKeyAttribute"))
            {
                key = property.Name;
                keyIsString = property.Type.SpecialType == SpecialType.System_String;
            }

            // A reply only needs to read its task id; a request needs the runtime to set it too.
            if (taskId is null && property.Type.SpecialType == SpecialType.System_String
                && property.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "FlowSdk.TaskIdAttribute"))
            {
                taskId = property.Name;
                taskIdSettable = taskIdByWith ? property.SetMethod is not null : property.SetMethod is { IsInitOnly: false, DeclaredAccessibility: Accessibility.Public };
            }
        }

        var ns = named.ContainingNamespace.IsGlobalNamespace ? "" : named.ContainingNamespace.ToDisplayString();
        var formatter = "global::" + (ns.Length == 0 ? "" : ns + ".") + FormatterName(named);
        return new MessageSpec(
            named.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(FullyQualified),
            named.Name,
            subject,
            key,
            keyIsString,
            formatter,
            IsPublic(named),
            taskId,
            taskIdByWith,
            taskIdSettable);
    }

    /// <summary>Whether every declaration of the type says <c>partial</c>: the generator only adds to classes that allow it.</summary>
    private static bool IsPartial(INamedTypeSymbol type)
        => type.DeclaringSyntaxReferences.All(r => r.GetSyntax() is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax declaration
            && declaration.Modifiers.Any(m => m.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.PartialKeyword)));

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

    public static string FormatterName(INamedTypeSymbol type)
    {
        var names = new List<string>();
        for (var t = type; t is not null; t = t.ContainingType)
        {
            names.Insert(0, t.Name);
        }

        return string.Concat(names) + "Formatter";
    }

    public static RulesClassSpec? ParseRulesClass(INamedTypeSymbol type, AttributeData attribute, string sortKey)
    {
        if (attribute.AttributeClass is not { TypeArguments.Length: 1 } rulesAttribute
            || rulesAttribute.TypeArguments[0] is not INamedTypeSymbol stateType
            || type.ContainingType is not null
            || type.IsGenericType
            || !type.IsStatic
            || !IsPartial(type))
        {
            return null;
        }

        var stateFlow = stateType.GetAttributes().FirstOrDefault(a => a.AttributeClass?.OriginalDefinition.ToDisplayString() == "FlowSdk.FlowAttribute<TPhase>");
        var phaseEnum = stateFlow?.AttributeClass?.TypeArguments.FirstOrDefault() as INamedTypeSymbol;
        var rules = new List<RuleSpec>();
        var fields = new HashSet<string>(StringComparer.Ordinal);
        foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
        {
            var ruleAttribute = method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == "FlowSdk.RuleAttribute");
            if (ruleAttribute is null || !method.IsStatic || method.IsGenericMethod)
            {
                continue;
            }

            var field = method.Name + "Rule";
            for (var n = 2; !fields.Add(field); n++)
            {
                field = method.Name + "Rule" + n.ToString(CultureInfo.InvariantCulture);
            }

            if (ParseRule(type, method, ruleAttribute, stateType, phaseEnum, field) is { } rule)
            {
                if (method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == "FlowSdk.RequiresApprovalAttribute") is { } approval)
                {
                    if (ParseApproval(approval, stateFlow) is not { } parsed || rule.Trigger != Shared.RuleTrigger.MessageAndState)
                    {
                        // The analyzers report why (FLOW0026 for the duration, FLOW0062 for the trigger).
                        continue;
                    }

                    rule = rule with { ApprovalPolicy = parsed.Policy, ApprovalExpiresTicks = parsed.ExpiresTicks };
                }

                rules.Add(rule);
            }
        }

        var ns = type.ContainingNamespace.IsGlobalNamespace ? "" : type.ContainingNamespace.ToDisplayString();
        return new RulesClassSpec(stateType.ToDisplayString(FullyQualified), sortKey, ns, type.Name, type.ToDisplayString(FullyQualified), rules.ToEquatableArray());
    }

    private static RuleSpec? ParseRule(INamedTypeSymbol rulesClass, IMethodSymbol method, AttributeData attribute, INamedTypeSymbol stateType, INamedTypeSymbol? phaseEnum, string field)
    {
        Shared.RuleTrigger trigger;
        MessageSpec? message = null;
        if (method.Parameters.Any(p => p.RefKind != RefKind.None))
        {
            return null;
        }

        var parameters = method.Parameters.ToList();
        var hasContext = parameters.Count > 0 && IsRuleContext(parameters[parameters.Count - 1].Type);
        if (hasContext)
        {
            parameters.RemoveAt(parameters.Count - 1);
        }

        if (parameters.Count == 2
            && SymbolEqualityComparer.Default.Equals(parameters[0].Type, stateType)
            && ParseMessage(parameters[1].Type) is { } m2)
        {
            trigger = Shared.RuleTrigger.MessageAndState;
            message = m2;
        }
        else if (parameters.Count == 1 && ParseMessage(parameters[0].Type) is { } m1)
        {
            trigger = Shared.RuleTrigger.Message;
            message = m1;
        }
        else if (parameters.Count == 1 && SymbolEqualityComparer.Default.Equals(parameters[0].Type, stateType))
        {
            trigger = Shared.RuleTrigger.State;
        }
        else
        {
            return null;
        }

        if (trigger == Shared.RuleTrigger.MessageAndState && message!.CorrelationKey is null && message.TaskIdProperty is null)
        {
            return null;
        }

        MessageSpec? output = null;
        if (!method.ReturnsVoid)
        {
            output = ParseMessage(method.ReturnType);
            if (output is null)
            {
                return null;
            }
        }

        string? from = null, to = null;
        var any = false;
        var awaitReply = false;
        var maxFirings = 0;
        long? cooldown = null;
        foreach (var named in attribute.NamedArguments)
        {
            switch (named.Key)
            {
                case "From" when named.Value.IsNull:
                case "To" when named.Value.IsNull:
                    // Written out as null: the documented default (any phase, or stay).
                    break;
                case "From":
                    from = PhaseName(named.Value, phaseEnum);
                    if (from is null)
                    {
                        return null;
                    }

                    break;
                case "To":
                    to = PhaseName(named.Value, phaseEnum);
                    if (to is null)
                    {
                        return null;
                    }

                    break;
                case "Conditions":
                    any = named.Value.Value is int mode && mode == 1;
                    break;
                case "AwaitReply":
                    awaitReply = named.Value.Value is true;
                    break;
                case "MaxFirings":
                    maxFirings = named.Value.Value is int firings ? firings : 0;
                    break;
                case "Cooldown" when named.Value.Value is string text:
                    cooldown = ParseTicks(text);
                    if (cooldown is null)
                    {
                        return null;
                    }

                    break;
            }
        }

        if (awaitReply && output is not { TaskIdProperty: not null, TaskIdSettable: true })
        {
            return null;
        }

        var conditions = new List<ConditionSpec>();
        foreach (var when in method.GetAttributes().Where(a => a.AttributeClass?.ToDisplayString() == "FlowSdk.WhenAttribute"))
        {
            if (when.ConstructorArguments.Length != 1 || when.ConstructorArguments[0].Value is not string conditionName)
            {
                return null;
            }

            var description = when.NamedArguments.FirstOrDefault(n => n.Key == "Description").Value.Value as string ?? conditionName;
            var condition = ParseCondition(rulesClass, conditionName, description, stateType, trigger == Shared.RuleTrigger.State ? null : parameters[parameters.Count - 1].Type, trigger);
            if (condition is null)
            {
                return null;
            }

            conditions.Add(condition);
        }

        var cref = rulesClass.ToDisplayString(FullyQualified) + "." + method.Name + "(" +
            string.Join(", ", method.Parameters.Select(p => p.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(FullyQualified))) + ")";
        return new RuleSpec(
            method.Name,
            rulesClass.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat),
            trigger,
            message,
            from,
            to,
            conditions.ToEquatableArray(),
            any,
            output,
            cref,
            field,
            hasContext,
            cooldown,
            maxFirings,
            awaitReply);
    }

    private static ConditionSpec? ParseCondition(INamedTypeSymbol rulesClass, string name, string description, INamedTypeSymbol stateType, ITypeSymbol? messageType, Shared.RuleTrigger trigger)
    {
        foreach (var candidate in rulesClass.GetMembers(name).OfType<IMethodSymbol>())
        {
            if (!candidate.IsStatic || candidate.ReturnType.SpecialType != SpecialType.System_Boolean || candidate.IsGenericMethod)
            {
                continue;
            }

            var arguments = new List<string>();
            foreach (var parameter in candidate.Parameters)
            {
                if (parameter.RefKind != RefKind.None)
                {
                    // A condition takes its arguments by value, as the analyzers' FLOW0013 says.
                    arguments = null;
                    break;
                }

                if (trigger != Shared.RuleTrigger.Message && SymbolEqualityComparer.Default.Equals(parameter.Type, stateType))
                {
                    arguments.Add("s");
                }
                else if (messageType is not null && SymbolEqualityComparer.Default.Equals(parameter.Type, messageType))
                {
                    arguments.Add("m");
                }
                else if (IsRuleContext(parameter.Type))
                {
                    arguments.Add("c");
                }
                else
                {
                    arguments = null;
                    break;
                }
            }

            if (arguments is not null)
            {
                return new ConditionSpec(name, description, arguments.ToEquatableArray());
            }
        }

        return null;
    }

    private static bool IsRuleContext(ITypeSymbol type) => type.ToDisplayString() == "FlowSdk.RuleContext";

    /// <summary>
    /// Reads <c>[RequiresApproval]</c> with the flow's defaults (<c>ApprovalPolicy</c>, <c>ApprovalExpires</c> on
    /// <c>[Flow]</c>) applied: the policy's name and the expiry in ticks; null when a duration is not valid.
    /// </summary>
    private static (string Policy, long? ExpiresTicks)? ParseApproval(AttributeData approval, AttributeData? flow)
    {
        var policy = 0;
        string? expires = null;
        foreach (var named in approval.NamedArguments)
        {
            if (named.Key == "Policy" && named.Value.Value is int p)
            {
                policy = p;
            }
            else if (named.Key == "Expires" && named.Value.Value is string e)
            {
                expires = e;
            }
        }

        if (flow is not null)
        {
            foreach (var named in flow.NamedArguments)
            {
                if (named.Key == "ApprovalPolicy" && named.Value.Value is int p && policy == 0)
                {
                    policy = p;
                }
                else if (named.Key == "ApprovalExpires" && named.Value.Value is string e && expires is null)
                {
                    expires = e;
                }
            }
        }

        long? ticks = null;
        if (expires is not null)
        {
            ticks = ParseTicks(expires);
            if (ticks is null)
            {
                return null;
            }
        }

        var name = policy switch
        {
            2 => "Approve",
            3 => "Deny",
            _ => "Ask",
        };
        return (name, ticks);
    }

    /// <summary>Reads a duration written as an attribute string ("00:05:00"); null when the analyzers' FLOW0026 rejects it.</summary>
    private static long? ParseTicks(string text) => Shared.DurationSyntax.ParseTicks(text);

    private static string? PhaseName(TypedConstant value, INamedTypeSymbol? phaseEnum)
    {
        if (phaseEnum is null || value.Kind != TypedConstantKind.Enum || !SymbolEqualityComparer.Default.Equals(value.Type, phaseEnum))
        {
            return null;
        }

        foreach (var field in phaseEnum.GetMembers().OfType<IFieldSymbol>())
        {
            if (field.HasConstantValue && Equals(field.ConstantValue, value.Value))
            {
                return field.Name;
            }
        }

        return null;
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
