using System.Collections.Immutable;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowSdk.Analyzers;

/// <summary>
/// Checks each <c>[Rule]</c> method on its own, against its rules class's flow:
/// FLOW0003 (not static, or outside a rules class) and FLOW0004 (parameters) at the method name,
/// FLOW0005 (return type) at the return type, FLOW0008 / FLOW0009 (phases) at the <c>From</c> or
/// <c>To</c> argument, FLOW0014 (a loop on a flow without MaxIterations) at the <c>To</c>
/// argument, FLOW0013 (conditions) at the <c>[When]</c> argument, FLOW0017 (no
/// correlation key) at the message parameter, FLOW0025 (a state rule that re-triggers itself),
/// FLOW0026 (cooldown) and FLOW0027 (publish-and-await request).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RuleMethodAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The diagnostic property that names the fix a FLOW0004 allows: <see cref="SwapFix"/>.</summary>
    public const string FixProperty = "Fix";

    /// <summary>The FLOW0004 fix that swaps the state and message parameters.</summary>
    public const string SwapFix = "Swap";

    /// <summary>The FLOW0008 property with the phase name the argument most likely means.</summary>
    public const string PhaseNameProperty = "PhaseName";

    /// <summary>The FLOW0008 property that says whether the phase enum already has that member.</summary>
    public const string PhaseExistsProperty = "PhaseExists";

    /// <summary>The FLOW0008 property with the phase enum's name as code may write it.</summary>
    public const string PhaseEnumProperty = "PhaseEnum";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.RuleMethodNotStatic,
        DiagnosticDescriptors.RuleMethodOutsideRulesClass,
        DiagnosticDescriptors.RuleParametersInvalid,
        DiagnosticDescriptors.RuleParametersSwapped,
        DiagnosticDescriptors.RuleMethodGeneric,
        DiagnosticDescriptors.RuleReturnTypeInvalid,
        DiagnosticDescriptors.PhaseNotInFlow,
        DiagnosticDescriptors.TransitionFromTerminalPhase,
        DiagnosticDescriptors.ConditionMissing,
        DiagnosticDescriptors.ConditionWrongSignature,
        DiagnosticDescriptors.MessageWithoutCorrelationKey,
        DiagnosticDescriptors.StateRuleRetriggersItself,
        DiagnosticDescriptors.LoopWithoutMaxIterations,
        DiagnosticDescriptors.InvalidDuration,
        DiagnosticDescriptors.AmbiguousDuration,
        DiagnosticDescriptors.AwaitReplyWithoutTaskId,
        DiagnosticDescriptors.AsyncRule,
        DiagnosticDescriptors.StatelessRuleActsOnExecution,
        DiagnosticDescriptors.InvalidLimit);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (FlowSymbols.Create(start.Compilation) is not { } symbols)
            {
                return;
            }

            start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, symbols), SymbolKind.Method);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, FlowSymbols symbols)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (method.FindAttribute(symbols.RuleAttribute) is null || method.Locations is not [var location, ..] || method.ContainingType is not { } rulesClass)
        {
            return;
        }

        var state = rulesClass.RulesState(symbols);
        if (rulesClass.FindAttribute(symbols.RulesAttribute) is null)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.RuleMethodOutsideRulesClass, location, method.Name, rulesClass.Name));
        }

        if (!method.IsStatic)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.RuleMethodNotStatic, location, method.Name, rulesClass.Name));
        }

        // Outside a rules class, or for a type argument that does not compile, there is no flow to check against.
        if (state is null || RuleDeclaration.Read(method, state, symbols) is not { } rule)
        {
            return;
        }

        var flow = FlowDeclaration.Read(state, symbols);
        var flowName = SymbolExtensions.FlowName(flow, state);
        var cancellationToken = context.CancellationToken;

        CheckSignature(context, rule, state, flowName, location);

        if (flow?.PhaseEnum is not null)
        {
            CheckPhases(context, rule, flow, flowName, cancellationToken);
        }

        if (rule.Trigger != RuleTrigger.Invalid)
        {
            CheckConditions(context, rule, rulesClass, state, flowName, symbols, cancellationToken);
        }

        if (rule.Trigger == RuleTrigger.MessageAndState
            && MessageDeclaration.Read(rule.Input, symbols) is { CorrelationKeys.Length: 0 } message
            && !message.CanLoadExecution)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.MessageWithoutCorrelationKey,
                rule.MessageParameter?.Locations.FirstOrDefault() ?? location,
                rule.Name,
                flowName,
                message.Type.Name));
        }

        var owner = $"rule '{rule.Name}' of flow '{flowName}'";
        AttributeValues.CheckDuration(context.ReportDiagnostic, rule.Attribute, "Cooldown", owner, "the rule", cancellationToken);
        AttributeValues.CheckLimit(context.ReportDiagnostic, rule.Attribute, "MaxFirings", owner, cancellationToken);

        if (rule.Trigger == RuleTrigger.Message)
        {
            CheckStatelessRule(context, rule, state, flowName, cancellationToken);
        }

        if (rule.NamedArgument("AwaitReply") is { Value: true })
        {
            CheckAwaitReply(context, rule, flowName, symbols, cancellationToken);
        }
    }

    /// <summary>FLOW0033: what a message-only rule sets or calls that needs an execution.</summary>
    private static void CheckStatelessRule(SymbolAnalysisContext context, RuleDeclaration rule, INamedTypeSymbol state, string flowName, CancellationToken cancellationToken)
    {
        void Report(Location location, string what, string effect) =>
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.StatelessRuleActsOnExecution, location, rule.Name, flowName, what, effect, state.Name));

        foreach (var named in rule.Attribute.NamedArguments)
        {
            var location = rule.Attribute.NamedArgumentLocation(named.Key, cancellationToken);
            switch (named.Key)
            {
                case "From" or "To" when !named.Value.IsNull:
                    Report(location, $"sets {named.Key}", "the runtime ignores: it fires in no phase and moves none");
                    break;
                case "Cooldown" when named.Value.Value is string:
                    Report(location, "sets Cooldown", "the runtime ignores: a cooldown runs per execution");
                    break;
                case "MaxFirings" when named.Value.Value is int and > 0:
                    Report(location, "sets MaxFirings", "the runtime ignores: firings are counted per execution");
                    break;
                case "AwaitReply" when named.Value.Value is true:
                    Report(location, "sets AwaitReply = true", "has no execution to park until the reply");
                    break;
            }
        }

        foreach (var call in RuleBody.OutcomeCalls(rule, cancellationToken))
        {
            Report(call.GetLocation(), $"calls '{call.Expression}'", "throws at run time: there is no execution to complete, fail or escalate");
        }
    }

    /// <summary>Whether <paramref name="type"/> is <c>Task</c>, <c>Task&lt;T&gt;</c>, <c>ValueTask</c> or <c>ValueTask&lt;T&gt;</c>.</summary>
    private static bool IsTask(ITypeSymbol type) =>
        type is INamedTypeSymbol { Name: "Task" or "ValueTask" } named
        && named.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks";

    private static void CheckSignature(SymbolAnalysisContext context, RuleDeclaration rule, INamedTypeSymbol state, string flowName, Location location)
    {
        var parameters = rule.Method.Parameters;
        var declaration = rule.Method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken) as MethodDeclarationSyntax;
        var isTask = IsTask(rule.Method.ReturnType);
        if (rule.Method.IsAsync || isTask)
        {
            var asyncKeyword = declaration?.Modifiers.FirstOrDefault(static m => m.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.AsyncKeyword));
            var what = rule.Method.IsAsync
                ? (rule.ReturnsVoid ? "is async void" : "is async")
                : $"returns '{rule.Method.ReturnType.ToDisplayString(SymbolExtensions.ShortFormat)}'";
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.AsyncRule,
                rule.Method.IsAsync && asyncKeyword is { } keyword && keyword != default
                    ? keyword.GetLocation()
                    : declaration?.ReturnType.GetLocation() ?? location,
                rule.Name,
                flowName,
                what));
        }
        switch (rule.ParameterProblem)
        {
            case RuleParameterProblem.Generic:
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.RuleMethodGeneric, location, rule.Name, flowName));
                break;
            case RuleParameterProblem.Swapped:
                var swapped = parameters.ToList();
                (swapped[0], swapped[1]) = (swapped[1], swapped[0]);
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.RuleParametersSwapped,
                    location,
                    ImmutableDictionary<string, string?>.Empty.Add(FixProperty, SwapFix),
                    rule.Name,
                    flowName,
                    string.Join(", ", parameters.Select(Describe)),
                    string.Join(", ", swapped.Select(Describe))));
                break;
            case RuleParameterProblem.NotARuleShape:
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.RuleParametersInvalid,
                    location,
                    rule.Name,
                    flowName,
                    string.Join(", ", parameters.Select(p => p.Type.ToDisplayString(SymbolExtensions.ShortFormat))),
                    state.Name));
                break;
        }

        // A task is reported as FLOW0029, which says why a rule cannot be asynchronous.
        if (rule.HasInvalidReturnType && !isTask)
        {
            var returnType = declaration?.ReturnType.GetLocation() ?? location;
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.RuleReturnTypeInvalid,
                returnType,
                rule.Name,
                flowName,
                rule.Method.ReturnType.ToDisplayString(SymbolExtensions.ShortFormat)));
        }

        static string Describe(IParameterSymbol p) => p.Type.ToDisplayString(SymbolExtensions.ShortFormat) + " " + p.Name;
    }

    private static void CheckPhases(SymbolAnalysisContext context, RuleDeclaration rule, FlowDeclaration flow, string flowName, CancellationToken cancellationToken)
    {
        var phaseEnum = flow.PhaseEnum!;
        var from = rule.ResolvePhase("From", flow);
        var to = rule.ResolvePhase("To", flow);
        foreach (var (name, argument) in new[] { ("From", from), ("To", to) })
        {
            if (argument.Kind != PhaseArgumentKind.NotAPhase)
            {
                continue;
            }

            var expression = rule.Attribute.NamedArgumentSyntax(name, cancellationToken);
            var properties = ImmutableDictionary<string, string?>.Empty
                .Add(PhaseEnumProperty, phaseEnum.ToDisplayString(SymbolExtensions.ShortFormat));
            if (argument.CandidateName is { } candidate)
            {
                properties = properties
                    .Add(PhaseNameProperty, candidate)
                    .Add(PhaseExistsProperty, flow.FindPhase(candidate) is null ? "false" : "true");
            }

            // The fix that adds a member needs the enum's declaration: an additional location, when it is in source.
            var enumLocation = phaseEnum.Locations.FirstOrDefault(static l => l.IsInSource);
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.PhaseNotInFlow,
                expression?.GetLocation() ?? rule.Attribute.Location(cancellationToken),
                enumLocation is null ? null : [enumLocation],
                properties,
                rule.Name,
                flowName,
                name,
                expression?.ToString() ?? argument.CandidateName ?? "?",
                phaseEnum.Name,
                string.Join(", ", flow.Phases.Select(static p => p.Name))));
        }

        if (from.Phase is { IsTerminal: true } terminal)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.TransitionFromTerminalPhase,
                rule.Attribute.NamedArgumentLocation("From", cancellationToken),
                rule.Name,
                flowName,
                terminal.Name));
        }

        // A loop: the rule moves an execution back to the phase it fires in or an earlier one.
        if (flow.MaxIterations <= 0
            && !flow.IsTestFlow
            && to.Phase is { } target
            && from.Kind is PhaseArgumentKind.Absent or PhaseArgumentKind.Phase
            && FlowGraph.FindLoop(
                flow.Phases.Select(static p => p.IsTerminal).ToList(),
                new FlowGraphRule(rule.Name, rule.Trigger, from.Phase?.Order, target.Order)) is { } loop)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.LoopWithoutMaxIterations,
                rule.Attribute.NamedArgumentLocation("To", cancellationToken),
                rule.Name,
                flowName,
                flow.Phases[loop.From].Name,
                target.Name));
        }

        // A state rule fires on every committed write, its own included.
        if (rule.Trigger == RuleTrigger.State && from.Kind is PhaseArgumentKind.Absent or PhaseArgumentKind.Phase && to.Kind is PhaseArgumentKind.Absent or PhaseArgumentKind.Phase)
        {
            string? why = null;
            if (to.Phase is null)
            {
                why = "does not change the phase";
            }
            else if (from.Phase is { } f && f.Order == to.Phase.Order)
            {
                why = $"moves to the phase it fires in ('{f.Name}')";
            }
            else if (from.Phase is null && !to.Phase.IsTerminal)
            {
                why = $"fires in any non-terminal phase, '{to.Phase.Name}' included, and moves to '{to.Phase.Name}'";
            }

            // A firing that always completes, fails or escalates the execution ends it: nothing fires again.
            if (why is not null && from.Phase is not { IsTerminal: true } && !RuleBody.AlwaysEndsExecution(rule, cancellationToken))
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.StateRuleRetriggersItself,
                    rule.Method.Locations[0],
                    rule.Name,
                    flowName,
                    why));
            }
        }
    }

    private static void CheckConditions(
        SymbolAnalysisContext context, RuleDeclaration rule, INamedTypeSymbol rulesClass, INamedTypeSymbol state, string flowName, FlowSymbols symbols, CancellationToken cancellationToken)
    {
        foreach (var (attribute, name) in rule.Conditions(symbols))
        {
            var (lookup, _) = ConditionResolver.Resolve(rulesClass, name, rule, state, symbols);
            if (lookup == ConditionLookup.Found)
            {
                continue;
            }

            var argumentLocation = attribute.ConstructorArgumentLocation(0, cancellationToken);
            if (lookup == ConditionLookup.Missing)
            {
                // Suggest the rule's own state and message parameters, which every condition may take.
                var suggestion = string.Join(", ", rule.Method.Parameters
                    .Where(p => !symbols.IsRuleContext(p.Type))
                    .Select(p => p.Type.ToDisplayString(SymbolExtensions.ShortFormat) + " " + p.Name));
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.ConditionMissing,
                    argumentLocation,
                    name ?? "",
                    rule.Name,
                    flowName,
                    rulesClass.Name,
                    suggestion));
            }
            else
            {
                var allowed = ConditionResolver.AllowedParameterTypes(rule, state, symbols)
                    .Select(t => "'" + t.ToDisplayString(SymbolExtensions.ShortFormat) + "'")
                    .ToList();
                var list = allowed.Count == 1 ? allowed[0] : string.Join(", ", allowed.Take(allowed.Count - 1)) + " or " + allowed[allowed.Count - 1];
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.ConditionWrongSignature,
                    argumentLocation,
                    name ?? "",
                    rule.Name,
                    flowName,
                    rulesClass.Name,
                    list));
            }
        }
    }

    private static void CheckAwaitReply(SymbolAnalysisContext context, RuleDeclaration rule, string flowName, FlowSymbols symbols, CancellationToken cancellationToken)
    {
        string? problem = null, fix = null;
        if (rule.ReturnsVoid)
        {
            problem = "returns void";
            fix = "Return the request message";
        }
        else if (rule.Output is { } output && MessageDeclaration.Read(output, symbols) is { HasUsableTaskId: false })
        {
            problem = $"its request '{output.Name}' has no string property marked [TaskId] that the runtime can set";
            fix = output.IsRecord
                ? $"Add one to '{output.Name}', for example [property: TaskId] string TaskId = \"\""
                : $"Add one to '{output.Name}', for example [TaskId] public string TaskId {{ get; set; }}";
        }

        if (problem is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.AwaitReplyWithoutTaskId,
                rule.Attribute.NamedArgumentLocation("AwaitReply", cancellationToken),
                rule.Name,
                flowName,
                problem,
                fix));
        }
    }
}
