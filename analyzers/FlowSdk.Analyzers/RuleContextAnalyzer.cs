using System.Collections.Immutable;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace FlowSdk.Analyzers;

/// <summary>
/// FLOW0037: a call of <c>RuleContext.Request</c> in user code. The generated dispatch calls it with the
/// request a publish-and-await rule returns; a call of one's own throws at run time, in every rule: one
/// without <c>AwaitReply = true</c> has no task id to give, and one with it publishes its returned request
/// as well, a second request in one firing.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RuleContextAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.RequestCalledByUserCode);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        // The generated code is the one caller Request has.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (FlowSymbols.Create(start.Compilation) is not { RuleContext: { } ruleContext })
            {
                return;
            }

            start.RegisterOperationAction(
                operation =>
                {
                    var invocation = (IInvocationOperation)operation.Operation;
                    if (invocation.TargetMethod is { Name: "Request" } method
                        && SymbolEqualityComparer.Default.Equals(method.ContainingType, ruleContext)
                        && !FlowDeclaration.IsGenerated(invocation.Syntax.SyntaxTree))
                    {
                        operation.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.RequestCalledByUserCode, invocation.Syntax.GetLocation()));
                    }
                },
                OperationKind.Invocation);
        });
    }
}
