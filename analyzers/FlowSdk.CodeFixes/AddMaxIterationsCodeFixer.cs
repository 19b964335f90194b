using System.Collections.Immutable;
using System.Composition;
using FlowSdk.Analyzers;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FlowSdk.CodeFixes;

/// <summary>
/// Fixes FLOW0014 (a rule that loops on a flow without a limit) by setting <c>MaxIterations = 10</c>
/// on the flow's <c>[Flow]</c> attribute, wherever that is declared: a bound to adjust, better than none.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddMaxIterationsCodeFixer))]
[Shared]
public sealed class AddMaxIterationsCodeFixer : CodeFixProvider
{
    /// <summary>The equivalence key of the fix; fix-all groups by it.</summary>
    public const string Key = "FlowSdk.AddMaxIterations";

    /// <summary>The limit the fix writes.</summary>
    public const int DefaultMaxIterations = 10;

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.LoopWithoutMaxIterationsId);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null || FlowSymbols.Create(model.Compilation) is not { } symbols)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            // The diagnostic sits on the rule's To; the fix edits its flow's [Flow] attribute.
            if (root.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } method
                || model.GetDeclaredSymbol(method, context.CancellationToken) is not { ContainingType: { } rulesClass }
                || rulesClass.RulesState(symbols) is not { } state
                || FlowDeclaration.Read(state, symbols) is not { Attribute.ApplicationSyntaxReference: { } reference } flow
                || context.Document.Project.Solution.GetDocument(reference.SyntaxTree) is not { } flowDocument)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    title: $"Set MaxIterations = {DefaultMaxIterations} on flow '{flow.DisplayName}'",
                    createChangedDocument: cancellationToken => SetMaxIterationsAsync(flowDocument, reference, cancellationToken),
                    equivalenceKey: Key),
                diagnostic);
        }
    }

    private static async Task<Document> SetMaxIterationsAsync(Document document, SyntaxReference reference, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || await reference.GetSyntaxAsync(cancellationToken).ConfigureAwait(false) is not AttributeSyntax attribute)
        {
            return document;
        }

        var limit = SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(DefaultMaxIterations));
        return document.WithSyntaxRoot(root.ReplaceNode(attribute, AttributeArguments.SetNamedArgument(attribute, "MaxIterations", limit)));
    }
}
