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
/// Fixes FLOW0026 for a duration written without seconds (<c>"10"</c>, <c>"00:05"</c>): writes it with
/// every part, either as it reads now (<c>"10.00:00:00"</c>, <c>"00:05:00"</c>) or as it is easily
/// meant (<c>"00:00:10"</c>, <c>"00:00:05"</c>). A duration that is not valid at all has no fix: only
/// the author knows what it should be.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(WriteDurationInFullCodeFixer))]
[Shared]
public sealed class WriteDurationInFullCodeFixer : CodeFixProvider
{
    /// <summary>The equivalence key of the fix that keeps the duration's current meaning.</summary>
    public const string KeepMeaningKey = "FlowSdk.WriteDurationInFull";

    /// <summary>The equivalence key of the fix that writes the other reading (a bare number as seconds, <c>a:b</c> as minutes and seconds).</summary>
    public const string OtherReadingKey = "FlowSdk.WriteDurationOtherReading";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.InvalidDurationId);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax argument
                || model.GetConstantValue(argument, context.CancellationToken) is not { HasValue: true, Value: string text }
                || DurationSyntax.Read(text) is not (DurationKind.Ambiguous, var span))
            {
                continue;
            }

            var full = DurationSyntax.Format(span);
            context.RegisterCodeFix(
                CodeAction.Create(
                    title: $"Write \"{full}\" ({DurationSyntax.Describe(span)}, as it reads now)",
                    createChangedDocument: _ => Task.FromResult(Replace(context.Document, root, argument, full)),
                    equivalenceKey: KeepMeaningKey),
                diagnostic);

            if (DurationSyntax.OtherReadingSpan(text) is { } other && other > TimeSpan.Zero && other != span)
            {
                var otherText = DurationSyntax.Format(other);
                context.RegisterCodeFix(
                    CodeAction.Create(
                        title: $"Write \"{otherText}\" ({DurationSyntax.Describe(other)})",
                        createChangedDocument: _ => Task.FromResult(Replace(context.Document, root, argument, otherText)),
                        equivalenceKey: OtherReadingKey),
                    diagnostic);
            }
        }
    }

    private static Document Replace(Document document, SyntaxNode root, ExpressionSyntax argument, string text) =>
        document.WithSyntaxRoot(root.ReplaceNode(
            argument,
            SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(text)).WithTriviaFrom(argument)));
}
