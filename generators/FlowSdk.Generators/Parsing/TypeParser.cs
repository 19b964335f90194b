using System;
using System.Collections.Generic;
using System.Linq;
using FlowSdk.Generators.Model;
using Microsoft.CodeAnalysis;

namespace FlowSdk.Generators.Parsing;

/// <summary>Reads the members of state and message types: what their formatters read and write.</summary>
internal static partial class FlowParser
{
    private static SerializableTypeSpec? ParseSerializable(INamedTypeSymbol type, bool preferParameterless)
    {
        var members = new List<MemberSpec>();
        var properties = AllProperties(type).ToList();
        var constructor = ChooseConstructor(type, properties, preferParameterless);
        if (constructor is null)
        {
            return null;
        }

        var ctorNames = new HashSet<string>(constructor.Parameters.Select(p => p.Name), StringComparer.OrdinalIgnoreCase);
        foreach (var property in properties)
        {
            string setter;
            if (ctorNames.Contains(property.Name))
            {
                setter = "ctor";
            }
            else if (property.SetMethod is { DeclaredAccessibility: Accessibility.Public } set)
            {
                setter = set.IsInitOnly ? "init" : "set";
            }
            else
            {
                continue;
            }

            members.Add(Member(property, setter));
        }

        var ctorParameters = constructor.Parameters
            .Select(p => properties.First(q => string.Equals(q.Name, p.Name, StringComparison.OrdinalIgnoreCase)).Name)
            .ToEquatableArray();
        var ns = type.ContainingNamespace.IsGlobalNamespace ? "" : type.ContainingNamespace.ToDisplayString();
        return new SerializableTypeSpec(
            ns,
            type.Name,
            type.ToDisplayString(FullyQualified),
            type.IsValueType,
            type.IsRecord,
            IsPublic(type) ? "public" : "internal",
            members.ToEquatableArray(),
            ctorParameters);
    }

    private static IEnumerable<IPropertySymbol> AllProperties(INamedTypeSymbol type)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var t = type; t is not null && t.SpecialType != SpecialType.System_Object; t = t.BaseType)
        {
            foreach (var property in t.GetMembers().OfType<IPropertySymbol>())
            {
                if (property.IsStatic || property.IsIndexer || property.DeclaredAccessibility != Accessibility.Public
                    || property.GetMethod is null || property.IsImplicitlyDeclared || !seen.Add(property.Name))
                {
                    continue;
                }

                yield return property;
            }
        }
    }

    private static IMethodSymbol? ChooseConstructor(INamedTypeSymbol type, List<IPropertySymbol> properties, bool preferParameterless)
    {
        IMethodSymbol? best = null;
        foreach (var ctor in type.InstanceConstructors)
        {
            if (ctor.DeclaredAccessibility != Accessibility.Public)
            {
                continue;
            }

            // A record's copy constructor is not a way to build one from its members.
            if (ctor.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(ctor.Parameters[0].Type, type))
            {
                continue;
            }

            var bindable = ctor.Parameters.All(p => properties.Any(q =>
                string.Equals(q.Name, p.Name, StringComparison.OrdinalIgnoreCase)
                && SymbolEqualityComparer.Default.Equals(q.Type.WithNullableAnnotation(NullableAnnotation.None), p.Type.WithNullableAnnotation(NullableAnnotation.None))));
            if (preferParameterless && ctor.Parameters.Length == 0)
            {
                return ctor;
            }

            if (bindable && (best is null || ctor.Parameters.Length > best.Parameters.Length))
            {
                best = ctor;
            }
        }

        return best;
    }

    private static MemberSpec Member(IPropertySymbol property, string setter)
    {
        var type = property.Type;
        var typeName = type.ToDisplayString(FullyQualified);
        var nullable = type.NullableAnnotation == NullableAnnotation.Annotated
            || (type.IsReferenceType && type.NullableAnnotation == NullableAnnotation.None);
        if (type.SpecialType == SpecialType.System_String)
        {
            return new MemberSpec(property.Name, typeName, MemberKind.String, null, setter, nullable);
        }

        if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying })
        {
            return new MemberSpec(property.Name, typeName, MemberKind.Enum, underlying.ToDisplayString(), setter, false);
        }

        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean:
            case SpecialType.System_Byte:
            case SpecialType.System_SByte:
            case SpecialType.System_Int16:
            case SpecialType.System_UInt16:
            case SpecialType.System_Int32:
            case SpecialType.System_UInt32:
            case SpecialType.System_Int64:
            case SpecialType.System_UInt64:
            case SpecialType.System_Single:
            case SpecialType.System_Double:
            case SpecialType.System_Char:
                return new MemberSpec(property.Name, type.ToDisplayString(), MemberKind.Primitive, null, setter, false);
        }

        return new MemberSpec(property.Name, typeName, MemberKind.Resolver, null, setter, nullable);
    }
}
