using System.Collections.Immutable;
using System.Composition;
using FlowSdk.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace FlowSdk.CodeFixes;

/// <summary>
/// Removes an attribute argument that means nothing where it is written, keeping what the code does:
/// FLOW0033 (<c>From</c>, <c>To</c>, <c>Cooldown</c>, <c>MaxFirings</c> or <c>AwaitReply</c> on a rule that
/// takes no state, which the runtime ignores) and FLOW0036 (<c>MaxIterations</c> or <c>MaxFirings</c> of 0 or
/// less: left out, there is no limit).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RemoveAttributeArgumentCodeFixer))]
[Shared]
public sealed class RemoveAttributeArgumentCodeFixer : CodeFixProvider
{
    /// <summary>The equivalence key of the fix; fix-all groups by it.</summary>
    public const string Key = "FlowSdk.RemoveAttributeArgument";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.StatelessRuleActsOnExecutionId, DiagnosticDescriptors.InvalidLimitId);

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
            // FLOW0033 at a call (context.Complete()) is not an argument: only the author can say what replaces it.
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax expression
                || expression.Parent is not AttributeArgumentSyntax { NameEquals: { } name } argument
                || argument.Parent is not AttributeArgumentListSyntax list)
            {
                continue;
            }

            var what = diagnostic.Id == DiagnosticDescriptors.InvalidLimitId ? " (no limit)" : "";
            context.RegisterCodeFix(
                CodeAction.Create(
                    title: $"Remove {name.Name.Identifier.ValueText}{what}",
                    createChangedDocument: cancellationToken => RemoveAsync(context.Document, list, argument, cancellationToken),
                    equivalenceKey: Key),
                diagnostic);
        }
    }

    /// <summary>
    /// <paramref name="document"/> without <paramref name="argument"/> and the comma that separates it from
    /// a neighbour; without the parentheses when it was the only argument. A text edit, so the rest of the
    /// attribute stays as written.
    /// </summary>
    private static async Task<Document> RemoveAsync(Document document, AttributeArgumentListSyntax list, AttributeArgumentSyntax argument, CancellationToken cancellationToken)
    {
        var text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
        var arguments = list.Arguments;
        var index = arguments.IndexOf(argument);
        var removed = arguments.Count == 1
            ? list.Span
            : index < arguments.Count - 1
                ? TextSpan.FromBounds(argument.SpanStart, arguments[index + 1].SpanStart)
                : TextSpan.FromBounds(arguments[index - 1].Span.End, argument.Span.End);
        return document.WithText(text.WithChanges(new TextChange(removed, "")));
    }
}
