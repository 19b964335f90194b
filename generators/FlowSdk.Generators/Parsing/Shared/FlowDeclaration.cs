using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FlowSdk.Generators.Parsing.Shared;

/// <summary>Why the generator cannot use a class marked <c>[Flow&lt;TPhase&gt;]</c>.</summary>
internal enum FlowStateProblem
{
    /// <summary>The class can be the state of a flow.</summary>
    None,

    /// <summary>A declaration of the class lacks <c>partial</c>: the generator cannot add to it.</summary>
    NotPartial,

    /// <summary>The class is nested in another type.</summary>
    Nested,

    /// <summary>The class is generic.</summary>
    Generic,

    /// <summary>The class is abstract or static: the runtime cannot create its instances.</summary>
    Abstract,

    /// <summary>The class has no public parameterless constructor: the runtime creates each execution's state with it.</summary>
    NoPublicParameterlessConstructor,
}

/// <summary>A member of a flow's phase enum.</summary>
internal sealed class FlowPhase
{
    public FlowPhase(IFieldSymbol field, int order, bool isTerminal)
    {
        Field = field;
        Order = order;
        IsTerminal = isTerminal;
    }

    /// <summary>The enum member.</summary>
    public IFieldSymbol Field { get; }

    /// <summary>The member's name.</summary>
    public string Name => Field.Name;

    /// <summary>The member's index in declaration order; 0 is the initial phase.</summary>
    public int Order { get; }

    /// <summary>Whether the member is marked <c>[TerminalPhase]</c>.</summary>
    public bool IsTerminal { get; }
}

/// <summary>A class marked <c>[Flow&lt;TPhase&gt;("id")]</c>: the state of a flow, read from its symbols.</summary>
internal sealed class FlowDeclaration
{
    private FlowDeclaration(
        INamedTypeSymbol state,
        AttributeData attribute,
        string? id,
        INamedTypeSymbol? phaseEnum,
        ImmutableArray<FlowPhase> phases,
        int maxIterations,
        bool hasMaxIterationsArgument,
        FlowStateProblem problem,
        bool isTestFlow)
    {
        IsTestFlow = isTestFlow;
        State = state;
        Attribute = attribute;
        Id = id;
        PhaseEnum = phaseEnum;
        Phases = phases;
        MaxIterations = maxIterations;
        HasMaxIterationsArgument = hasMaxIterationsArgument;
        Problem = problem;
    }

    /// <summary>The state class.</summary>
    public INamedTypeSymbol State { get; }

    /// <summary>The <c>[Flow]</c> attribute.</summary>
    public AttributeData Attribute { get; }

    /// <summary>The flow id, or <see langword="null"/> when the attribute gives none.</summary>
    public string? Id { get; }

    /// <summary>The phase enum (<c>TPhase</c>), or <see langword="null"/> when the type argument is not an enum.</summary>
    public INamedTypeSymbol? PhaseEnum { get; }

    /// <summary>The phases in declaration order; the first is the initial phase.</summary>
    public ImmutableArray<FlowPhase> Phases { get; }

    /// <summary>The <c>MaxIterations</c> limit; 0 means none.</summary>
    public int MaxIterations { get; }

    /// <summary>Whether the attribute sets <c>MaxIterations</c> explicitly.</summary>
    public bool HasMaxIterationsArgument { get; }

    /// <summary>Whether the class is marked <c>[TestFlow]</c>: the checks of a complete flow skip it.</summary>
    public bool IsTestFlow { get; }

    /// <summary>Why the generator cannot use the class, or <see cref="FlowStateProblem.None"/>.</summary>
    public FlowStateProblem Problem { get; }

    /// <summary>How diagnostics name the flow: its id, or the class name when it has none.</summary>
    public string DisplayName => Id ?? State.Name;

    /// <summary>Whether the generator turns this class into a flow.</summary>
    public bool IsUsable => Problem == FlowStateProblem.None && Id is not null && PhaseEnum is not null;

    /// <summary>The phase named <paramref name="name"/>, or <see langword="null"/>.</summary>
    public FlowPhase? FindPhase(string name)
    {
        foreach (var phase in Phases)
        {
            if (phase.Name == name)
            {
                return phase;
            }
        }

        return null;
    }

    /// <summary>The flow declared by <paramref name="type"/>, or <see langword="null"/> when it is not marked <c>[Flow&lt;TPhase&gt;]</c>.</summary>
    public static FlowDeclaration? Read(INamedTypeSymbol type, FlowSymbols symbols)
    {
        if (type.TypeKind != TypeKind.Class || FlowSymbols.Find(type, symbols.FlowAttribute) is not { } attribute)
        {
            return null;
        }

        var id = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
        var phaseEnum = attribute.AttributeClass is { TypeArguments: [INamedTypeSymbol { TypeKind: TypeKind.Enum } e] } ? e : null;
        var maxIterations = 0;
        var hasMaxIterations = false;
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key == "MaxIterations" && named.Value.Value is int max)
            {
                maxIterations = max;
                hasMaxIterations = true;
            }
        }

        return new FlowDeclaration(
            type,
            attribute,
            id,
            phaseEnum,
            phaseEnum is null ? ImmutableArray<FlowPhase>.Empty : ReadPhases(phaseEnum, symbols),
            maxIterations,
            hasMaxIterations,
            FindProblem(type),
            FlowSymbols.Find(type, symbols.TestFlowAttribute) is not null);
    }

    /// <summary>The members of a phase enum in declaration order.</summary>
    public static ImmutableArray<FlowPhase> ReadPhases(INamedTypeSymbol phaseEnum, FlowSymbols symbols)
    {
        var phases = ImmutableArray.CreateBuilder<FlowPhase>();
        foreach (var member in phaseEnum.GetMembers())
        {
            if (member is IFieldSymbol { HasConstantValue: true } field)
            {
                phases.Add(new FlowPhase(field, phases.Count, FlowSymbols.Find(field, symbols.TerminalPhaseAttribute) is not null));
            }
        }

        return phases.ToImmutable();
    }

    /// <summary>The first reason, in a fixed order, why the generator cannot use <paramref name="type"/> as a flow state.</summary>
    /// <param name="type">The class marked <c>[Flow&lt;TPhase&gt;]</c>.</param>
    /// <param name="checkPartial">Whether a declaration without <c>partial</c> counts; pass <see langword="false"/> to find the other reasons.</param>
    public static FlowStateProblem FindProblem(INamedTypeSymbol type, bool checkPartial = true)
    {
        if (checkPartial && !IsPartialEverywhere(type))
        {
            return FlowStateProblem.NotPartial;
        }

        if (type.ContainingType is not null)
        {
            return FlowStateProblem.Nested;
        }

        if (type.IsGenericType)
        {
            return FlowStateProblem.Generic;
        }

        if (type.IsAbstract || type.IsStatic)
        {
            return FlowStateProblem.Abstract;
        }

        if (!type.InstanceConstructors.Any(static c => c.Parameters.Length == 0 && c.DeclaredAccessibility == Accessibility.Public))
        {
            return FlowStateProblem.NoPublicParameterlessConstructor;
        }

        return FlowStateProblem.None;
    }

    /// <summary>The members the generator adds to every flow state class.</summary>
    public static readonly ImmutableArray<string> GeneratedMemberNames = ImmutableArray.Create(
        "Id", "Phase", "Status", "StatusReason", "Iteration", "CreatedAt", "UpdatedAt", "Timeline", "FlowFormatter");

    /// <summary>
    /// A member of <paramref name="type"/> (declared in source, its own or a base class's) or a type of its
    /// namespace whose name the generated code also declares: a member in
    /// <see cref="GeneratedMemberNames"/>, or the static class <c>&lt;State&gt;Flow</c> beside the state;
    /// <see langword="null"/> when there is none.
    /// </summary>
    public static ISymbol? FindGeneratedName(INamedTypeSymbol type)
    {
        for (var t = type; t is not null && t.SpecialType != SpecialType.System_Object; t = t.BaseType)
        {
            foreach (var member in t.GetMembers())
            {
                if (!member.IsImplicitlyDeclared
                    && member.Locations.Any(static l => l.IsInSource && !IsGenerated(l.SourceTree))
                    && GeneratedMemberNames.Contains(member.Name)
                    && (SymbolEqualityComparer.Default.Equals(t, type) || member.DeclaredAccessibility != Accessibility.Private))
                {
                    return member;
                }
            }
        }

        // The generated <State>Flow is a static partial class: the user may add to it, as a static partial class.
        foreach (var sibling in type.ContainingNamespace.GetTypeMembers(type.Name + "Flow"))
        {
            foreach (var reference in sibling.DeclaringSyntaxReferences)
            {
                if (IsGenerated(reference.SyntaxTree))
                {
                    continue;
                }

                if (reference.GetSyntax() is not TypeDeclarationSyntax user
                    || !user.Modifiers.Any(static m => m.IsKind(SyntaxKind.PartialKeyword))
                    || !user.Modifiers.Any(static m => m.IsKind(SyntaxKind.StaticKeyword)))
                {
                    return sibling;
                }
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="tree"/> is a file a generator wrote (its hint name ends in <c>.g.cs</c>).</summary>
    public static bool IsGenerated(SyntaxTree? tree) =>
        tree is not null && tree.FilePath.EndsWith(".g.cs", System.StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether every source declaration of <paramref name="type"/> says <c>partial</c>.</summary>
    public static bool IsPartialEverywhere(INamedTypeSymbol type)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is not TypeDeclarationSyntax declaration
                || !declaration.Modifiers.Any(static m => m.IsKind(SyntaxKind.PartialKeyword)))
            {
                return false;
            }
        }

        return true;
    }
}
