using Microsoft.CodeAnalysis;

namespace FlowSdk.Analyzers;

/// <summary>
/// The diagnostics about serialization (FLOW0100-FLOW0199): members the generated formatters cannot
/// serialize, invalid keys, and changes to serialized types that the schema file does not record or that
/// break data already written. Each has a page under <c>docs/diagnostics/</c> and a line in
/// <c>AnalyzerReleases.*.md</c>; docs/serialization.md explains the format and the rules.
/// </summary>
public static class SerializationDescriptors
{
    /// <summary>A member's type cannot be serialized.</summary>
    public const string MemberNotSerializableId = "FLOW0101";

    /// <summary>A member's key is invalid.</summary>
    public const string InvalidKeyId = "FLOW0102";

    /// <summary>The schema file does not record a serialized type or key.</summary>
    public const string SchemaOutOfDateId = "FLOW0103";

    /// <summary>A key recorded in the schema file was removed.</summary>
    public const string KeyRemovedId = "FLOW0104";

    /// <summary>A key's type changed.</summary>
    public const string KeyTypeChangedId = "FLOW0105";

    /// <summary>A retired key is used again.</summary>
    public const string KeyReusedId = "FLOW0106";

    /// <summary>The schema file cannot be read.</summary>
    public const string SchemaFileInvalidId = "FLOW0107";

    private const string UpdateHint = "If the change is intended, record it: build with -p:FlowSdk_UpdateSchema=true, which rewrites flowsdk.schema.json, and commit the file";

    /// <summary>FLOW0101. Arguments: the member, its type's name, why.</summary>
    public static readonly DiagnosticDescriptor MemberNotSerializable = new(
        id: MemberNotSerializableId,
        title: "Member cannot be serialized",
        messageFormat: "Member '{0}' of '{1}' cannot be serialized: {2}",
        category: DiagnosticDescriptors.Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The generator writes a MessagePack formatter for every flow state and message and for every type they reach. Each serialized member (a public property or field with a public setter, or one a constructor takes) must have a type it can read back: primitives, string, byte[], decimal, Guid, DateTime, DateTimeOffset, TimeSpan, enums, Nullable<T>, arrays, lists, sets, dictionaries, and non-generic classes, records and structs it can create.",
        helpLinkUri: DiagnosticDescriptors.HelpLink(MemberNotSerializableId));

    /// <summary>FLOW0102. Arguments: the member, its type's name, why.</summary>
    public static readonly DiagnosticDescriptor InvalidKey = new(
        id: InvalidKeyId,
        title: "Invalid serialization key",
        messageFormat: "Member '{0}' of '{1}' has an invalid key: {2}",
        category: DiagnosticDescriptors.Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A serialized member's key is its name, or the string of its MessagePack [Key(\"...\")] attribute. Keys are unique within a type, not empty, and do not start with '$' (reserved for FlowSdk's own keys, such as a state's '$execution').",
        helpLinkUri: DiagnosticDescriptors.HelpLink(InvalidKeyId));

    /// <summary>FLOW0103. Arguments: what the file does not record, how to update it.</summary>
    public static readonly DiagnosticDescriptor SchemaOutOfDate = new(
        id: SchemaOutOfDateId,
        title: "Schema file does not record a serialized type or key",
        messageFormat: "flowsdk.schema.json does not record {0}. Build with -p:FlowSdk_UpdateSchema=true to record it, and commit the file.",
        category: DiagnosticDescriptors.Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "The schema file lists the keys and types of every serialized type, so that a change that breaks stored state or messages in flight shows up as a build error. A new type, a new key, or a key that became nullable is safe, but the file must record it before the next change is checked against it.",
        helpLinkUri: DiagnosticDescriptors.HelpLink(SchemaOutOfDateId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0104. Arguments: the type, the key, its recorded type.</summary>
    public static readonly DiagnosticDescriptor KeyRemoved = new(
        id: KeyRemovedId,
        title: "Serialized key removed",
        messageFormat: "'{0}' no longer has the key '{1}' ({2}) that flowsdk.schema.json records: readers built from this code drop it from data written before, and readers built before read it as missing. " + UpdateHint + " (the key is then retired, so it is never reused).",
        category: DiagnosticDescriptors.Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Removing a member (or renaming it without keeping its key with [Key(\"old name\")]) drops its value from every stored state and message. Removing an enum member makes data that holds it unreadable.",
        helpLinkUri: DiagnosticDescriptors.HelpLink(KeyRemovedId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0105. Arguments: the type, the key, the recorded type, the new type.</summary>
    public static readonly DiagnosticDescriptor KeyTypeChanged = new(
        id: KeyTypeChangedId,
        title: "Serialized key changed type",
        messageFormat: "The key '{1}' of '{0}' changed type from {2} to {3}: data written before may not read. " + UpdateHint + ".",
        category: DiagnosticDescriptors.Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Data written with the old type (stored state, messages in flight, other services) is read with the new one. Only a change to a nullable form of the same type is safe; add a new member for anything else.",
        helpLinkUri: DiagnosticDescriptors.HelpLink(KeyTypeChangedId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0106. Arguments: the type, the key, its old type.</summary>
    public static readonly DiagnosticDescriptor KeyReused = new(
        id: KeyReusedId,
        title: "Retired serialized key used again",
        messageFormat: "The key '{1}' of '{0}' was retired (it held {2}); data written before may still hold old values under it, which this member would read. Use another key, or, if no such data can exist, remove '{1}' from the type's \"retired\" list in flowsdk.schema.json.",
        category: DiagnosticDescriptors.Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "When a key is removed and the schema is updated, the schema file retires the key. Using it again for a new member would make that member read the old member's values from data written before the removal.",
        helpLinkUri: DiagnosticDescriptors.HelpLink(KeyReusedId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>FLOW0107. Arguments: the file, what is wrong.</summary>
    public static readonly DiagnosticDescriptor SchemaFileInvalid = new(
        id: SchemaFileInvalidId,
        title: "Schema file cannot be read",
        messageFormat: "The schema file '{0}' cannot be read: {1}. Fix it, or delete it and build with -p:FlowSdk_UpdateSchema=true to write it anew.",
        category: DiagnosticDescriptors.Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "flowsdk.schema.json is JSON: an object whose \"types\" map each serialized type to its \"kind\", its \"members\" (keys and types; for an enum, an array of names) and its \"retired\" keys.",
        helpLinkUri: DiagnosticDescriptors.HelpLink(SchemaFileInvalidId),
        customTags: WellKnownDiagnosticTags.CompilationEnd);
}
