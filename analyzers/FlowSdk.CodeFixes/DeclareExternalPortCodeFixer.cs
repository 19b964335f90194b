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
/// Fixes FLOW0022 and FLOW0023 (a port nothing in the assembly consumes or produces) by declaring
/// the port external: <c>External = true</c> on the message's <c>[Message]</c> attribute.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DeclareExternalPortCodeFixer))]
[Shared]
public sealed class DeclareExternalPortCodeFixer : CodeFixProvider
{
    /// <summary>The equivalence key of the fix; fix-all groups by it.</summary>
    public const string Key = "FlowSdk.DeclareExternalPort";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.OutputPortWithoutConsumerId,
        DiagnosticDescriptors.InputPortWithoutProducerId);

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
            // The diagnostic sits on the name of the declaration that carries [Message].
            var token = root.FindToken(diagnostic.Location.SourceSpan.Start);
            if (token.Parent is not BaseTypeDeclarationSyntax declaration
                || FindMessageAttribute(declaration, model, context.CancellationToken) is not { } attribute)
            {
                continue;
            }

            var name = declaration.Identifier.ValueText;
            context.RegisterCodeFix(
                CodeAction.Create(
                    title: $"Declare port '{name}' external",
                    createChangedDocument: _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(
                        attribute,
                        AttributeArguments.SetNamedArgument(attribute, "External", SyntaxFactory.LiteralExpression(SyntaxKind.TrueLiteralExpression))))),
                    equivalenceKey: Key),
                diagnostic);
        }
    }

    private static AttributeSyntax? FindMessageAttribute(BaseTypeDeclarationSyntax declaration, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var list in declaration.AttributeLists)
        {
            foreach (var attribute in list.Attributes)
            {
                if (model.GetSymbolInfo(attribute, cancellationToken).Symbol is IMethodSymbol { ContainingType: var type }
                    && type.ToDisplayString() == "FlowSdk.MessageAttribute")
                {
                    return attribute;
                }
            }
        }

        return null;
    }
}
