using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace FlowSdk.Generators.Parsing.Shared;

/// <summary>A type marked <c>[Message("subject")]</c>: a port of the flows that publish or take it.</summary>
internal sealed class MessageDeclaration
{
    private MessageDeclaration(
        INamedTypeSymbol type,
        AttributeData attribute,
        string? subject,
        bool isExternal,
        ImmutableArray<IPropertySymbol> correlationKeys,
        IPropertySymbol? taskId)
    {
        Type = type;
        Attribute = attribute;
        Subject = subject;
        IsExternal = isExternal;
        CorrelationKeys = correlationKeys;
        TaskId = taskId;
    }

    /// <summary>The message type.</summary>
    public INamedTypeSymbol Type { get; }

    /// <summary>The <c>[Message]</c> attribute.</summary>
    public AttributeData Attribute { get; }

    /// <summary>The subject, or <see langword="null"/> when the attribute does not give one.</summary>
    public string? Subject { get; }

    /// <summary>Whether the port is declared connected outside the assembly (<c>External = true</c>).</summary>
    public bool IsExternal { get; }

    /// <summary>
    /// The public properties marked <c>[CorrelationKey]</c>, the type's own before its base types'.
    /// Exactly one is valid; the generator reads the first.
    /// </summary>
    public ImmutableArray<IPropertySymbol> CorrelationKeys { get; }

    /// <summary>The public property marked <c>[TaskId]</c>, or <see langword="null"/>.</summary>
    public IPropertySymbol? TaskId { get; }

    /// <summary>
    /// Whether the runtime can read and set the task id: a <c>string</c> property with a setter
    /// (<c>init</c> will do for a record or struct, which the runtime copies with <c>with</c>; a class
    /// needs a public <c>set</c>).
    /// </summary>
    public bool HasUsableTaskId => TaskId is { Type.SpecialType: SpecialType.System_String } property
        && (Type.IsRecord || Type.IsValueType
            ? property.SetMethod is not null
            : property.SetMethod is { IsInitOnly: false, DeclaredAccessibility: Accessibility.Public });

    /// <summary>
    /// Whether the runtime can read the task id of a reply: a <c>string</c> property marked
    /// <c>[TaskId]</c> (it only reads it, so <c>init</c> or no setter will do).
    /// </summary>
    public bool HasReadableTaskId => TaskId is { Type.SpecialType: SpecialType.System_String };

    /// <summary>
    /// Whether a message+state rule can find the execution the message belongs to: by its
    /// correlation key, or, for the reply of a publish-and-await request, by its task id.
    /// </summary>
    public bool CanLoadExecution => CorrelationKeys.Length > 0 || HasReadableTaskId;

    /// <summary>
    /// Whether the generator can write a serializer for the type: it is not generic, and it has a
    /// public constructor whose parameters each match a public property by name (ignoring case)
    /// and type, or a public parameterless one.
    /// </summary>
    public bool IsSerializable => !Type.IsGenericType && !Type.IsAbstract && HasSerializableConstructor(Type);

    /// <summary>Whether <paramref name="type"/> has a public constructor a generated serializer can call with property values.</summary>
    public static bool HasSerializableConstructor(INamedTypeSymbol type)
    {
        var properties = PublicProperties(type).ToList();
        foreach (var constructor in type.InstanceConstructors)
        {
            if (constructor.DeclaredAccessibility != Accessibility.Public)
            {
                continue;
            }

            // A record's copy constructor is not a way to build one from its members.
            if (constructor.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(constructor.Parameters[0].Type, type))
            {
                continue;
            }

            var bindable = constructor.Parameters.All(p => properties.Any(q =>
                string.Equals(q.Name, p.Name, StringComparison.OrdinalIgnoreCase)
                && SymbolEqualityComparer.Default.Equals(
                    q.Type.WithNullableAnnotation(NullableAnnotation.None),
                    p.Type.WithNullableAnnotation(NullableAnnotation.None))));
            if (bindable)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether the runtime can make an execution id of a correlation key of type <paramref name="type"/>:
    /// a string as it is, an integer, a <see cref="System.Guid"/> or an enum formatted in the invariant
    /// culture (each possibly nullable). Any other type is formatted by its <c>ToString()</c>, which for a
    /// strongly typed id record is '<c>PlanId { Value = ... }</c>', not a valid execution id.
    /// </summary>
    public static bool IsCorrelationKeyType(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T, TypeArguments: [var underlying] })
        {
            type = underlying;
        }

        switch (type.SpecialType)
        {
            case SpecialType.System_String:
            case SpecialType.System_SByte:
            case SpecialType.System_Byte:
            case SpecialType.System_Int16:
            case SpecialType.System_UInt16:
            case SpecialType.System_Int32:
            case SpecialType.System_UInt32:
            case SpecialType.System_Int64:
            case SpecialType.System_UInt64:
                return true;
        }

        return type.TypeKind == TypeKind.Enum
            || type is INamedTypeSymbol { Name: "Guid", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } };
    }

    /// <summary>The message declaration of <paramref name="type"/>, or <see langword="null"/> when it is not marked <c>[Message]</c>.</summary>
    public static MessageDeclaration? Read(ITypeSymbol? type, FlowSymbols symbols)
    {
        if (type is not INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct } named
            || FlowSymbols.Find(named, symbols.MessageAttribute) is not { } attribute)
        {
            return null;
        }

        var subject = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
        var isExternal = attribute.NamedArguments.Any(static n => n.Key == "External" && n.Value.Value is true);

        var keys = ImmutableArray.CreateBuilder<IPropertySymbol>();
        IPropertySymbol? taskId = null;
        foreach (var property in PublicProperties(named))
        {
            if (FlowSymbols.Find(property, symbols.CorrelationKeyAttribute) is not null)
            {
                keys.Add(property);
            }

            if (taskId is null && FlowSymbols.Find(property, symbols.TaskIdAttribute) is not null)
            {
                taskId = property;
            }
        }

        return new MessageDeclaration(named.OriginalDefinition, attribute, subject, isExternal, keys.ToImmutable(), taskId);
    }

    /// <summary>
    /// The public instance properties with a getter that a serializer reads, the type's own first,
    /// then its base types'; a property hidden by one of the same name is left out.
    /// </summary>
    public static IEnumerable<IPropertySymbol> PublicProperties(INamedTypeSymbol type)
    {
        // Names repeat only across a type and its base types: a type without one needs no set.
        var seen = type.BaseType is null or { SpecialType: SpecialType.System_Object } ? null : new HashSet<string>(StringComparer.Ordinal);
        for (var t = type; t is not null && t.SpecialType != SpecialType.System_Object; t = t.BaseType)
        {
            foreach (var member in t.GetMembers())
            {
                if (member is not IPropertySymbol property
                    || property.IsStatic
                    || property.IsIndexer
                    || property.DeclaredAccessibility != Accessibility.Public
                    || property.GetMethod is null
                    || property.IsImplicitlyDeclared
                    || (seen is not null && !seen.Add(property.Name)))
                {
                    continue;
                }

                yield return property;
            }
        }
    }
}
