using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace FlowSdk.Generators.Parsing.Shared;

/// <summary>A <c>[FanOut&lt;TChild, TInput, TResult&gt;("name", Mode = ..., Timeout = ...)]</c> on a flow state class, read from its symbols.</summary>
internal sealed class FanOutDeclaration
{
    private FanOutDeclaration(AttributeData attribute, string? name, INamedTypeSymbol? child, string? childFlowId, INamedTypeSymbol? input, INamedTypeSymbol? result, int mode, string? timeout)
    {
        ChildFlowId = childFlowId;
        Attribute = attribute;
        Name = name;
        Child = child;
        Input = input;
        Result = result;
        Mode = mode;
        Timeout = timeout;
    }

    /// <summary>The attribute.</summary>
    public AttributeData Attribute { get; }

    /// <summary>The group's name.</summary>
    public string? Name { get; }

    /// <summary>The child flow's state class.</summary>
    public INamedTypeSymbol? Child { get; }

    /// <summary>The message that starts a child.</summary>
    public INamedTypeSymbol? Input { get; }

    /// <summary>The child's result message.</summary>
    public INamedTypeSymbol? Result { get; }

    /// <summary>The <c>FanOutMode</c> value.</summary>
    public int Mode { get; }

    /// <summary>The timeout text, or <see langword="null"/>.</summary>
    public string? Timeout { get; }

    /// <summary>The timeout in ticks when <see cref="Timeout"/> is a valid duration.</summary>
    public long? TimeoutTicks => DurationSyntax.ParseTicks(Timeout);

    /// <summary>The child flow's id, read from its <c>[Flow]</c>; <see langword="null"/> when the child is not a flow.</summary>
    public string? ChildFlowId { get; }

    /// <summary>The fan-out groups declared on <paramref name="state"/>, in declaration order.</summary>
    public static ImmutableArray<FanOutDeclaration> ReadAll(INamedTypeSymbol state, FlowSymbols symbols)
    {
        var builder = ImmutableArray.CreateBuilder<FanOutDeclaration>();
        foreach (var attribute in FlowSymbols.FindAll(state, symbols.FanOutAttribute))
        {
            if (attribute.AttributeClass is not { TypeArguments.Length: 3 } type)
            {
                continue;
            }

            string? timeout = null;
            var mode = 0;
            foreach (var named in attribute.NamedArguments)
            {
                switch (named.Key)
                {
                    case "Mode" when named.Value.Value is int m: mode = m; break;
                    case "Timeout": timeout = named.Value.Value as string; break;
                }
            }

            builder.Add(new FanOutDeclaration(
                attribute,
                attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null,
                type.TypeArguments[0] as INamedTypeSymbol,
                symbols.FlowId(type.TypeArguments[0]),
                type.TypeArguments[1] as INamedTypeSymbol,
                type.TypeArguments[2] as INamedTypeSymbol,
                mode,
                timeout));
        }

        return builder.ToImmutable();
    }

    /// <summary>What is wrong with the declaration itself (not its child flow), as a sentence, or <see langword="null"/>.</summary>
    public string? FindProblem()
    {
        if (Name is null || FlowIdSyntax.Validate(Name) is not null)
        {
            return $"'{Name}' is not a valid fan-out group name: use lowercase letters, digits and dashes, starting with a letter or digit (for example 'items')";
        }

        if (ChildFlowId is null)
        {
            return $"{Child?.Name ?? "its child"} is not a flow: the first type argument is the child flow's state class (marked [Flow])";
        }

        if (Mode is < 0 or > 2)
        {
            return $"Mode = {Mode} is not a FanOutMode";
        }

        if (Timeout is not null && TimeoutTicks is null)
        {
            return $"Timeout = \"{Timeout}\" is not a duration longer than zero written as [d.]hh:mm:ss (for example \"00:05:00\")";
        }

        return null;
    }
}
