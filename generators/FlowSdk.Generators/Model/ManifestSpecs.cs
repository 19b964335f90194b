namespace FlowSdk.Generators.Model;

// The manifest's own model: where flows, rules and messages are declared, and the shapes of the
// messages. Kept apart from the flow model (Specs.cs) on purpose: source positions change with every
// edit above a declaration, and only the manifest, not the flow code, should be regenerated then.
// Value-equal records only, as everywhere in the pipeline.

/// <summary>Where a declaration is: the file as the compiler saw it, with a 1-based line and column.</summary>
internal sealed record SourceLocationSpec(string File, int Line, int Column);

/// <summary>
/// A message type as it travels: its subject, whether it is declared <c>External</c>, its members
/// (<c>Name:Type</c>, ordinal order) and their fingerprint.
/// </summary>
/// <param name="FullName">The type, <c>global::</c>-qualified as <see cref="MessageSpec.FullName"/> writes it.</param>
/// <param name="Subject">The subject of its <c>[Message]</c> attribute.</param>
/// <param name="External">Whether it is declared connected outside its assembly.</param>
/// <param name="Members">The public properties a serializer reads, as <c>Name:Type</c>.</param>
/// <param name="Fingerprint">A stable hash of <paramref name="Members"/>.</param>
/// <param name="Declaration">Where the type is declared when it is in this compilation's source; otherwise <see langword="null"/>.</param>
internal sealed record MessageSchemaSpec(
    string FullName,
    string Subject,
    bool External,
    EquatableArray<string> Members,
    string Fingerprint,
    SourceLocationSpec? Declaration);

/// <summary>Where a rule method is, and the schemas of the message types it takes or returns.</summary>
/// <param name="DeclaringTypeFullName">The rules class, as <see cref="RuleSpec.DeclaringTypeFullName"/> writes it.</param>
/// <param name="Method">The method name (<see cref="RuleSpec.Name"/>).</param>
/// <param name="Location">The method's name in the source.</param>
/// <param name="Messages">The message types among its parameters and return type.</param>
internal sealed record RuleSourceSpec(
    string DeclaringTypeFullName,
    string Method,
    SourceLocationSpec Location,
    EquatableArray<MessageSchemaSpec> Messages);

/// <summary>Where a flow's state class is declared.</summary>
/// <param name="StateFullName">The state class, as <see cref="SerializableTypeSpec.FullName"/> writes it.</param>
/// <param name="Location">The class's name in the source.</param>
internal sealed record FlowSourceSpec(string StateFullName, SourceLocationSpec Location);
