using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FlowSdk.Analyzers;

/// <summary>Helpers shared by the analyzers.</summary>
internal static class SymbolExtensions
{
    /// <summary>A short, readable name of a type in a diagnostic message (<c>PlanReview</c>, <c>string</c>, <c>PlanSubmitted?</c>).</summary>
    public static readonly SymbolDisplayFormat ShortFormat = SymbolDisplayFormat.MinimallyQualifiedFormat;

    /// <summary>
    /// The application of <paramref name="attributeType"/> (an open generic or a plain attribute
    /// class) on <paramref name="symbol"/>, or <see langword="null"/> when there is none.
    /// </summary>
    public static AttributeData? FindAttribute(this ISymbol symbol, INamedTypeSymbol attributeType) =>
        FlowSymbols.Find(symbol, attributeType);

    /// <summary>
    /// The type declarations of <paramref name="type"/> in source, one per part of a partial type.
    /// </summary>
    public static IEnumerable<TypeDeclarationSyntax> TypeDeclarations(this INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration)
            {
                yield return declaration;
            }
        }
    }

    /// <summary>Whether <paramref name="declaration"/> carries the <c>partial</c> modifier.</summary>
    public static bool IsPartial(this MemberDeclarationSyntax declaration) =>
        declaration.Modifiers.Any(SyntaxKind.PartialKeyword);

    /// <summary>The attribute as written, or <see langword="null"/> when it comes from metadata.</summary>
    public static AttributeSyntax? Syntax(this AttributeData attribute, CancellationToken cancellationToken) =>
        attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;

    /// <summary>Where the attribute is written, or <see cref="Location.None"/>.</summary>
    public static Location Location(this AttributeData attribute, CancellationToken cancellationToken) =>
        attribute.Syntax(cancellationToken)?.GetLocation() ?? Microsoft.CodeAnalysis.Location.None;

    /// <summary>The expression of the named argument <paramref name="name"/> (<c>From = ...</c>), or <see langword="null"/>.</summary>
    public static ExpressionSyntax? NamedArgumentSyntax(this AttributeData attribute, string name, CancellationToken cancellationToken)
    {
        if (attribute.Syntax(cancellationToken)?.ArgumentList is not { } arguments)
        {
            return null;
        }

        foreach (var argument in arguments.Arguments)
        {
            if (argument.NameEquals?.Name.Identifier.ValueText == name)
            {
                return argument.Expression;
            }
        }

        return null;
    }

    /// <summary>Where the named argument <paramref name="name"/> is written; the whole attribute when it cannot be found.</summary>
    public static Location NamedArgumentLocation(this AttributeData attribute, string name, CancellationToken cancellationToken) =>
        attribute.NamedArgumentSyntax(name, cancellationToken)?.GetLocation() ?? attribute.Location(cancellationToken);

    /// <summary>Where the constructor argument at <paramref name="index"/> is written; the whole attribute when it cannot be found.</summary>
    public static Location ConstructorArgumentLocation(this AttributeData attribute, int index, CancellationToken cancellationToken)
    {
        if (attribute.Syntax(cancellationToken)?.ArgumentList is { } arguments)
        {
            var position = 0;
            foreach (var argument in arguments.Arguments)
            {
                if (argument.NameEquals is not null)
                {
                    continue;
                }

                if (position++ == index)
                {
                    return argument.Expression.GetLocation();
                }
            }
        }

        return attribute.Location(cancellationToken);
    }

    /// <summary>Where the type argument of a generic attribute (<c>PlanReview</c> in <c>[Rules&lt;PlanReview&gt;]</c>) is written; the whole attribute when it cannot be found.</summary>
    public static Location TypeArgumentLocation(this AttributeData attribute, CancellationToken cancellationToken)
    {
        var name = attribute.Syntax(cancellationToken)?.Name;
        var generic = name switch
        {
            GenericNameSyntax g => g,
            QualifiedNameSyntax { Right: GenericNameSyntax g } => g,
            AliasQualifiedNameSyntax { Name: GenericNameSyntax g } => g,
            _ => null,
        };
        return generic is { TypeArgumentList.Arguments: [var argument, ..] }
            ? argument.GetLocation()
            : attribute.Location(cancellationToken);
    }

    /// <summary>The name of the declaration that carries <paramref name="attribute"/>, or the symbol's first location.</summary>
    public static Location DeclarationLocation(this ISymbol symbol, AttributeData? attribute, CancellationToken cancellationToken)
    {
        if (attribute?.Syntax(cancellationToken)?.Parent?.Parent is BaseTypeDeclarationSyntax declaration)
        {
            return declaration.Identifier.GetLocation();
        }

        return symbol.Locations.FirstOrDefault(static l => l.IsInSource) ?? Microsoft.CodeAnalysis.Location.None;
    }

    /// <summary>A position to sort symbols by, so diagnostics that compare symbols come out in source order.</summary>
    public static (string Path, int Start) SourceOrder(this ISymbol symbol) =>
        symbol.Locations.FirstOrDefault(static l => l.IsInSource) is { } location
            ? (location.SourceTree?.FilePath ?? "", location.SourceSpan.Start)
            : ("\uffff", 0);

    /// <summary>The state class a <c>[Rules&lt;TState&gt;]</c> class names, or <see langword="null"/>.</summary>
    public static INamedTypeSymbol? RulesState(this INamedTypeSymbol rulesClass, FlowSymbols symbols) =>
        RulesClassDeclaration.Read(rulesClass, symbols)?.State;

    /// <summary>How a diagnostic names the flow of <paramref name="state"/>: its id, or the class name.</summary>
    public static string FlowName(FlowDeclaration? flow, ITypeSymbol state) => flow?.DisplayName ?? state.Name;
}
