using System.Collections.Immutable;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowSdk.Analyzers;

/// <summary>
/// Checks rules that require approval (<c>[RequiresApproval]</c>): FLOW0054 (a rule not triggered by a
/// message and the execution, at the attribute), FLOW0026 (an <c>Expires</c> or the flow's
/// <c>ApprovalExpires</c> that is not a valid duration), and, once every rules class is known, FLOW0053
/// (a flow with an approval rule none of whose rules reads <c>LastApproval</c>: no path for the rejected case).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ApprovalAnalyzer : DiagnosticAnalyzer
{
    private const string Property = "LastApproval";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.ApprovalWithoutRejectedPath,
        DiagnosticDescriptors.ApprovalOnWrongTrigger,
        DiagnosticDescriptors.InvalidDuration,
        DiagnosticDescriptors.AmbiguousDuration);

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

    /// <summary>FLOW0054 and FLOW0026, on each rules class and flow as it is declared.</summary>
    private static void Check(SymbolAnalysisContext context, FlowSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        var token = context.CancellationToken;
        if (FlowDeclaration.Read(type, symbols) is { } flow)
        {
            AttributeValues.CheckDuration(context.ReportDiagnostic, flow.Attribute, "ApprovalExpires", $"the approval requests of flow '{flow.Id}'", "the flow's approval rules", token);
        }

        if (type.TypeKind != TypeKind.Class || type.FindAttribute(symbols.RulesAttribute) is null || type.RulesState(symbols) is not { } state)
        {
            return;
        }

        foreach (var member in type.GetMembers())
        {
            if (member is not IMethodSymbol { IsStatic: true } method
                || FlowSymbols.Find(method, symbols.RequiresApprovalAttribute) is not { } attribute
                || RuleDeclaration.Read(method, state, symbols) is not { } rule)
            {
                continue;
            }

            AttributeValues.CheckDuration(context.ReportDiagnostic, attribute, "Expires", $"the approval requests of rule '{rule.Name}'", "the rule", token);
            if (rule.Trigger is RuleTrigger.Message or RuleTrigger.State)
            {
                var trigger = rule.Trigger == RuleTrigger.Message ? "a message alone (no execution)" : "a change of the execution's state alone (no message)";
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ApprovalOnWrongTrigger, attribute.Location(token), rule.Name, trigger));
            }
        }
    }

    /// <summary>FLOW0053, once every rules class of each flow is known.</summary>
    private static void Analyze(CompilationAnalysisContext context, FlowIndex index)
    {
        var token = context.CancellationToken;
        foreach (var flow in index.Flows)
        {
            var asking = new List<(RuleDeclaration Rule, AttributeData Attribute)>();
            var readsLastApproval = false;
            foreach (var rulesClass in index.RulesClassesOf(flow.State))
            {
                readsLastApproval |= ReadsLastApproval(rulesClass, token);
                foreach (var rule in index.Rules(rulesClass, flow.State))
                {
                    if (rule.Trigger == RuleTrigger.MessageAndState
                        && ApprovalDeclaration.Read(rule.Method, flow, index.Symbols) is { Policy: not ApprovalDeclaration.ApprovePolicy } approval)
                    {
                        asking.Add((rule, approval.Attribute));
                    }
                }
            }

            if (readsLastApproval)
            {
                continue;
            }

            foreach (var (rule, attribute) in asking)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ApprovalWithoutRejectedPath, attribute.Location(token), rule.Name, flow.Id ?? flow.State.Name));
            }
        }
    }

    /// <summary>Whether the rules class's source names <c>LastApproval</c> anywhere (a condition, a rule, a helper).</summary>
    private static bool ReadsLastApproval(INamedTypeSymbol rulesClass, CancellationToken cancellationToken)
    {
        foreach (var reference in rulesClass.DeclaringSyntaxReferences)
        {
            foreach (var name in reference.GetSyntax(cancellationToken).DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (name.Identifier.ValueText == Property)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
