using Microsoft.CodeAnalysis;

namespace FlowSdk.Analyzers;

/// <summary>
/// Every diagnostic FlowSdk's analyzers report. IDs are written out here, once, and never reused;
/// each has a page under <c>docs/diagnostics/</c> and a line in <c>AnalyzerReleases.*.md</c>.
/// </summary>
public static class DiagnosticDescriptors
{
    /// <summary>The category of every FlowSdk diagnostic.</summary>
    public const string Category = "FlowSdk.Usage";

    /// <summary>A class marked <c>[Flow&lt;TPhase&gt;]</c> is not <c>partial</c>.</summary>
    public const string FlowStateNotPartialId = "FLOW0001";

    /// <summary>A class marked <c>[Rules&lt;TState&gt;]</c> is not <c>static partial</c>.</summary>
    public const string RulesClassNotStaticPartialId = "FLOW0002";

    /// <summary>A <c>[Rule]</c> method is not <c>static</c>, or is declared outside a <c>[Rules&lt;TState&gt;]</c> class.</summary>
    public const string InvalidRuleMethodId = "FLOW0003";

    /// <summary>FLOW0001. Arguments: the flow state class.</summary>
    public static readonly DiagnosticDescriptor FlowStateNotPartial = new(
        id: FlowStateNotPartialId,
        title: "Flow state class must be partial",
        messageFormat: "Flow state class '{0}' must be partial: the generator adds the execution bookkeeping to it. Add the 'partial' modifier.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A class marked [Flow<TPhase>] is the state of a flow. The generator adds the execution bookkeeping (Id, Phase, Status, Iteration, timestamps and Timeline) to it, which needs the class to be partial.",
        helpLinkUri: HelpLink(FlowStateNotPartialId));

    /// <summary>FLOW0002. Arguments: the rules class, the flow state class it names, the missing modifiers.</summary>
    public static readonly DiagnosticDescriptor RulesClassNotStaticPartial = new(
        id: RulesClassNotStaticPartialId,
        title: "Rules class must be static partial",
        messageFormat: "Rules class '{0}' of flow state '{1}' must be static partial: the generator adds the rule dispatch to it. Add the missing {2}.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A class marked [Rules<TState>] holds the rules of a flow as static methods. The generator adds the rule dispatch to it, which needs the class to be static and partial.",
        helpLinkUri: HelpLink(RulesClassNotStaticPartialId));

    /// <summary>FLOW0003, when the rule is an instance method. Arguments: the method, its class.</summary>
    public static readonly DiagnosticDescriptor RuleMethodNotStatic = new(
        id: InvalidRuleMethodId,
        title: "Rule method must be static",
        messageFormat: "Rule method '{0}' of '{1}' must be static: the flow's state and message are its parameters and the generated dispatch calls it without an instance. Add the 'static' modifier.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A method marked [Rule] is a rule of a flow: a static method of a static partial class marked [Rules<TState>]. The generated dispatch calls it without an instance.",
        helpLinkUri: HelpLink(InvalidRuleMethodId));

    /// <summary>FLOW0003, when the rule's class is not a rules class. Arguments: the method, its class.</summary>
    public static readonly DiagnosticDescriptor RuleMethodOutsideRulesClass = new(
        id: InvalidRuleMethodId,
        title: "Rule method must be declared in a rules class",
        messageFormat: "Rule method '{0}' is declared in '{1}', which is not marked [Rules<TState>]: it belongs to no flow and would never fire. Move it to the flow's rules class, or mark '{1}' with [Rules<TState>].",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A method marked [Rule] is a rule of a flow: a static method of a static partial class marked [Rules<TState>]. The rules class names the flow; a rule declared elsewhere belongs to no flow.",
        helpLinkUri: HelpLink(InvalidRuleMethodId));

    /// <summary>The documentation page of a diagnostic.</summary>
    /// <param name="id">The diagnostic ID, for example <c>FLOW0001</c>.</param>
    /// <returns>The address of the page that explains the diagnostic.</returns>
    public static string HelpLink(string id) => $"https://github.com/flowsdk/flowsdk/blob/main/docs/diagnostics/{id}.md";
}
