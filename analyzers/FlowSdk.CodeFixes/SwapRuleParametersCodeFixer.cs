using System.Collections.Immutable;
using System.Composition;
using FlowSdk.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FlowSdk.CodeFixes;

/// <summary>
/// Fixes the FLOW0004 whose intent is unambiguous, a rule that takes <c>(TMessage, TState)</c>, by
/// swapping the two parameters (a trailing <c>RuleContext</c> stays last). Rules are called only by
/// the generated dispatch, so no call site changes.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SwapRuleParametersCodeFixer))]
[Shared]
public sealed class SwapRuleParametersCodeFixer : CodeFixProvider
{
    /// <summary>The equivalence key of the fix; fix-all groups by it.</summary>
    public const string Key = "FlowSdk.SwapRuleParameters";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.InvalidRuleParametersId);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            // Only the swapped-parameters FLOW0004 says how to fix it.
            if (!diagnostic.Properties.TryGetValue(RuleMethodAnalyzer.FixProperty, out var fix) || fix != RuleMethodAnalyzer.SwapFix)
            {
                continue;
            }

            var token = root.FindToken(diagnostic.Location.SourceSpan.Start);
            if (token.Parent is not MethodDeclarationSyntax method || method.ParameterList.Parameters.Count < 2)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    title: $"Take the state first in '{method.Identifier.ValueText}'",
                    createChangedDocument: _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(method, Swap(method)))),
                    equivalenceKey: Key),
                diagnostic);
        }
    }

    private static MethodDeclarationSyntax Swap(MethodDeclarationSyntax method)
    {
        var parameters = method.ParameterList.Parameters;
        var first = parameters[0];
        var second = parameters[1];

        // Each position keeps its own trivia (indentation, line breaks); the parameters trade places.
        var nodes = parameters.ToList();
        nodes[0] = second.WithTriviaFrom(first);
        nodes[1] = first.WithTriviaFrom(second);
        return method.WithParameterList(method.ParameterList.WithParameters(
            SyntaxFactory.SeparatedList(nodes, parameters.GetSeparators())));
    }
}
