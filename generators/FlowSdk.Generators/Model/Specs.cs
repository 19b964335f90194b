using FlowSdk.Generators.Parsing.Shared;

namespace FlowSdk.Generators.Model;

// The parsed model of a flow. Value-equal records only: no symbols, syntax nodes, locations or
// compilations past the transform, so the incremental pipeline can cache every step.

/// <summary>A type the generator writes a MessagePack formatter for: a map keyed by member name.</summary>
/// <param name="Namespace">The type's namespace; empty for the global namespace.</param>
/// <param name="Name">The type's name.</param>
/// <param name="FullName">The type, <c>global::</c>-qualified.</param>
/// <param name="IsValueType">Whether it is a struct.</param>
/// <param name="IsRecord">Whether it is a record.</param>
/// <param name="Accessibility"><c>public</c> or <c>internal</c>: what its formatter may be.</param>
/// <param name="Members">The serialized members, in wire order.</param>
/// <param name="ConstructorParameters">
/// One C# argument per parameter of the constructor the formatter calls: the local a member was read into
/// (<c>__Name</c>), or, for a parameter no serialized member binds, the value it gets (its default).
/// </param>
/// <param name="DisplayName">The type as error messages name it (<c>Outer.Inner</c>).</param>
/// <param name="Unsupported">
/// The members whose type cannot be serialized (FLOW0101, a build error), comma-separated; the formatter
/// then throws instead of silently dropping them. <see langword="null"/> when there are none.
/// </param>
internal sealed record SerializableTypeSpec(
    string Namespace,
    string Name,
    string FullName,
    bool IsValueType,
    bool IsRecord,
    string Accessibility,
    EquatableArray<MemberSpec> Members,
    EquatableArray<string> ConstructorParameters,
    string DisplayName,
    string? Unsupported);

/// <summary>A serialized member: a public property or field.</summary>
/// <param name="Name">The member name, as C# code names it (an '@' before a keyword).</param>
/// <param name="Key">Its key on the wire: the name, or its <c>[Key("...")]</c>.</param>
/// <param name="Type">The member type, fully qualified with nullable annotation.</param>
/// <param name="Shape">How its value is written and read.</param>
/// <param name="Assignment">How a formatter assigns it when it reads an instance.</param>
/// <param name="IsNullable">Whether nil is an allowed value.</param>
/// <param name="Fallback">
/// For a constructor member, the C# value it gets when the data lacks it: the parameter's default, or an
/// empty value (<c>""</c>, an empty collection), or <c>default</c>.
/// </param>
/// <param name="SchemaType">Its type as the schema file names it.</param>
internal sealed record MemberSpec(string Name, string Key, string Type, ShapeSpec Shape, MemberAssignment Assignment, bool IsNullable, string? Fallback, string SchemaType);

/// <summary>How a value of some type is written and read (see <see cref="ShapeKind"/>).</summary>
/// <param name="Kind">The kind of shape.</param>
/// <param name="Type">The type, <c>global::</c>-qualified, without nullable reference annotations.</param>
/// <param name="Keyword">For primitives, the C# keyword.</param>
/// <param name="Formatter">For enums and objects, the formatter class, <c>global::</c>-qualified.</param>
/// <param name="Arguments">Element, or key and value.</param>
/// <param name="IsValueType">Whether the type is a value type (nil never reads as one, so no null check follows).</param>
internal sealed record ShapeSpec(ShapeKind Kind, string Type, string? Keyword, string? Formatter, EquatableArray<ShapeSpec> Arguments, bool IsValueType);

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
    bool TaskIdByWith,
    bool TaskIdSettable);

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
    string? Events,
    string PhaseEnumFullName,
    EquatableArray<PhaseSpec> Phases,
    SerializableTypeSpec State,
    EquatableArray<ScheduleSpec> Schedules,
    EquatableArray<FanOutSpec> FanOuts);

/// <summary>A fan-out group of a flow (<c>[FanOut&lt;TChild, TInput, TResult&gt;]</c>): the child flow, its start and result messages.</summary>
internal sealed record FanOutSpec(string Name, string ChildFlow, string ChildStateFullName, MessageSpec Input, MessageSpec Result, int Mode, long? TimeoutTicks);

/// <summary>A schedule of a flow (<c>[Schedule&lt;TTick&gt;]</c>): its tick message and when it ticks.</summary>
internal sealed record ScheduleSpec(string Name, MessageSpec Tick, long? EveryTicks, string? Cron, string? TimeZone, int MissedTicks, int MaxCatchUp);

/// <summary>A condition of a rule, with the arguments its method takes (<c>s</c> state, <c>m</c> message).</summary>
internal sealed record ConditionSpec(string Method, string Description, EquatableArray<string> Arguments);

/// <summary>A rule method.</summary>
internal sealed record RuleSpec(
    string Name,
    string DeclaringTypeFullName,
    Parsing.Shared.RuleTrigger Trigger,
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
    bool AwaitReply,
    string? ApprovalPolicy = null,
    long? ApprovalExpiresTicks = null);

/// <summary>A rules class: the rules of one flow it declares, in declaration order.</summary>
internal sealed record RulesClassSpec(string StateFullName, string SortKey, string Namespace, string Name, string FullName, EquatableArray<RuleSpec> Rules);

/// <summary>A flow ready to emit: its state and its rules in order.</summary>
internal sealed record FlowSpec(FlowStateSpec State, EquatableArray<RulesClassSpec> RulesClasses, EquatableArray<RuleSpec> Rules);
