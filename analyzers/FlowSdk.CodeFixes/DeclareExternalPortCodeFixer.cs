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
    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            // The diagnostic sits on the rule that publishes or takes the message; its first additional
            // location is the name of the message's declaration, which may be in another document.
            var declaration = diagnostic.AdditionalLocations.Count > 0 ? diagnostic.AdditionalLocations[0] : diagnostic.Location;
            var document = context.Document.Project.Solution.GetDocument(declaration.SourceTree);
            if (document is null)
            {
                continue;
            }

            var name = declaration.SourceTree!.GetText(context.CancellationToken).ToString(declaration.SourceSpan);
            context.RegisterCodeFix(
                CodeAction.Create(
                    title: $"Declare port '{name}' external",
                    createChangedSolution: cancellationToken => DeclareExternalAsync(document, declaration, cancellationToken),
                    equivalenceKey: Key),
                diagnostic);
        }

        return Task.CompletedTask;
    }

    private static async Task<Solution> DeclareExternalAsync(Document document, Location declaration, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null
            || model is null
            || root.FindToken(declaration.SourceSpan.Start).Parent is not BaseTypeDeclarationSyntax type
            || FindMessageAttribute(type, model, cancellationToken) is not { } attribute)
        {
            return document.Project.Solution;
        }

        var changed = root.ReplaceNode(
            attribute,
            AttributeArguments.SetNamedArgument(attribute, "External", SyntaxFactory.LiteralExpression(SyntaxKind.TrueLiteralExpression)));
        return document.WithSyntaxRoot(changed).Project.Solution;
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
