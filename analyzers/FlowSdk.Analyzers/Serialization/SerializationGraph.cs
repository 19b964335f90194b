using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;

namespace FlowSdk.Analyzers.Serialization;

/// <summary>
/// The serialized types of a compilation: its flow states and messages (the roots) and every type they
/// reach, described as the generator describes them (<see cref="SerializationModel"/>).
/// </summary>
internal sealed class SerializationGraph
{
    private SerializationGraph(FlowSymbols? symbols, IReadOnlyList<(INamedTypeSymbol Root, bool IsFlowState)> roots, Dictionary<INamedTypeSymbol, SerializedType> types)
    {
        Symbols = symbols;
        Roots = roots;
        Types = types;
    }

    /// <summary>FlowSdk's symbols, or <see langword="null"/> when the compilation does not reference FlowSdk (then there are no roots).</summary>
    public FlowSymbols? Symbols { get; }

    /// <summary>The flow states and message types declared in the compilation, in source order.</summary>
    public IReadOnlyList<(INamedTypeSymbol Root, bool IsFlowState)> Roots { get; }

    /// <summary>Every reached type with its description (a flow state's with its parameterless constructor).</summary>
    public Dictionary<INamedTypeSymbol, SerializedType> Types { get; }

    public static SerializationGraph Of(Compilation compilation)
    {
        var roots = new List<(INamedTypeSymbol, bool)>();
        var symbols = FlowSymbols.Create(compilation);
        if (symbols is not null)
        {
            Collect(compilation.Assembly.GlobalNamespace, symbols, roots);
        }

        var types = new Dictionary<INamedTypeSymbol, SerializedType>(SymbolEqualityComparer.Default);
        foreach (var (root, isFlowState) in roots.Where(static r => r.Item2).Concat(roots.Where(static r => !r.Item2)))
        {
            foreach (var type in SerializationModel.Closure(root, isFlowState))
            {
                if (!types.ContainsKey(type.Type))
                {
                    types.Add(type.Type, type);
                }
            }
        }

        return new SerializationGraph(symbols, roots, types);
    }

    private static void Collect(INamespaceOrTypeSymbol container, FlowSymbols symbols, List<(INamedTypeSymbol, bool)> roots)
    {
        foreach (var member in container.GetMembers())
        {
            switch (member)
            {
                case INamespaceSymbol ns:
                    Collect(ns, symbols, roots);
                    break;
                case INamedTypeSymbol type when type.Locations.Any(static l => l.IsInSource):
                    if (type.IsGenericType)
                    {
                        // The generator writes no formatter for a generic state or message (FLOW0007 says so).
                    }
                    else if (symbols.IsFlowState(type))
                    {
                        roots.Add((type, true));
                    }
                    else if (symbols.IsMessage(type))
                    {
                        roots.Add((type, false));
                    }

                    Collect(type, symbols, roots);
                    break;
            }
        }
    }
}
