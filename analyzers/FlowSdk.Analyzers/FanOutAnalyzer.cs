using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowSdk.Analyzers;

/// <summary>
/// Checks the <c>[FanOut&lt;TChild, TInput, TResult&gt;]</c> attributes of flow state classes: FLOW0055
/// (an invalid name, child, start message, mode or timeout, or a name used twice) and, once every rules
/// class is known, FLOW0056 (a child flow no rule of which returns the result as it ends) and FLOW0057 (a
/// child flow no rule of which is started by the group's start message).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FanOutAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.InvalidFanOut,
        DiagnosticDescriptors.FanOutChildWithoutResult,
        DiagnosticDescriptors.FanOutInputStartsNoChild);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (FlowIndex.Start(start) is { } index)
            {
                start.RegisterSymbolAction(symbol => Check(symbol, index.Symbols), SymbolKind.NamedType);
                start.RegisterCompilationEndAction(end => Analyze(end, index));
            }
        });
    }

    /// <summary>FLOW0055, on each flow as it is declared.</summary>
    private static void Check(SymbolAnalysisContext context, FlowSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        var groups = FanOutDeclaration.ReadAll(type, symbols);
        if (groups.IsEmpty)
        {
            return;
        }

        var token = context.CancellationToken;
        var flow = FlowDeclaration.Read(type, symbols)?.Id ?? type.Name;
        var names = new HashSet<string>();
        foreach (var group in groups)
        {
            var problem = group.FindProblem();
            if (problem is null && group.Input is { } input && MessageDeclaration.Read(input, symbols) is not { CorrelationKeys.Length: > 0 })
            {
                problem = $"its start message {input.Name} is not a [Message] with a [CorrelationKey] property: the key carries the child's execution id";
            }

            if (problem is null && !names.Add(group.Name!))
            {
                problem = "another fan-out group of the flow has the same name; give each its own";
            }

            if (problem is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidFanOut, group.Attribute.Location(token), group.Name ?? "", flow, problem));
            }
        }
    }

    /// <summary>FLOW0056 and FLOW0057, once the child flows' rules are known.</summary>
    private static void Analyze(CompilationAnalysisContext context, FlowIndex index)
    {
        var token = context.CancellationToken;
        var flows = index.Flows;
        foreach (var parent in flows)
        {
            foreach (var group in FanOutDeclaration.ReadAll(parent.State, index.Symbols))
            {
                if (group.FindProblem() is not null || group.Result is not { } result
                    || flows.FirstOrDefault(f => SymbolEqualityComparer.Default.Equals(f.State, group.Child)) is not { } child)
                {
                    // An invalid group is FLOW0055; a child flow of another assembly has its rules out of sight.
                    continue;
                }

                if (!YieldsResult(index, child, result))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.FanOutChildWithoutResult, group.Attribute.Location(token), group.Name, parent.Id ?? parent.State.Name, child.Id ?? child.State.Name, result.Name));
                }

                if (group.Input is { } input && child.Phases.Length > 0 && !StartsChild(index, child, input))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.FanOutInputStartsNoChild, group.Attribute.Location(token), group.Name, parent.Id ?? parent.State.Name, child.Id ?? child.State.Name, input.Name, child.Phases[0].Name));
                }
            }
        }
    }

    /// <summary>
    /// Whether a message-and-state rule of <paramref name="child"/> takes <paramref name="input"/> in the
    /// flow's first phase (no <c>From</c>, or <c>From</c> that phase): only such a rule creates an execution.
    /// A <c>From</c> that does not resolve is another diagnostic's; it counts as starting the child.
    /// </summary>
    private static bool StartsChild(FlowIndex index, FlowDeclaration child, INamedTypeSymbol input)
    {
        foreach (var rule in index.RulesOf(child.State))
        {
            if (rule.Trigger == RuleTrigger.MessageAndState && SymbolEqualityComparer.Default.Equals(rule.Input, input)
                && rule.ResolvePhase("From", child) is var from
                && (from.Kind is not PhaseArgumentKind.Phase || from.Phase!.Order == child.Phases[0].Order))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a rule of <paramref name="child"/> returns <paramref name="result"/> as it moves into a terminal phase.</summary>
    private static bool YieldsResult(FlowIndex index, FlowDeclaration child, INamedTypeSymbol result)
    {
        foreach (var rule in index.RulesOf(child.State))
        {
            if (SymbolEqualityComparer.Default.Equals(rule.Output, result)
                && rule.ResolvePhase("To", child) is { Kind: PhaseArgumentKind.Phase, Phase.IsTerminal: true })
            {
                return true;
            }
        }

        return false;
    }
}
