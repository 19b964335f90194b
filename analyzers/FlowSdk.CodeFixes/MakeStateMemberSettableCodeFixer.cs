using System.Collections.Immutable;
using System.Composition;
using FlowSdk.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace FlowSdk.CodeFixes;

/// <summary>
/// Fixes FLOW0030 (a public state member the generated formatter cannot set back) where the way is
/// plain: a get-only auto-property gets <c>set;</c>, a setter that is not public becomes public, a
/// read-only field loses <c>readonly</c>. A member that is not public has no fix: whether it should be
/// stored or marked <c>[IgnoreMember]</c> is the author's call.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakeStateMemberSettableCodeFixer))]
[Shared]
public sealed class MakeStateMemberSettableCodeFixer : CodeFixProvider
{
    /// <summary>The equivalence key of the fix; fix-all groups by it.</summary>
    public const string Key = "FlowSdk.MakeStateMemberSettable";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.StateMemberNotRoundTrippedId);

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
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            if (Edit(node) is not var (title, change))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    title: title,
                    createChangedDocument: async cancellationToken =>
                    {
                        var text = await context.Document.GetTextAsync(cancellationToken).ConfigureAwait(false);
                        return context.Document.WithText(text.WithChanges(change));
                    },
                    equivalenceKey: Key),
                diagnostic);
        }
    }

    /// <summary>The edit that lets the formatter set the member declared at <paramref name="node"/>, or <see langword="null"/> when there is no plain one.</summary>
    private static (string Title, TextChange Change)? Edit(SyntaxNode node)
    {
        switch (node.FirstAncestorOrSelf<MemberDeclarationSyntax>())
        {
            case PropertyDeclarationSyntax { AccessorList: { } accessors } property when IsPublic(property.Modifiers):
                var setter = accessors.Accessors.FirstOrDefault(static a => a.Kind() is SyntaxKind.SetAccessorDeclaration or SyntaxKind.InitAccessorDeclaration);
                if (setter is null)
                {
                    var getter = accessors.Accessors.FirstOrDefault(static a => a.IsKind(SyntaxKind.GetAccessorDeclaration));
                    return getter is { Modifiers.Count: 0, Body: null, ExpressionBody: null }
                        ? ("Add a public setter: { get; set; }", new TextChange(new TextSpan(getter.Span.End, 0), " set;"))
                        : null;
                }

                return setter.Modifiers.Count > 0
                    ? ($"Make the {setter.Keyword.ValueText} accessor public", new TextChange(TextSpan.FromBounds(setter.Modifiers.First().SpanStart, setter.Keyword.SpanStart), ""))
                    : null;
            case FieldDeclarationSyntax field when IsPublic(field.Modifiers):
                var readOnly = field.Modifiers.FirstOrDefault(static m => m.IsKind(SyntaxKind.ReadOnlyKeyword));
                return readOnly.IsKind(SyntaxKind.ReadOnlyKeyword)
                    ? ("Remove readonly", new TextChange(TextSpan.FromBounds(readOnly.SpanStart, readOnly.GetNextToken().SpanStart), ""))
                    : null;
            default:
                return null;
        }
    }

    private static bool IsPublic(SyntaxTokenList modifiers) => modifiers.Any(SyntaxKind.PublicKeyword);
}
