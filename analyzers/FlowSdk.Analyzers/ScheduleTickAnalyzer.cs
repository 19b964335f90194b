using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowSdk.Analyzers;

/// <summary>
/// FLOW0059: a schedule's tick message that rules of another flow take. The runtime publishes each
/// tick on the message's subject, so every flow with a rule on that message receives the schedule's
/// ticks as if it had ticked itself. Reported at the schedule once every rules class is known.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ScheduleTickAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.ScheduleTickTakenByAnotherFlow);

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
        var token = context.CancellationToken;
        var flows = index.Flows;

        // The message types each flow's rules take, by flow state.
        var taken = flows.ToDictionary(
            static f => f.State,
            f => new HashSet<INamedTypeSymbol>(index.RulesOf(f.State).Select(static r => r.Input?.OriginalDefinition).OfType<INamedTypeSymbol>(), SymbolEqualityComparer.Default),
            (IEqualityComparer<INamedTypeSymbol>)SymbolEqualityComparer.Default);

        foreach (var flow in flows)
        {
            foreach (var schedule in ScheduleDeclaration.ReadAll(flow.State, index.Symbols))
            {
                if (!schedule.IsUsable || schedule.Tick is not { } tick)
                {
                    continue;
                }

                var others = flows
                    .Where(other => !SymbolEqualityComparer.Default.Equals(other.State, flow.State)
                        && taken.TryGetValue(other.State, out var inputs) && inputs.Contains(tick.OriginalDefinition))
                    .Select(other => "'" + SymbolExtensions.FlowName(other, other.State) + "'")
                    .ToList();
                if (others.Count > 0)
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.ScheduleTickTakenByAnotherFlow,
                        schedule.Attribute.Location(token),
                        schedule.Name,
                        SymbolExtensions.FlowName(flow, flow.State),
                        tick.Name,
                        MessageDeclaration.Read(tick, index.Symbols)?.Subject ?? tick.Name,
                        string.Join(", ", others)));
                }
            }
        }
    }
}
