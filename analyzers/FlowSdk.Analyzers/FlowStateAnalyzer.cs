using System.Collections.Immutable;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowSdk.Analyzers;

/// <summary>
/// Checks each class marked <c>[Flow&lt;TPhase&gt;]</c> on its own: FLOW0001 (not partial, at each
/// declaration's name), FLOW0007 (a shape the generator cannot use, at the class name), FLOW0019
/// (an invalid id) and FLOW0015 / FLOW0026 (an invalid lifecycle subject or timeout), at the argument.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FlowStateAnalyzer : DiagnosticAnalyzer
{
    private static readonly string[] LifecycleSubjects = ["OnCompleted", "OnFailed", "OnEscalated", "OnTimedOut"];

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.FlowStateNotPartial,
        DiagnosticDescriptors.FlowStateNotUsable,
        DiagnosticDescriptors.InvalidFlowId,
        DiagnosticDescriptors.InvalidSubject,
        DiagnosticDescriptors.InvalidDuration);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            // Not a FlowSdk project: nothing to check.
            if (FlowSymbols.Create(start.Compilation) is not { } symbols)
            {
                return;
            }

            start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, symbols), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, FlowSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (FlowDeclaration.Read(type, symbols) is not { } flow)
        {
            return;
        }

        var cancellationToken = context.CancellationToken;
        foreach (var declaration in type.TypeDeclarations(cancellationToken))
        {
            if (!declaration.IsPartial())
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.FlowStateNotPartial,
                    declaration.Identifier.GetLocation(),
                    type.Name));
            }
        }

        var (problem, fix) = FlowDeclaration.FindProblem(type, checkPartial: false) switch
        {
            FlowStateProblem.Nested => ($"is nested in '{type.ContainingType?.Name}'", "Declare it at the top level of a namespace"),
            FlowStateProblem.Generic => ("is generic", "Remove its type parameters"),
            FlowStateProblem.Abstract => (type.IsStatic ? "is static" : "is abstract", "Make it a concrete class: the runtime creates the state of each execution"),
            FlowStateProblem.NoPublicParameterlessConstructor => ("has no public parameterless constructor", "Add one: the runtime creates the state of each new execution with it"),
            _ => (null, null),
        };
        if (problem is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.FlowStateNotUsable,
                type.DeclarationLocation(flow.Attribute, cancellationToken),
                type.Name,
                flow.DisplayName,
                problem,
                fix));
        }

        if (FlowIdSyntax.Validate(flow.Id) is { } idProblem)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.InvalidFlowId,
                flow.Attribute.ConstructorArgumentLocation(0, cancellationToken),
                flow.Id ?? "",
                type.Name,
                idProblem));
        }

        foreach (var named in flow.Attribute.NamedArguments)
        {
            if (Array.IndexOf(LifecycleSubjects, named.Key) >= 0
                && named.Value.Value is string subject
                && SubjectSyntax.Validate(subject, allowWildcards: false) is { } subjectProblem)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.InvalidSubject,
                    flow.Attribute.NamedArgumentLocation(named.Key, cancellationToken),
                    subject,
                    $"the {named.Key} event of flow '{flow.DisplayName}'",
                    subjectProblem));
            }

            if (named.Key == "Timeout" && named.Value.Value is string timeout && DurationSyntax.ParseTicks(timeout) is null)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.InvalidDuration,
                    flow.Attribute.NamedArgumentLocation(named.Key, cancellationToken),
                    "Timeout",
                    timeout,
                    $"flow '{flow.DisplayName}'",
                    "the whole flow"));
            }
        }
    }
}
