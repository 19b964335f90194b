using System.Collections.Immutable;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace FlowSdk.CodeFixes;

/// <summary>
/// Fixes the compiler's CS0592 for a FlowSdk property attribute (<c>[CorrelationKey]</c>, <c>[TaskId]</c>)
/// written on a positional record parameter: the attribute applies to the parameter, where it is not
/// valid, unless it names the generated property as its target. The fix writes <c>property:</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddPropertyTargetCodeFixer))]
[Shared]
public sealed class AddPropertyTargetCodeFixer : CodeFixProvider
{
    /// <summary>The compiler's "attribute is not valid on this declaration type".</summary>
    public const string AttributeNotValidOnDeclarationId = "CS0592";

    /// <summary>The equivalence key of the fix; fix-all groups by it.</summary>
    public const string Key = "FlowSdk.AddPropertyTarget";

    /// <summary><c>AttributeTargets.Property</c>.</summary>
    private const int PropertyTarget = 128;

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(AttributeNotValidOnDeclarationId);

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
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<AttributeSyntax>() is not { } attribute
                || attribute.Parent is not AttributeListSyntax { Target: null, Parent: ParameterSyntax { Parent: ParameterListSyntax { Parent: RecordDeclarationSyntax } } }
                || model.GetSymbolInfo(attribute, context.CancellationToken).Symbol is not IMethodSymbol { ContainingType: { } attributeClass }
                || !IsFlowSdkPropertyAttribute(attributeClass))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    title: $"Apply [{attribute.Name}] to the record's property (property:)",
                    createChangedDocument: cancellationToken => AddTargetAsync(context.Document, attribute, cancellationToken),
                    equivalenceKey: Key),
                diagnostic);
        }
    }

    /// <summary>Whether <paramref name="attributeClass"/> is one of FlowSdk's attributes and is valid on properties.</summary>
    private static bool IsFlowSdkPropertyAttribute(INamedTypeSymbol attributeClass)
    {
        if (attributeClass.ContainingNamespace?.ToDisplayString() != "FlowSdk")
        {
            return false;
        }

        foreach (var usage in attributeClass.GetAttributes())
        {
            if (usage.AttributeClass?.ToDisplayString() == "System.AttributeUsageAttribute"
                && usage.ConstructorArguments.Length > 0
                && usage.ConstructorArguments[0].Value is int targets)
            {
                return (targets & PropertyTarget) != 0;
            }
        }

        return false;
    }

    /// <summary>
    /// <paramref name="document"/> with <paramref name="attribute"/> targeting the property: its list gets
    /// the <c>property:</c> target when the attribute is alone in it; otherwise the attribute moves to a
    /// list of its own, so the other attributes keep the parameter as their target. A text edit, so the
    /// rest of the line stays as written.
    /// </summary>
    private static async Task<Document> AddTargetAsync(Document document, AttributeSyntax attribute, CancellationToken cancellationToken)
    {
        var text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
        var list = (AttributeListSyntax)attribute.Parent!;
        if (list.Attributes.Count == 1)
        {
            return document.WithText(text.WithChanges(new TextChange(new TextSpan(list.OpenBracketToken.Span.End, 0), "property: ")));
        }

        // Remove the attribute with the comma that separates it from its neighbour.
        var index = list.Attributes.IndexOf(attribute);
        var removed = index < list.Attributes.Count - 1
            ? TextSpan.FromBounds(attribute.SpanStart, list.Attributes[index + 1].SpanStart)
            : TextSpan.FromBounds(list.Attributes[index - 1].Span.End, attribute.Span.End);
        return document.WithText(text.WithChanges(
            new TextChange(new TextSpan(list.SpanStart, 0), $"[property: {attribute}] "),
            new TextChange(removed, "")));
    }
}
