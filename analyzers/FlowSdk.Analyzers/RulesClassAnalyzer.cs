using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowSdk.Analyzers;

/// <summary>
/// Reports FLOW0002 on each declaration of a <c>[Rules&lt;TState&gt;]</c> class that is not
/// <c>static partial</c>, at the class name.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RulesClassAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.RulesClassNotStaticPartial);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (start.Compilation.GetTypeByMetadataName(WellKnownTypeNames.RulesAttribute) is not { } rulesAttribute)
            {
                return;
            }

            start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, rulesAttribute), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol rulesAttribute)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class || type.FindAttribute(rulesAttribute) is not { } attribute)
        {
            return;
        }

        var stateName = attribute.AttributeClass is { TypeArguments: [var state] } ? state.Name : "?";

        // 'static' on one part of a partial class makes the whole class static; 'partial' must be on every part.
        foreach (var declaration in type.TypeDeclarations(context.CancellationToken))
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
    }
}
