namespace FlowSdk.Generators.Model;

// The parsed model of a flow. Value-equal records only: no symbols, syntax nodes, locations or
// compilations past the transform, so the incremental pipeline can cache every step.

/// <summary>A type the generator writes a MessagePack formatter for.</summary>
internal sealed record SerializableTypeSpec(
    string Namespace,
    string Name,
    string FullName,
    bool IsValueType,
    bool IsRecord,
    string Accessibility,
    EquatableArray<MemberSpec> Members,
    EquatableArray<string> ConstructorParameters);

/// <summary>A serialized member: a public property.</summary>
/// <param name="Name">The property name, also its key on the wire.</param>
/// <param name="Type">The property type, fully qualified with nullable annotation.</param>
/// <param name="Kind">How it is read and written.</param>
/// <param name="EnumUnderlyingType">For enums, the underlying type's keyword (<c>int</c>, <c>byte</c>, ...).</param>
/// <param name="Setter">How it is assigned: <c>ctor</c>, <c>init</c> or <c>set</c>.</param>
/// <param name="IsNullable">Whether null is an allowed value.</param>
internal sealed record MemberSpec(string Name, string Type, MemberKind Kind, string? EnumUnderlyingType, string Setter, bool IsNullable);

internal enum MemberKind
{
    String,
    Primitive,
    Enum,
    Resolver,
}

/// <summary>A message type: a port on a subject.</summary>
internal sealed record MessageSpec(
    string FullName,
    string Name,
    string Subject,
    string? CorrelationKey,
    bool CorrelationKeyIsString,
    string FormatterFullName,
    bool IsPublic,
    string? TaskIdProperty,
    bool TaskIdByWith);

/// <summary>A message type declared in this compilation, for which a formatter is emitted.</summary>
internal sealed record MessageTypeSpec(MessageSpec Message, SerializableTypeSpec Type);

/// <summary>A phase: a member of the flow's phase enum.</summary>
internal sealed record PhaseSpec(string Name, bool IsTerminal);

/// <summary>The state class of a flow.</summary>
internal sealed record FlowStateSpec(
    string FlowId,
    int MaxIterations,
    long? TimeoutTicks,
    string? OnCompleted,
    string? OnFailed,
    string? OnEscalated,
    string? OnTimedOut,
    string PhaseEnumFullName,
    EquatableArray<PhaseSpec> Phases,
    SerializableTypeSpec State);

/// <summary>A condition of a rule, with the arguments its method takes (<c>s</c> state, <c>m</c> message).</summary>
internal sealed record ConditionSpec(string Method, string Description, EquatableArray<string> Arguments);

/// <summary>A rule method.</summary>
internal sealed record RuleSpec(
    string Name,
    string DeclaringTypeFullName,
    string Trigger,
    MessageSpec? Message,
    string? From,
    string? To,
    EquatableArray<ConditionSpec> Conditions,
    bool AnyCondition,
    MessageSpec? Output,
    string Cref,
    string Field,
    bool HasContext,
    long? CooldownTicks,
    int MaxFirings,
    bool AwaitReply);

/// <summary>A rules class: the rules of one flow it declares, in declaration order.</summary>
internal sealed record RulesClassSpec(string StateFullName, string SortKey, string Namespace, string Name, string FullName, EquatableArray<RuleSpec> Rules);

/// <summary>A flow ready to emit: its state and its rules in order.</summary>
internal sealed record FlowSpec(FlowStateSpec State, EquatableArray<RulesClassSpec> RulesClasses, EquatableArray<RuleSpec> Rules);
