using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace FlowSdk.Generators.Parsing.Shared;

/// <summary>
/// FlowSdk's attribute and runtime types as one compilation sees them, found by metadata name: the
/// generator and the analyzers never reference the runtime assembly. Both read flows through this
/// class and the other helpers of this folder, so they never disagree about what a flow is.
/// </summary>
internal sealed class FlowSymbols
{
    /// <summary><c>[Flow&lt;TPhase&gt;("id")]</c>.</summary>
    public const string FlowAttributeName = "FlowSdk.FlowAttribute`1";

    /// <summary><c>[Rules&lt;TState&gt;]</c>.</summary>
    public const string RulesAttributeName = "FlowSdk.RulesAttribute`1";

    /// <summary><c>[Rule]</c>.</summary>
    public const string RuleAttributeName = "FlowSdk.RuleAttribute";

    /// <summary><c>[When("condition")]</c>.</summary>
    public const string WhenAttributeName = "FlowSdk.WhenAttribute";

    /// <summary><c>[Message("subject")]</c>.</summary>
    public const string MessageAttributeName = "FlowSdk.MessageAttribute";

    /// <summary><c>[CorrelationKey]</c>.</summary>
    public const string CorrelationKeyAttributeName = "FlowSdk.CorrelationKeyAttribute";

    /// <summary><c>[TerminalPhase]</c>.</summary>
    public const string TerminalPhaseAttributeName = "FlowSdk.TerminalPhaseAttribute";

    /// <summary><c>[TaskId]</c>: the reply of a publish-and-await exchange names its execution with it.</summary>
    public const string TaskIdAttributeName = "FlowSdk.TaskIdAttribute";

    /// <summary><c>[TestFlow]</c>: a flow that exists for tests, exempt from the checks of a complete flow.</summary>
    public const string TestFlowAttributeName = "FlowSdk.TestFlowAttribute";

    /// <summary><c>[Schedule&lt;TTick&gt;("name")]</c>: a flow's timer.</summary>
    public const string ScheduleAttributeName = "FlowSdk.ScheduleAttribute`1";

    /// <summary><c>[FanOut&lt;TChild, TInput, TResult&gt;("name")]</c>: a flow's group of child flows.</summary>
    public const string FanOutAttributeName = "FlowSdk.FanOutAttribute`3";

    /// <summary><c>[RequiresApproval]</c>: a rule that waits for a person's approval.</summary>
    public const string RequiresApprovalAttributeName = "FlowSdk.RequiresApprovalAttribute";

    /// <summary>The optional last parameter of a rule or condition.</summary>
    public const string RuleContextName = "FlowSdk.RuleContext";

    private FlowSymbols(
        INamedTypeSymbol flowAttribute,
        INamedTypeSymbol rulesAttribute,
        INamedTypeSymbol ruleAttribute,
        INamedTypeSymbol whenAttribute,
        INamedTypeSymbol messageAttribute,
        INamedTypeSymbol correlationKeyAttribute,
        INamedTypeSymbol terminalPhaseAttribute,
        INamedTypeSymbol? taskIdAttribute,
        INamedTypeSymbol? ruleContext,
        INamedTypeSymbol? testFlowAttribute,
        INamedTypeSymbol? requiresApprovalAttribute,
        INamedTypeSymbol? scheduleAttribute,
        INamedTypeSymbol? fanOutAttribute)
    {
        ScheduleAttribute = scheduleAttribute;
        FanOutAttribute = fanOutAttribute;
        RequiresApprovalAttribute = requiresApprovalAttribute;
        TestFlowAttribute = testFlowAttribute;
        FlowAttribute = flowAttribute;
        RulesAttribute = rulesAttribute;
        RuleAttribute = ruleAttribute;
        WhenAttribute = whenAttribute;
        MessageAttribute = messageAttribute;
        CorrelationKeyAttribute = correlationKeyAttribute;
        TerminalPhaseAttribute = terminalPhaseAttribute;
        TaskIdAttribute = taskIdAttribute;
        RuleContext = ruleContext;
    }

    /// <summary>The open generic <c>FlowAttribute&lt;TPhase&gt;</c>.</summary>
    public INamedTypeSymbol FlowAttribute { get; }

    /// <summary>The open generic <c>RulesAttribute&lt;TState&gt;</c>.</summary>
    public INamedTypeSymbol RulesAttribute { get; }

    /// <summary><c>RuleAttribute</c>.</summary>
    public INamedTypeSymbol RuleAttribute { get; }

    /// <summary><c>WhenAttribute</c>.</summary>
    public INamedTypeSymbol WhenAttribute { get; }

    /// <summary><c>MessageAttribute</c>.</summary>
    public INamedTypeSymbol MessageAttribute { get; }

    /// <summary><c>CorrelationKeyAttribute</c>.</summary>
    public INamedTypeSymbol CorrelationKeyAttribute { get; }

    /// <summary><c>TerminalPhaseAttribute</c>.</summary>
    public INamedTypeSymbol TerminalPhaseAttribute { get; }

    /// <summary><c>TaskIdAttribute</c>, or <see langword="null"/> with a FlowSdk that predates it.</summary>
    public INamedTypeSymbol? TaskIdAttribute { get; }

    /// <summary><c>RuleContext</c>, or <see langword="null"/> with a FlowSdk that predates it.</summary>
    public INamedTypeSymbol? RuleContext { get; }

    /// <summary><c>TestFlowAttribute</c>, or <see langword="null"/> with a FlowSdk that predates it.</summary>
    public INamedTypeSymbol? TestFlowAttribute { get; }

    /// <summary><c>RequiresApprovalAttribute</c>, or <see langword="null"/> with a FlowSdk that predates it.</summary>
    public INamedTypeSymbol? RequiresApprovalAttribute { get; }

    /// <summary>The open generic <c>ScheduleAttribute&lt;TTick&gt;</c>, or <see langword="null"/> with a FlowSdk that predates it.</summary>
    public INamedTypeSymbol? ScheduleAttribute { get; }

    /// <summary>The open generic <c>FanOutAttribute&lt;TChild, TInput, TResult&gt;</c>, or <see langword="null"/> with a FlowSdk that predates it.</summary>
    public INamedTypeSymbol? FanOutAttribute { get; }

    /// <summary>
    /// FlowSdk's types in <paramref name="compilation"/>, or <see langword="null"/> when it does not
    /// reference FlowSdk (a look-alike attribute in another namespace does not count).
    /// </summary>
    public static FlowSymbols? Create(Compilation compilation)
    {
        var flow = compilation.GetTypeByMetadataName(FlowAttributeName);
        var rules = compilation.GetTypeByMetadataName(RulesAttributeName);
        var rule = compilation.GetTypeByMetadataName(RuleAttributeName);
        var when = compilation.GetTypeByMetadataName(WhenAttributeName);
        var message = compilation.GetTypeByMetadataName(MessageAttributeName);
        var key = compilation.GetTypeByMetadataName(CorrelationKeyAttributeName);
        var terminal = compilation.GetTypeByMetadataName(TerminalPhaseAttributeName);
        if (flow is null || rules is null || rule is null || when is null || message is null || key is null || terminal is null)
        {
            return null;
        }

        return new FlowSymbols(
            flow,
            rules,
            rule,
            when,
            message,
            key,
            terminal,
            compilation.GetTypeByMetadataName(TaskIdAttributeName),
            compilation.GetTypeByMetadataName(RuleContextName),
            compilation.GetTypeByMetadataName(TestFlowAttributeName),
            compilation.GetTypeByMetadataName(RequiresApprovalAttributeName),
            compilation.GetTypeByMetadataName(ScheduleAttributeName),
            compilation.GetTypeByMetadataName(FanOutAttributeName));
    }

    /// <summary>
    /// The first application of <paramref name="attributeType"/> (a plain attribute class or an open
    /// generic one) on <paramref name="symbol"/>, or <see langword="null"/>.
    /// </summary>
    public static AttributeData? Find(ISymbol symbol, INamedTypeSymbol? attributeType)
    {
        if (attributeType is null)
        {
            return null;
        }

        foreach (var attribute in symbol.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass?.OriginalDefinition, attributeType))
            {
                return attribute;
            }
        }

        return null;
    }

    /// <summary>Every application of <paramref name="attributeType"/> (a plain attribute class or an open generic one) on <paramref name="symbol"/>, in order.</summary>
    public static IEnumerable<AttributeData> FindAll(ISymbol symbol, INamedTypeSymbol? attributeType)
    {
        if (attributeType is null)
        {
            yield break;
        }

        foreach (var attribute in symbol.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass?.OriginalDefinition, attributeType))
            {
                yield return attribute;
            }
        }
    }

    /// <summary>The id a class's <c>[Flow&lt;TPhase&gt;("id")]</c> gives, or <see langword="null"/> when it is not a flow or gives none.</summary>
    public string? FlowId(ISymbol? type) =>
        type is null ? null : Find(type, FlowAttribute) is { ConstructorArguments.Length: 1 } flow ? flow.ConstructorArguments[0].Value as string : null;

    /// <summary>Whether <paramref name="type"/> is <c>RuleContext</c>.</summary>
    public bool IsRuleContext(ITypeSymbol? type) =>
        RuleContext is not null && SymbolEqualityComparer.Default.Equals(type, RuleContext);

    /// <summary>Whether <paramref name="type"/> is marked <c>[Flow&lt;TPhase&gt;]</c>.</summary>
    public bool IsFlowState(INamedTypeSymbol type) => Find(type, FlowAttribute) is not null;

    /// <summary>Whether <paramref name="type"/> is a class or struct marked <c>[Message]</c>.</summary>
    public bool IsMessage(ITypeSymbol? type) =>
        type is INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct } named && Find(named, MessageAttribute) is not null;
}
