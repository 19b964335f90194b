using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace FlowSdk.Generators.Parsing.Shared;

/// <summary>What makes a rule fire, chosen by its parameters.</summary>
internal enum RuleTrigger
{
    /// <summary>The parameters are not one of the rule shapes.</summary>
    Invalid,

    /// <summary><c>(TState state, TMessage message)</c>: a message loads (or creates) its execution by correlation key.</summary>
    MessageAndState,

    /// <summary><c>(TMessage message)</c>: a message, no execution.</summary>
    Message,

    /// <summary><c>(TState state)</c>: a committed change of an execution's state.</summary>
    State,
}

/// <summary>Why a rule's parameters are not one of the rule shapes.</summary>
internal enum RuleParameterProblem
{
    /// <summary>The parameters are a rule shape.</summary>
    None,

    /// <summary>The parameters are not a rule shape.</summary>
    NotARuleShape,

    /// <summary><c>(TMessage message, TState state)</c>: the right types in the wrong order.</summary>
    Swapped,

    /// <summary>The method has type parameters.</summary>
    Generic,
}

/// <summary>How a <c>From</c> or <c>To</c> argument names a phase.</summary>
internal enum PhaseArgumentKind
{
    /// <summary>Not given, or <see langword="null"/>: any non-terminal phase (<c>From</c>), or no change (<c>To</c>).</summary>
    Absent,

    /// <summary>A member of the flow's phase enum.</summary>
    Phase,

    /// <summary>Something else: a member of another enum, a string, a number, an undefined value.</summary>
    NotAPhase,

    /// <summary>The argument does not compile; the compiler reports it.</summary>
    Error,
}

/// <summary>A <c>From</c> or <c>To</c> argument of a rule, resolved against the flow's phases.</summary>
internal readonly struct PhaseArgument
{
    public PhaseArgument(PhaseArgumentKind kind, FlowPhase? phase, string? candidateName)
    {
        Kind = kind;
        Phase = phase;
        CandidateName = candidateName;
    }

    /// <summary>How the argument names a phase.</summary>
    public PhaseArgumentKind Kind { get; }

    /// <summary>The phase, for <see cref="PhaseArgumentKind.Phase"/>.</summary>
    public FlowPhase? Phase { get; }

    /// <summary>
    /// For <see cref="PhaseArgumentKind.NotAPhase"/>, the phase name the argument most likely means:
    /// the member name of another enum, or a string that is an identifier; otherwise <see langword="null"/>.
    /// </summary>
    public string? CandidateName { get; }
}

/// <summary>A method marked <c>[Rule]</c>, read against the state class its rules class names.</summary>
internal sealed class RuleDeclaration
{
    private RuleDeclaration(
        IMethodSymbol method,
        AttributeData attribute,
        RuleTrigger trigger,
        RuleParameterProblem parameterProblem,
        IParameterSymbol? messageParameter,
        bool takesContext,
        bool returnsVoid,
        INamedTypeSymbol? output)
    {
        Method = method;
        Attribute = attribute;
        Trigger = trigger;
        ParameterProblem = parameterProblem;
        MessageParameter = messageParameter;
        TakesContext = takesContext;
        ReturnsVoid = returnsVoid;
        Output = output;
    }

    /// <summary>The rule method.</summary>
    public IMethodSymbol Method { get; }

    /// <summary>The rule's name: the method name.</summary>
    public string Name => Method.Name;

    /// <summary>The <c>[Rule]</c> attribute.</summary>
    public AttributeData Attribute { get; }

    /// <summary>The trigger the parameters choose, or <see cref="RuleTrigger.Invalid"/>.</summary>
    public RuleTrigger Trigger { get; }

    /// <summary>Why the parameters are not a rule shape, or <see cref="RuleParameterProblem.None"/>.</summary>
    public RuleParameterProblem ParameterProblem { get; }

    /// <summary>The message parameter, for message and message+state rules.</summary>
    public IParameterSymbol? MessageParameter { get; }

    /// <summary>The message type the rule takes, for message and message+state rules.</summary>
    public INamedTypeSymbol? Input =>
        Trigger is RuleTrigger.MessageAndState or RuleTrigger.Message && MessageParameter?.Type is INamedTypeSymbol type ? type.OriginalDefinition : null;

    /// <summary>Whether the last parameter is a <c>RuleContext</c>.</summary>
    public bool TakesContext { get; }

    /// <summary>Whether the method returns <see langword="void"/>.</summary>
    public bool ReturnsVoid { get; }

    /// <summary>The message type the rule publishes, when it returns one.</summary>
    public INamedTypeSymbol? Output { get; }

    /// <summary>Whether the return type is neither <see langword="void"/> nor a message type.</summary>
    public bool HasInvalidReturnType => !ReturnsVoid && Output is null;

    /// <summary>Whether the rule loads an execution (message+state or state rules): only those move it between phases.</summary>
    public bool HasState => Trigger is RuleTrigger.MessageAndState or RuleTrigger.State;

    /// <summary>Reads a rule method; <paramref name="state"/> is the type its rules class names in <c>[Rules&lt;TState&gt;]</c>.</summary>
    public static RuleDeclaration? Read(IMethodSymbol method, ITypeSymbol state, FlowSymbols symbols)
    {
        if (FlowSymbols.Find(method, symbols.RuleAttribute) is not { } attribute)
        {
            return null;
        }

        var (trigger, problem, message, takesContext) = Classify(method, state, symbols);
        INamedTypeSymbol? output = null;
        if (!method.ReturnsVoid && symbols.IsMessage(method.ReturnType))
        {
            output = ((INamedTypeSymbol)method.ReturnType).OriginalDefinition;
        }

        return new RuleDeclaration(method, attribute, trigger, problem, message, takesContext, method.ReturnsVoid, output);
    }

    /// <summary>
    /// Classifies the parameters of a rule: <c>(TState, TMessage)</c>, <c>(TMessage)</c> or
    /// <c>(TState)</c>, each optionally followed by a <c>RuleContext</c>.
    /// </summary>
    public static (RuleTrigger Trigger, RuleParameterProblem Problem, IParameterSymbol? Message, bool TakesContext) Classify(
        IMethodSymbol method, ITypeSymbol state, FlowSymbols symbols)
    {
        if (method.IsGenericMethod)
        {
            return (RuleTrigger.Invalid, RuleParameterProblem.Generic, null, false);
        }

        var parameters = method.Parameters;
        var takesContext = parameters.Length > 0 && symbols.IsRuleContext(parameters[parameters.Length - 1].Type);
        var count = takesContext ? parameters.Length - 1 : parameters.Length;
        for (var i = 0; i < parameters.Length; i++)
        {
            if (parameters[i].RefKind != RefKind.None || parameters[i].IsParams)
            {
                return (RuleTrigger.Invalid, RuleParameterProblem.NotARuleShape, null, takesContext);
            }
        }

        bool IsState(int i) => SymbolEqualityComparer.Default.Equals(parameters[i].Type, state);
        bool IsMessage(int i) => symbols.IsMessage(parameters[i].Type);

        if (count == 2 && IsState(0) && IsMessage(1))
        {
            return (RuleTrigger.MessageAndState, RuleParameterProblem.None, parameters[1], takesContext);
        }

        if (count == 2 && IsMessage(0) && IsState(1))
        {
            return (RuleTrigger.Invalid, RuleParameterProblem.Swapped, parameters[0], takesContext);
        }

        if (count == 1 && IsMessage(0))
        {
            return (RuleTrigger.Message, RuleParameterProblem.None, parameters[0], takesContext);
        }

        if (count == 1 && IsState(0))
        {
            return (RuleTrigger.State, RuleParameterProblem.None, null, takesContext);
        }

        return (RuleTrigger.Invalid, RuleParameterProblem.NotARuleShape, null, takesContext);
    }

    /// <summary>The named argument <paramref name="name"/> (<c>From</c> or <c>To</c>), or <see langword="null"/> when not given.</summary>
    public TypedConstant? NamedArgument(string name) => AttributeArguments.Named(Attribute, name);

    /// <summary>Resolves the rule's <c>From</c> or <c>To</c> against <paramref name="flow"/>'s phases.</summary>
    public PhaseArgument ResolvePhase(string name, FlowDeclaration flow) =>
        NamedArgument(name) is { } value ? ResolvePhase(value, flow) : new PhaseArgument(PhaseArgumentKind.Absent, null, null);

    /// <summary>Resolves a <c>From</c> or <c>To</c> value against <paramref name="flow"/>'s phases.</summary>
    public static PhaseArgument ResolvePhase(TypedConstant value, FlowDeclaration flow)
    {
        if (value.Kind == TypedConstantKind.Error)
        {
            return new PhaseArgument(PhaseArgumentKind.Error, null, null);
        }

        if (value.IsNull)
        {
            return new PhaseArgument(PhaseArgumentKind.Absent, null, null);
        }

        if (value.Kind == TypedConstantKind.Enum && value.Type is INamedTypeSymbol enumType)
        {
            var member = MemberWithValue(enumType, value.Value);
            if (SymbolEqualityComparer.Default.Equals(enumType, flow.PhaseEnum))
            {
                var phase = member is null ? null : flow.FindPhase(member.Name);
                return phase is null
                    ? new PhaseArgument(PhaseArgumentKind.NotAPhase, null, null)
                    : new PhaseArgument(PhaseArgumentKind.Phase, phase, null);
            }

            return new PhaseArgument(PhaseArgumentKind.NotAPhase, null, member?.Name);
        }

        if (value.Value is string text && Microsoft.CodeAnalysis.CSharp.SyntaxFacts.IsValidIdentifier(text))
        {
            return new PhaseArgument(PhaseArgumentKind.NotAPhase, null, text);
        }

        return new PhaseArgument(PhaseArgumentKind.NotAPhase, null, null);
    }

    /// <summary>The names of the rule's <c>[When]</c> conditions, in order, with their attributes; a name is <see langword="null"/> when the attribute gives none.</summary>
    public IEnumerable<(AttributeData Attribute, string? Name)> Conditions(FlowSymbols symbols)
    {
        foreach (var attribute in Method.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, symbols.WhenAttribute))
            {
                var name = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
                yield return (attribute, name);
            }
        }
    }

    private static IFieldSymbol? MemberWithValue(INamedTypeSymbol enumType, object? value)
    {
        foreach (var member in enumType.GetMembers())
        {
            if (member is IFieldSymbol { HasConstantValue: true } field && Equals(field.ConstantValue, value))
            {
                return field;
            }
        }

        return null;
    }
}

/// <summary>The result of looking up a <c>[When]</c> condition.</summary>
internal enum ConditionLookup
{
    /// <summary>A method of that name with a condition's signature exists.</summary>
    Found,

    /// <summary>The rules class has no method of that name.</summary>
    Missing,

    /// <summary>Methods of that name exist, but none has a condition's signature.</summary>
    WrongSignature,
}

/// <summary>Finds the method a <c>[When]</c> condition names.</summary>
internal static class ConditionResolver
{
    /// <summary>
    /// Looks <paramref name="name"/> up in <paramref name="rulesClass"/>: a static, non-generic
    /// <see langword="bool"/> method whose parameters are each the rule's state (for rules that
    /// have one), the rule's message (for rules that have one) or a <c>RuleContext</c>.
    /// </summary>
    public static (ConditionLookup Lookup, IMethodSymbol? Method) Resolve(
        INamedTypeSymbol rulesClass, string? name, RuleDeclaration rule, ITypeSymbol state, FlowSymbols symbols)
    {
        if (name is null || name.Length == 0)
        {
            return (ConditionLookup.Missing, null);
        }

        var any = false;
        var allowed = ImmutableArray<ITypeSymbol>.Empty;
        foreach (var member in rulesClass.GetMembers(name))
        {
            if (member is not IMethodSymbol candidate)
            {
                continue;
            }

            if (!any)
            {
                // The allowed types, listed once per lookup, not once per candidate.
                any = true;
                allowed = AllowedParameterTypes(rule, state, symbols);
            }

            if (IsCondition(candidate, allowed))
            {
                return (ConditionLookup.Found, candidate);
            }
        }

        return (any ? ConditionLookup.WrongSignature : ConditionLookup.Missing, null);
    }

    /// <summary>The parameter types a condition of <paramref name="rule"/> may take.</summary>
    public static ImmutableArray<ITypeSymbol> AllowedParameterTypes(RuleDeclaration rule, ITypeSymbol state, FlowSymbols symbols)
    {
        var types = ImmutableArray.CreateBuilder<ITypeSymbol>();
        if (rule.HasState)
        {
            types.Add(state);
        }

        if (rule.Input is { } message)
        {
            types.Add(message);
        }

        if (symbols.RuleContext is { } context)
        {
            types.Add(context);
        }

        return types.ToImmutable();
    }

    private static bool IsCondition(IMethodSymbol candidate, ImmutableArray<ITypeSymbol> allowed)
    {
        if (!candidate.IsStatic || candidate.IsGenericMethod || candidate.ReturnType.SpecialType != SpecialType.System_Boolean)
        {
            return false;
        }

        foreach (var parameter in candidate.Parameters)
        {
            if (parameter.RefKind != RefKind.None || !Contains(allowed, parameter.Type))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Contains(ImmutableArray<ITypeSymbol> types, ITypeSymbol type)
    {
        foreach (var t in types)
        {
            if (SymbolEqualityComparer.Default.Equals(t, type))
            {
                return true;
            }
        }

        return false;
    }
}
