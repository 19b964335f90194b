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
/// Fixes FLOW0001 by adding <c>partial</c> to the flow state class, and FLOW0002 by making the
/// rules class <c>static partial</c> (dropping <c>sealed</c> or <c>abstract</c>, which a static
/// class cannot have).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFixer))]
[Shared]
public sealed class MakePartialCodeFixer : CodeFixProvider
{
    /// <summary>The equivalence key of the FLOW0001 fix; fix-all groups by it.</summary>
    public const string MakePartialKey = "FlowSdk.MakePartial";

    /// <summary>The equivalence key of the FLOW0002 fix; fix-all groups by it.</summary>
    public const string MakeStaticPartialKey = "FlowSdk.MakeStaticPartial";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.FlowStateNotPartialId,
        DiagnosticDescriptors.RulesClassNotStaticPartialId);

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
            // The diagnostic sits on the class name.
            var token = root.FindToken(diagnostic.Location.SourceSpan.Start);
            if (token.Parent is not TypeDeclarationSyntax declaration || declaration.Identifier != token)
            {
                continue;
            }

            var makeStatic = diagnostic.Id == DiagnosticDescriptors.RulesClassNotStaticPartialId;
            var name = declaration.Identifier.ValueText;
            context.RegisterCodeFix(
                CodeAction.Create(
                    title: makeStatic ? $"Make '{name}' static partial" : $"Make '{name}' partial",
                    createChangedDocument: _ => Task.FromResult(
                        context.Document.WithSyntaxRoot(root.ReplaceNode(declaration, AddModifiers(declaration, makeStatic)))),
                    equivalenceKey: makeStatic ? MakeStaticPartialKey : MakePartialKey),
                diagnostic);
        }
    }

    /// <summary>
    /// Adds <c>partial</c> (last, where C# wants it) and, when asked, <c>static</c> (just before
    /// <c>partial</c>), keeping the declaration's other modifiers and the trivia around them.
    /// </summary>
    private static TypeDeclarationSyntax AddModifiers(TypeDeclarationSyntax declaration, bool makeStatic)
    {
        var modifiers = declaration.Modifiers;

        // The first token after the attributes carries the line's indentation (and any comment above it).
        var leading = modifiers.Count > 0 ? modifiers[0].LeadingTrivia : declaration.Keyword.LeadingTrivia;

        var tokens = new List<SyntaxToken>(modifiers.Count + 2);
        foreach (var modifier in modifiers)
        {
            // A static class can be neither sealed nor abstract.
            if (makeStatic && modifier.Kind() is SyntaxKind.SealedKeyword or SyntaxKind.AbstractKeyword)
            {
                continue;
            }

            tokens.Add(modifier.WithLeadingTrivia());
        }

        var partialIndex = tokens.FindIndex(static token => token.IsKind(SyntaxKind.PartialKeyword));
        if (partialIndex < 0)
        {
            tokens.Add(SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space));
            partialIndex = tokens.Count - 1;
        }

        if (makeStatic && !tokens.Any(static token => token.IsKind(SyntaxKind.StaticKeyword)))
        {
            tokens.Insert(partialIndex, SyntaxFactory.Token(SyntaxKind.StaticKeyword).WithTrailingTrivia(SyntaxFactory.Space));
        }

        tokens[0] = tokens[0].WithLeadingTrivia(leading);
        return declaration
            .WithModifiers(SyntaxFactory.TokenList(tokens))
            .WithKeyword(declaration.Keyword.WithLeadingTrivia());
    }
}
