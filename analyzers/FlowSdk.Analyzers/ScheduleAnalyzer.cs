using System.Collections.Generic;
using System.Collections.Immutable;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowSdk.Analyzers;

/// <summary>
/// Checks the <c>[Schedule&lt;TTick&gt;]</c> attributes of flow state classes: FLOW0050 (a cron expression
/// the runtime cannot read, at <c>Cron</c>) and FLOW0051 (an invalid name, interval, policy or bound,
/// neither or both of <c>Every</c> and <c>Cron</c>, or a name used twice).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ScheduleAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.InvalidCron,
        DiagnosticDescriptors.InvalidSchedule);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (FlowSymbols.Create(start.Compilation) is { } symbols)
            {
                start.RegisterSymbolAction(symbol => Analyze(symbol, symbols), SymbolKind.NamedType);
            }
        });
    }

    private static void Analyze(SymbolAnalysisContext context, FlowSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        var schedules = ScheduleDeclaration.ReadAll(type, symbols);
        if (schedules.IsEmpty)
        {
            return;
        }

        var flow = symbols.FlowId(type) ?? type.Name;
        var names = new HashSet<string>();
        foreach (var schedule in schedules)
        {
            var name = schedule.Name ?? "";
            var token = context.CancellationToken;
            if (schedule.FindProblem() is { } problem)
            {
                var location = problem.Argument is null ? schedule.Attribute.Location(token) : schedule.Attribute.NamedArgumentLocation(problem.Argument, token);
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidSchedule, location, name, flow, problem.Message));
            }
            else if (!names.Add(name))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidSchedule, schedule.Attribute.ConstructorArgumentLocation(0, token), name, flow, "another schedule of the flow has the same name; give each its own"));
            }

            if (schedule.Cron is { } cron && CronSyntax.Validate(cron) is { } cronProblem)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidCron, schedule.Attribute.NamedArgumentLocation("Cron", token), name, flow, cron, cronProblem));
            }
        }
    }
}
