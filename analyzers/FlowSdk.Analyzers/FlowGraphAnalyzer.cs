using System.Collections.Immutable;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowSdk.Analyzers;

/// <summary>
/// Checks each flow as a whole, once every rules class of the compilation is known: FLOW0012 (no
/// rule can start an execution, at the flow class), FLOW0010 / FLOW0011 (unreachable phase, phase
/// without exit, at the enum member), FLOW0020 (duplicate rule names, at the later rule) and
/// FLOW0028 (an awaited reply no rule takes, at <c>AwaitReply</c>) and FLOW0034 (a reply rule whose
/// <c>From</c> is no phase an awaiting rule parks the execution in, at its <c>From</c>). Rules whose parameters or
/// phases are invalid (reported by <see cref="RuleMethodAnalyzer"/>) are left out.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FlowGraphAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.NoStartRule,
        DiagnosticDescriptors.UnreachablePhase,
        DiagnosticDescriptors.PhaseWithoutExit,
        DiagnosticDescriptors.DuplicateRuleName,
        DiagnosticDescriptors.AwaitReplyWithoutReplyRule,
        DiagnosticDescriptors.ReplyRulePhase);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (FlowIndex.Start(start) is { } index)
            {
                start.RegisterCompilationEndAction(end => Analyze(end, index));
            }
        });
    }

    private static void Analyze(CompilationAnalysisContext context, FlowIndex index)
    {
        foreach (var flow in index.Flows)
        {
            if (flow.PhaseEnum is null || flow.Phases.IsEmpty)
            {
                continue;
            }

            var rules = new List<(RuleDeclaration Rule, FlowGraphRule Edge)>();
            foreach (var rule in index.RulesOf(flow.State))
            {
                var from = rule.ResolvePhase("From", flow);
                var to = rule.ResolvePhase("To", flow);
                // A rule that takes (message, state) means message + state: counting it spares the
                // flow a cascade of warnings while its FLOW0004 is fixed.
                var trigger = rule.ParameterProblem == RuleParameterProblem.Swapped ? RuleTrigger.MessageAndState : rule.Trigger;
                if (trigger == RuleTrigger.Invalid || from.Kind is PhaseArgumentKind.NotAPhase or PhaseArgumentKind.Error || to.Kind is PhaseArgumentKind.NotAPhase or PhaseArgumentKind.Error)
                {
                    continue;
                }

                rules.Add((rule, new FlowGraphRule(rule.Name, trigger, from.Phase?.Order, to.Phase?.Order)));
            }

            AnalyzeFlow(context, index.Symbols, flow, rules);
        }
    }

    private static void AnalyzeFlow(CompilationAnalysisContext context, FlowSymbols symbols, FlowDeclaration flow, List<(RuleDeclaration Rule, FlowGraphRule Edge)> rules)
    {
        var cancellationToken = context.CancellationToken;
        var phases = flow.Phases;
        var enumName = flow.PhaseEnum!.Name;
        var graph = FlowGraph.Analyze(phases.Select(static p => p.IsTerminal).ToList(), rules.Select(static r => r.Edge).ToList());

        if (graph.StartRules.IsEmpty)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.NoStartRule,
                flow.State.DeclarationLocation(flow.Attribute, cancellationToken),
                flow.DisplayName,
                phases[0].Name,
                flow.State.Name,
                enumName));
        }

        // A [TestFlow] is a fragment by design: reachability and exits are not checked.
        for (var i = 0; i < phases.Length && !flow.IsTestFlow; i++)
        {
            if (phases[i].Field.Locations.FirstOrDefault(static l => l.IsInSource) is not { } phaseLocation)
            {
                continue;
            }

            if (!graph.Reachable[i])
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.UnreachablePhase, phaseLocation, phases[i].Name, flow.DisplayName, phases[0].Name, enumName));
            }
            else if (!graph.HasExit[i])
            {
                // An unreachable phase is reported once, as unreachable.
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.PhaseWithoutExit, phaseLocation, phases[i].Name, flow.DisplayName, enumName));
            }
        }

        var seen = new Dictionary<string, RuleDeclaration>(StringComparer.Ordinal);
        foreach (var (rule, _) in rules)
        {
            if (seen.TryGetValue(rule.Name, out var first))
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.DuplicateRuleName,
                    rule.Method.Locations[0],
                    [first.Method.Locations[0]],
                    flow.DisplayName,
                    rule.Name,
                    first.Method.ContainingType.Name,
                    rule.Method.ContainingType.Name));
            }
            else
            {
                seen.Add(rule.Name, rule);
            }
        }

        // FLOW0034: a reply rule that fires in no phase an awaiting rule parks the execution in.
        // An awaiting rule parks the execution in its To, or keeps the phase it fires in; with neither
        // known (no From, no To) the phase it waits in is not known here, and nothing is reported.
        var parked = new List<(RuleDeclaration Rule, int Phase, INamedTypeSymbol Request)>();
        var parksAnywhere = false;
        foreach (var (rule, edge) in rules)
        {
            if (rule.NamedArgument("AwaitReply") is { Value: true } && rule.Output is { } request && edge.Trigger != RuleTrigger.Message)
            {
                if ((edge.To ?? edge.From) is { } phase)
                {
                    parked.Add((rule, phase, request));
                }
                else
                {
                    parksAnywhere = true;
                }
            }
        }

        if (parked.Count > 0 && !parksAnywhere)
        {
            foreach (var (rule, edge) in rules)
            {
                if (edge.Trigger == RuleTrigger.MessageAndState
                    && edge.From is { } from
                    && MessageDeclaration.Read(rule.Input, symbols) is { HasReadableTaskId: true, CorrelationKeys.Length: 0 }
                    && !parked.Any(p => p.Phase == from))
                {
                    var (awaiting, phase, request) = parked[0];
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.ReplyRulePhase,
                        rule.Attribute.NamedArgumentLocation("From", cancellationToken),
                        rule.Name,
                        flow.DisplayName,
                        phases[from].Name,
                        awaiting.Name,
                        phases[phase].Name,
                        request.Name));
                }
            }
        }

        // While an execution waits for a reply, only a message carrying its task id fires its rules.
        var takesReply = rules.Any(r => r.Edge.Trigger == RuleTrigger.MessageAndState && MessageDeclaration.Read(r.Rule.Input, symbols) is { HasReadableTaskId: true });
        if (!takesReply)
        {
            foreach (var (rule, _) in rules)
            {
                if (rule.NamedArgument("AwaitReply") is { Value: true } && rule.Output is { } request
                    && MessageDeclaration.Read(request, symbols) is { HasUsableTaskId: true })
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.AwaitReplyWithoutReplyRule,
                        rule.Attribute.NamedArgumentLocation("AwaitReply", cancellationToken),
                        rule.Name,
                        flow.DisplayName,
                        request.Name));
                }
            }
        }
    }
}
