namespace FlowSdk.Analyzers;

/// <summary>
/// Metadata names of FlowSdk's attributes. The analyzers find the attributes by name in the
/// compilation instead of referencing the FlowSdk assembly, so they load in any project and
/// stay silent in one that does not use FlowSdk.
/// </summary>
internal static class WellKnownTypeNames
{
    /// <summary><c>[Flow&lt;TPhase&gt;("id")]</c>.</summary>
    public const string FlowAttribute = "FlowSdk.FlowAttribute`1";

    /// <summary><c>[Rules&lt;TState&gt;]</c>.</summary>
    public const string RulesAttribute = "FlowSdk.RulesAttribute`1";

    /// <summary><c>[Rule]</c>.</summary>
    public const string RuleAttribute = "FlowSdk.RuleAttribute";
}
