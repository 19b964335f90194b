using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FlowSdk.Analyzers;

/// <summary>Helpers shared by the analyzers.</summary>
internal static class SymbolExtensions
{
    /// <summary>
    /// The application of <paramref name="attributeType"/> (an open generic or a plain attribute
    /// class) on <paramref name="symbol"/>, or <see langword="null"/> when there is none.
    /// </summary>
    public static AttributeData? FindAttribute(this ISymbol symbol, INamedTypeSymbol attributeType)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass?.OriginalDefinition, attributeType))
            {
                return attribute;
            }
        }

        return null;
    }

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
}
