namespace FlowSdk.Generators.Model;

// The serialization pipeline's model: the formatters of the types flow states and messages reach,
// the assembly's resolver and its schema. Value-equal records only, as everywhere in the pipeline.

/// <summary>
/// What one flow state or message needs beyond its own formatter (which the flow and message outputs
/// write): the formatters of the types it reaches, its resolver entries and its schema entries.
/// </summary>
/// <param name="ResolverNamespace">The namespace of the assembly's resolver.</param>
/// <param name="Formatters">Formatters to generate for reached types (never the root's own).</param>
/// <param name="Resolver">What the resolver maps: every type the root reaches, the root included.</param>
/// <param name="Schema">The schema entries of the root and every class, record, struct and enum it reaches.</param>
internal sealed record SerializationRootSpec(
    string ResolverNamespace,
    EquatableArray<TypeFormatterSpec> Formatters,
    EquatableArray<ResolverEntrySpec> Resolver,
    EquatableArray<SchemaTypeSpec> Schema);

/// <summary>A formatter the serialization pipeline writes, for a class, record, struct or enum.</summary>
/// <param name="HintName">The generated file's name.</param>
/// <param name="Namespace">The formatter's namespace; empty for the global namespace.</param>
/// <param name="Name">The formatter class's name.</param>
/// <param name="Accessibility"><c>public</c> or <c>internal</c>.</param>
/// <param name="Object">For a class, record or struct: how it is read and written.</param>
/// <param name="Enum">For an enum: its members.</param>
internal sealed record TypeFormatterSpec(string HintName, string Namespace, string Name, string Accessibility, SerializableTypeSpec? Object, EnumSpec? Enum);

/// <summary>An enum as its formatter writes it: by member name.</summary>
/// <param name="FullName">The enum, <c>global::</c>-qualified.</param>
/// <param name="DisplayName">The enum as error messages name it.</param>
/// <param name="Underlying">The underlying type's keyword.</param>
/// <param name="Members">Its members in declaration order.</param>
internal sealed record EnumSpec(string FullName, string DisplayName, string Underlying, EquatableArray<EnumMemberSpec> Members);

/// <summary>A member of an enum.</summary>
/// <param name="Name">The member as C# names it (an '@' before a keyword).</param>
/// <param name="WireName">The name written.</param>
/// <param name="IsFirstWithValue">Whether a value is written as this member (the first one with the value).</param>
internal sealed record EnumMemberSpec(string Name, string WireName, bool IsFirstWithValue);

/// <summary>A type the resolver returns a formatter for.</summary>
/// <param name="Type">The type, <c>global::</c>-qualified, without nullable reference annotations.</param>
/// <param name="Formatter">For a class, record, struct or enum, the formatter instance (<c>global::...Formatter.Instance</c>).</param>
/// <param name="Composite">For a collection or nullable type, its shape: the resolver builds its formatter from its elements'.</param>
internal sealed record ResolverEntrySpec(string Type, string? Formatter, ShapeSpec? Composite);

/// <summary>A serialized type as the schema file records it.</summary>
/// <param name="Name">The type's name (namespace-qualified, without <c>global::</c>).</param>
/// <param name="Kind"><c>state</c>, <c>message</c>, <c>object</c> or <c>enum</c>.</param>
/// <param name="Members">Keys and their schema types; for an enum, its member names (with an empty type).</param>
internal sealed record SchemaTypeSpec(string Name, string Kind, EquatableArray<SchemaMemberSpec> Members);

/// <summary>A key of a serialized type and its type as the schema file names it.</summary>
/// <param name="Key">The key.</param>
/// <param name="Type">The schema type; empty for an enum member.</param>
internal sealed record SchemaMemberSpec(string Key, string Type);

/// <summary>Everything the serialization pipeline writes for the assembly.</summary>
/// <param name="Formatters">The formatters of reached types, each once, ordered by hint name.</param>
/// <param name="Resolver">The resolver.</param>
/// <param name="Schema">The schema of every serialized type, ordered by name.</param>
internal sealed record SerializationSetSpec(EquatableArray<TypeFormatterSpec> Formatters, ResolverSpec Resolver, EquatableArray<SchemaTypeSpec> Schema);

/// <summary>The assembly's resolver: every type its flow states and messages reach.</summary>
/// <param name="Namespace">Its namespace.</param>
/// <param name="Entries">The types it resolves, ordered by type.</param>
internal sealed record ResolverSpec(string Namespace, EquatableArray<ResolverEntrySpec> Entries);
