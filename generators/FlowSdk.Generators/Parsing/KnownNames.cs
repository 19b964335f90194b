namespace FlowSdk.Generators.Parsing;

/// <summary>Metadata names of FlowSdk's attributes: the generator and analyzers never reference the runtime.</summary>
internal static class KnownNames
{
    public const string FlowAttribute = "FlowSdk.FlowAttribute`1";
    public const string RulesAttribute = "FlowSdk.RulesAttribute`1";
    public const string RuleAttribute = "FlowSdk.RuleAttribute";
    public const string WhenAttribute = "FlowSdk.WhenAttribute";
    public const string MessageAttribute = "FlowSdk.MessageAttribute";
    public const string CorrelationKeyAttribute = "FlowSdk.CorrelationKeyAttribute";
    public const string TerminalPhaseAttribute = "FlowSdk.TerminalPhaseAttribute";
}
