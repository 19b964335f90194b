using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowSdk.Analyzers;

/// <summary>
/// Reports FLOW0003 on a <c>[Rule]</c> method that is not <c>static</c> or whose class is not
/// marked <c>[Rules&lt;TState&gt;]</c>, at the method name.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RuleMethodAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.RuleMethodNotStatic, DiagnosticDescriptors.RuleMethodOutsideRulesClass);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (start.Compilation.GetTypeByMetadataName(WellKnownTypeNames.RuleAttribute) is not { } ruleAttribute)
            {
                return;
            }

            // Without the rules attribute in the compilation every [Rule] is outside a rules class.
            var rulesAttribute = start.Compilation.GetTypeByMetadataName(WellKnownTypeNames.RulesAttribute);
            start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, ruleAttribute, rulesAttribute), SymbolKind.Method);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol ruleAttribute, INamedTypeSymbol? rulesAttribute)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (method.FindAttribute(ruleAttribute) is null || method.Locations is not [var location, ..])
        {
            return;
        }

        var containingType = method.ContainingType;
        if (containingType is null)
        {
            return;
        }

        if (rulesAttribute is null || containingType.FindAttribute(rulesAttribute) is null)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.RuleMethodOutsideRulesClass, location, method.Name, containingType.Name));
        }

        if (!method.IsStatic)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.RuleMethodNotStatic, location, method.Name, containingType.Name));
        }
    }
}
