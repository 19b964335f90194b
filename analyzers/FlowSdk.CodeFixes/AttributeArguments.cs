using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FlowSdk.CodeFixes;

/// <summary>Sets a named argument of an attribute as a person would write it: <c>Name = value</c>, after a comma and a space.</summary>
internal static class AttributeArguments
{
    /// <summary>
    /// <paramref name="attribute"/> with <c><paramref name="name"/> = <paramref name="value"/></c>: the
    /// existing argument's value replaced, or the argument added last.
    /// </summary>
    public static AttributeSyntax SetNamedArgument(AttributeSyntax attribute, string name, ExpressionSyntax value)
    {
        var arguments = attribute.ArgumentList?.Arguments ?? default;
        foreach (var argument in arguments)
        {
            if (argument.NameEquals?.Name.Identifier.ValueText == name)
            {
                return attribute.ReplaceNode(argument.Expression, value.WithTriviaFrom(argument.Expression));
            }
        }

        var added = SyntaxFactory.AttributeArgument(
            SyntaxFactory.NameEquals(
                SyntaxFactory.IdentifierName(name),
                SyntaxFactory.Token(SyntaxKind.EqualsToken).WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space)),
            nameColon: null,
            value);

        if (attribute.ArgumentList is not { } list)
        {
            return attribute.WithArgumentList(SyntaxFactory.AttributeArgumentList(SyntaxFactory.SingletonSeparatedList(added)));
        }

        if (list.Arguments.Count == 0)
        {
            return attribute.WithArgumentList(list.WithArguments(SyntaxFactory.SingletonSeparatedList(added)));
        }

        // Keep the last argument's trailing trivia (a line break before ')', say) after the new one.
        var nodes = list.Arguments.ToList();
        var separators = list.Arguments.GetSeparators().ToList();
        var last = nodes[nodes.Count - 1];
        nodes[nodes.Count - 1] = last.WithoutTrailingTrivia();
        nodes.Add(added.WithTrailingTrivia(last.GetTrailingTrivia()));
        separators.Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space));
        return attribute.WithArgumentList(list.WithArguments(SyntaxFactory.SeparatedList(nodes, separators)));
    }
}
