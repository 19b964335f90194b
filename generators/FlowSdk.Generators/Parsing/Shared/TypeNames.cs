using Microsoft.CodeAnalysis;

namespace FlowSdk.Generators.Parsing.Shared;

/// <summary>
/// Type names as the generator writes them, with the common case answered without a display string: a
/// type the display formats it uses write as a C# keyword (<c>string</c>, <c>int</c>, ...). Every format
/// here uses <see cref="SymbolDisplayMiscellaneousOptions.UseSpecialTypes"/>, so the answer is the same
/// as <see cref="ISymbol.ToDisplayString(SymbolDisplayFormat)"/>'s; a reference type annotated nullable,
/// and any other type, are displayed as before.
/// </summary>
internal static class TypeNames
{
    /// <summary>
    /// <paramref name="type"/> displayed in <paramref name="format"/>, which must use special types;
    /// <paramref name="ignoreNullability"/> when the caller displays the type without its annotation.
    /// </summary>
    public static string Display(ITypeSymbol type, SymbolDisplayFormat format, bool ignoreNullability = false) =>
        Keyword(type) is { } keyword && (ignoreNullability || type.NullableAnnotation != NullableAnnotation.Annotated)
            ? keyword
            : type.ToDisplayString(format);

    /// <summary>The C# keyword of a special type, or <see langword="null"/>.</summary>
    public static string? Keyword(ITypeSymbol type) => type.SpecialType switch
    {
        SpecialType.System_Object => "object",
        SpecialType.System_Boolean => "bool",
        SpecialType.System_Char => "char",
        SpecialType.System_SByte => "sbyte",
        SpecialType.System_Byte => "byte",
        SpecialType.System_Int16 => "short",
        SpecialType.System_UInt16 => "ushort",
        SpecialType.System_Int32 => "int",
        SpecialType.System_UInt32 => "uint",
        SpecialType.System_Int64 => "long",
        SpecialType.System_UInt64 => "ulong",
        SpecialType.System_Decimal => "decimal",
        SpecialType.System_Single => "float",
        SpecialType.System_Double => "double",
        SpecialType.System_String => "string",
        _ => null,
    };
}
