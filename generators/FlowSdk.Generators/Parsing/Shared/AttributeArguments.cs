using Microsoft.CodeAnalysis;

namespace FlowSdk.Generators.Parsing.Shared;

/// <summary>Reads the named arguments of an attribute application (<c>[Rule(From = ...)]</c>).</summary>
internal static class AttributeArguments
{
    /// <summary>The named argument <paramref name="name"/> of <paramref name="attribute"/>, or <see langword="null"/> when not given.</summary>
    public static TypedConstant? Named(AttributeData attribute, string name)
    {
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key == name)
            {
                return named.Value;
            }
        }

        return null;
    }

    /// <summary>The named argument <paramref name="name"/> when it is a string, or <see langword="null"/>.</summary>
    public static string? String(AttributeData attribute, string name) => Named(attribute, name)?.Value as string;

    /// <summary>The named argument <paramref name="name"/> when it is an <see langword="int"/> (an enum's value too), or <paramref name="fallback"/>.</summary>
    public static int Int32(AttributeData attribute, string name, int fallback = 0) => Named(attribute, name)?.Value is int value ? value : fallback;
}
