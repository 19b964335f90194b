using Microsoft.CodeAnalysis;

namespace FlowSdk.Generators.Parsing.Shared;

/// <summary>A class marked <c>[Rules&lt;TState&gt;]</c>: the rules of the flow whose state is <c>TState</c>.</summary>
internal sealed class RulesClassDeclaration
{
    private RulesClassDeclaration(INamedTypeSymbol type, AttributeData attribute, INamedTypeSymbol? state)
    {
        Type = type;
        Attribute = attribute;
        State = state;
    }

    /// <summary>The rules class.</summary>
    public INamedTypeSymbol Type { get; }

    /// <summary>The <c>[Rules]</c> attribute.</summary>
    public AttributeData Attribute { get; }

    /// <summary>The state class it names, or <see langword="null"/> when the type argument does not resolve to one.</summary>
    public INamedTypeSymbol? State { get; }

    /// <summary>Whether the class is static and every declaration of it says <c>partial</c>: the generator adds a nested class to it.</summary>
    public bool IsStaticPartial => Type.IsStatic && FlowDeclaration.IsPartialEverywhere(Type);

    /// <summary>Whether the generator can add to the class: static and partial, at the top level of a namespace, not generic, naming a state class.</summary>
    public bool IsUsable => State is not null && IsStaticPartial && Type.ContainingType is null && !Type.IsGenericType;

    /// <summary>The rules class declared by <paramref name="type"/>, or <see langword="null"/> when it is not marked <c>[Rules&lt;TState&gt;]</c>.</summary>
    public static RulesClassDeclaration? Read(INamedTypeSymbol type, FlowSymbols symbols)
    {
        if (FlowSymbols.Find(type, symbols.RulesAttribute) is not { } attribute)
        {
            return null;
        }

        var state = attribute.AttributeClass is { TypeArguments: [INamedTypeSymbol argument] } && argument.TypeKind != TypeKind.Error ? argument : null;
        return new RulesClassDeclaration(type, attribute, state);
    }
}
