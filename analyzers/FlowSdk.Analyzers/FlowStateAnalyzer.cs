using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowSdk.Analyzers;

/// <summary>
/// Reports FLOW0001 on each declaration of a <c>[Flow&lt;TPhase&gt;]</c> class that lacks the
/// <c>partial</c> modifier, at the class name.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FlowStateAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.FlowStateNotPartial);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            // Not a FlowSdk project: nothing to check.
            if (start.Compilation.GetTypeByMetadataName(WellKnownTypeNames.FlowAttribute) is not { } flowAttribute)
            {
                return;
            }

            start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, flowAttribute), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol flowAttribute)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class || type.FindAttribute(flowAttribute) is null)
        {
            return;
        }

        foreach (var declaration in type.TypeDeclarations(context.CancellationToken))
        {
            if (!declaration.IsPartial())
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.FlowStateNotPartial,
                    declaration.Identifier.GetLocation(),
                    type.Name));
            }
        }
    }
}
