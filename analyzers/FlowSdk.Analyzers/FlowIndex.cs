using System.Collections.Concurrent;
using FlowSdk.Generators.Parsing.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowSdk.Analyzers;

/// <summary>
/// What the checks across declarations need: every flow, rules class and message type declared in
/// the compilation, gathered by symbol actions (which run concurrently) and read at compilation end.
/// </summary>
internal sealed class FlowIndex
{
    private readonly ConcurrentBag<FlowDeclaration> _flows = [];
    private readonly ConcurrentBag<INamedTypeSymbol> _rulesClasses = [];
    private readonly ConcurrentBag<MessageDeclaration> _messages = [];

    private FlowIndex(FlowSymbols symbols) => Symbols = symbols;

    public FlowSymbols Symbols { get; }

    // Read at compilation end, after every symbol action has run: each list is sorted once, on first use.
    private IReadOnlyList<FlowDeclaration>? _sortedFlows;
    private IReadOnlyList<INamedTypeSymbol>? _sortedRulesClasses;
    private IReadOnlyList<MessageDeclaration>? _sortedMessages;
    private ILookup<ISymbol?, INamedTypeSymbol>? _rulesClassesByState;

    /// <summary>The flows, in source order.</summary>
    public IReadOnlyList<FlowDeclaration> Flows => _sortedFlows ??= [.. _flows.OrderBy(static f => f.State.SourceOrder())];

    /// <summary>The rules classes, in source order: the order the generator puts their rules in.</summary>
    public IReadOnlyList<INamedTypeSymbol> RulesClasses => _sortedRulesClasses ??= [.. _rulesClasses.OrderBy(static r => r.SourceOrder())];

    /// <summary>The message types declared in source, in source order.</summary>
    public IReadOnlyList<MessageDeclaration> Messages => _sortedMessages ??= [.. _messages.OrderBy(static m => m.Type.SourceOrder())];

    /// <summary>Starts an index for the compilation; <see langword="null"/> when it does not use FlowSdk.</summary>
    public static FlowIndex? Start(CompilationStartAnalysisContext context)
    {
        if (FlowSymbols.Create(context.Compilation) is not { } symbols)
        {
            return null;
        }

        var index = new FlowIndex(symbols);
        context.RegisterSymbolAction(index.Add, SymbolKind.NamedType);
        return index;
    }

    /// <summary>The rules classes that name <paramref name="state"/> (<c>[Rules&lt;TState&gt;]</c>), in source order.</summary>
    public IEnumerable<INamedTypeSymbol> RulesClassesOf(INamedTypeSymbol state) =>
        (_rulesClassesByState ??= RulesClasses.ToLookup(r => (ISymbol?)r.RulesState(Symbols), SymbolEqualityComparer.Default))[state];

    /// <summary>The rules of <paramref name="state"/>'s flow: its rules classes in source order, each's rules in declaration order.</summary>
    public IEnumerable<RuleDeclaration> RulesOf(INamedTypeSymbol state) => RulesClassesOf(state).SelectMany(r => Rules(r, state));

    /// <summary>The rules of <paramref name="rulesClass"/> in declaration order, read against <paramref name="state"/>.</summary>
    public IEnumerable<RuleDeclaration> Rules(INamedTypeSymbol rulesClass, INamedTypeSymbol state)
    {
        foreach (var member in rulesClass.GetMembers())
        {
            if (member is IMethodSymbol { IsStatic: true } method && RuleDeclaration.Read(method, state, Symbols) is { } rule)
            {
                yield return rule;
            }
        }
    }

    private void Add(SymbolAnalysisContext context)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (FlowDeclaration.Read(type, Symbols) is { } flow)
        {
            _flows.Add(flow);
        }

        if (type.TypeKind == TypeKind.Class && type.FindAttribute(Symbols.RulesAttribute) is not null)
        {
            _rulesClasses.Add(type);
        }

        if (MessageDeclaration.Read(type, Symbols) is { } message)
        {
            _messages.Add(message);
        }
    }
}
