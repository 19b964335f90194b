namespace FlowSdk.Generators;

/// <summary>Names of the pipeline steps, for incremental caching tests.</summary>
internal static class TrackingNames
{
    public const string FlowStates = nameof(FlowStates);
    public const string RulesClasses = nameof(RulesClasses);
    public const string MessageTypes = nameof(MessageTypes);
    public const string Flows = nameof(Flows);
    public const string Catalog = nameof(Catalog);
    public const string EntryPoint = nameof(EntryPoint);
    public const string ManifestOptions = nameof(ManifestOptions);
    public const string ManifestFlowSources = nameof(ManifestFlowSources);
    public const string ManifestRuleSources = nameof(ManifestRuleSources);
    public const string ManifestMessages = nameof(ManifestMessages);
    public const string Manifest = nameof(Manifest);
    public const string SerializedStates = nameof(SerializedStates);
    public const string SerializedMessages = nameof(SerializedMessages);
    public const string Serialization = nameof(Serialization);
    public const string Resolver = nameof(Resolver);
    public const string Schema = nameof(Schema);
}
