using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FlowSdk.Analyzers;

/// <summary>What the body of a rule does with its <c>RuleContext</c>, read from the syntax.</summary>
internal static class RuleBody
{
    /// <summary>The <c>RuleContext</c> methods that end the execution when the firing commits.</summary>
    private static readonly string[] Outcomes = ["Complete", "Fail", "Escalate"];

    /// <summary>
    /// The calls <c>context.Complete()</c>, <c>context.Fail(...)</c> and <c>context.Escalate(...)</c>
    /// in the body of <paramref name="rule"/>, where <c>context</c> is its <c>RuleContext</c> parameter.
    /// </summary>
    public static IEnumerable<InvocationExpressionSyntax> OutcomeCalls(RuleDeclaration rule, CancellationToken cancellationToken)
    {
        if (ContextName(rule) is not { } context || Body(rule.Method, cancellationToken) is not { } body)
        {
            yield break;
        }

        foreach (var invocation in body.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>())
        {
            if (IsOutcomeCall(invocation, context))
            {
                yield return invocation;
            }
        }
    }

    /// <summary>
    /// Whether every firing of <paramref name="rule"/> ends the execution: its body calls
    /// <c>context.Complete()</c>, <c>context.Fail(...)</c> or <c>context.Escalate(...)</c> as a statement
    /// of the method's own block (not inside a branch or a loop), or is such a call.
    /// </summary>
    public static bool AlwaysEndsExecution(RuleDeclaration rule, CancellationToken cancellationToken)
    {
        if (ContextName(rule) is not { } context || Body(rule.Method, cancellationToken) is not { } body)
        {
            return false;
        }

        return body switch
        {
            BlockSyntax block => block.Statements.Any(s => s is ExpressionStatementSyntax { Expression: InvocationExpressionSyntax call } && IsOutcomeCall(call, context)),
            InvocationExpressionSyntax call => IsOutcomeCall(call, context),
            _ => false,
        };
    }

    /// <summary>The body of a method declared in source: its block or its expression body.</summary>
    public static SyntaxNode? Body(IMethodSymbol method, CancellationToken cancellationToken) =>
        method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is MethodDeclarationSyntax declaration
            ? (SyntaxNode?)declaration.Body ?? declaration.ExpressionBody?.Expression
            : null;

    private static string? ContextName(RuleDeclaration rule) =>
        rule.TakesContext && rule.Method.Parameters.Length > 0 ? rule.Method.Parameters[rule.Method.Parameters.Length - 1].Name : null;

    private static bool IsOutcomeCall(InvocationExpressionSyntax invocation, string context) =>
        invocation.Expression is MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax receiver, Name: var name }
        && receiver.Identifier.ValueText == context
        && Array.IndexOf(Outcomes, name.Identifier.ValueText) >= 0;
}
