using System.Collections.Immutable;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowSdk.Analyzers;

/// <summary>
/// Checks each class marked <c>[Rules&lt;TState&gt;]</c>: FLOW0002 (not <c>static partial</c>, at each
/// declaration's name), FLOW0007 (nested or generic, at the class name) and FLOW0006 (<c>TState</c>
/// is not a flow state, at the type argument).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RulesClassAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.RulesClassNotStaticPartial,
        DiagnosticDescriptors.RulesClassNotUsable,
        DiagnosticDescriptors.RulesClassUnknownFlow);

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

            start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, symbols), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, FlowSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class || type.FindAttribute(symbols.RulesAttribute) is not { } attribute)
        {
            return;
        }

        var cancellationToken = context.CancellationToken;
        var state = attribute.AttributeClass is { TypeArguments: [var argument] } ? argument : null;
        var stateName = state?.Name ?? "?";

        // 'static' on one part of a partial class makes the whole class static; 'partial' must be on every part.
        foreach (var declaration in type.TypeDeclarations(cancellationToken))
        {
            var missing = (type.IsStatic, declaration.IsPartial()) switch
            {
                (true, true) => null,
                (false, true) => "'static' modifier",
                (true, false) => "'partial' modifier",
                (false, false) => "'static' and 'partial' modifiers",
            };

            if (missing is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.RulesClassNotStaticPartial,
                    declaration.Identifier.GetLocation(),
                    type.Name,
                    stateName,
                    missing));
            }
        }

        var flow = state is INamedTypeSymbol named ? FlowDeclaration.Read(named, symbols) : null;
        var (problem, fix) = (type.ContainingType, type.IsGenericType) switch
        {
            ({ } outer, _) => ($"is nested in '{outer.Name}'", "Declare it at the top level of a namespace"),
            (_, true) => ("is generic", "Remove its type parameters"),
            _ => (null, null),
        };
        if (problem is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.RulesClassNotUsable,
                type.DeclarationLocation(attribute, cancellationToken),
                type.Name,
                state is null ? stateName : SymbolExtensions.FlowName(flow, state),
                problem,
                fix));
        }

        // An unresolved type argument is the compiler's to report.
        if (state is not null && state.TypeKind != TypeKind.Error && flow is null)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.RulesClassUnknownFlow,
                attribute.TypeArgumentLocation(cancellationToken),
                type.Name,
                state.ToDisplayString(SymbolExtensions.ShortFormat)));
        }
    }
}
