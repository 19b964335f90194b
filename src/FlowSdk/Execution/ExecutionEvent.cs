using MessagePack;
using MessagePack.Formatters;
using FlowSdk.Serialization;

namespace FlowSdk;

/// <summary>What happened to an execution, in an <see cref="ExecutionEvent"/>. The lower-case name is the last token of the event's subject.</summary>
public enum ExecutionEventKind
{
    /// <summary>The execution was created by its first committed firing: <c>&lt;prefix&gt;.started</c>.</summary>
    Started = 0,

    /// <summary>A rule fired: <c>&lt;prefix&gt;.step</c>. <see cref="ExecutionEvent.Rule"/>, <see cref="ExecutionEvent.Trigger"/>, <see cref="ExecutionEvent.Action"/> and <see cref="ExecutionEvent.FromPhase"/> say which and how.</summary>
    Step = 1,

    /// <summary>The execution waits, for a reply or for a person's approval (<see cref="ExecutionEvent.WaitingFor"/>): <c>&lt;prefix&gt;.waiting</c>.</summary>
    Waiting = 2,

    /// <summary>An operator paused it: <c>&lt;prefix&gt;.paused</c>.</summary>
    Paused = 3,

    /// <summary>An operator resumed it: <c>&lt;prefix&gt;.resumed</c>.</summary>
    Resumed = 4,

    /// <summary>An operator cancelled it: <c>&lt;prefix&gt;.cancelled</c> (an <see cref="Ended"/> event follows).</summary>
    Cancelled = 5,

    /// <summary>An operator retried it after it failed or timed out: <c>&lt;prefix&gt;.retried</c>.</summary>
    Retried = 6,

    /// <summary>It reached a terminal status (Completed, Failed, Escalated, TimedOut, Cancelled): <c>&lt;prefix&gt;.ended</c>.</summary>
    Ended = 7,

    /// <summary>The approval it waited for was given (by a person, or by the policy): <c>&lt;prefix&gt;.approved</c>.</summary>
    Approved = 8,

    /// <summary>The approval it waited for was refused, expired or became void: <c>&lt;prefix&gt;.rejected</c>.</summary>
    Rejected = 9,
}

/// <summary>
/// A lifecycle event of one execution, published by a flow that declares <c>[Flow(Events = "prefix")]</c> on
/// <c>&lt;prefix&gt;.&lt;kind&gt;</c> (<c>orders.events.started</c>, <c>orders.events.step</c>, ...). Events
/// are committed with the state change they describe, in the execution's outbox, so none is lost and
/// none is published for a change that did not commit; each carries the message id of its commit, so
/// a replay is deduplicated. On the wire it is a MessagePack map keyed by member name, written as
/// FlowSdk writes every message (enums by name, <see cref="DateTimeOffset"/> as <c>[timestamp, offset]</c>),
/// so a flow reads it with a message type of its own that declares any of these members with the same
/// types, and a client in another language reads it with any MessagePack library.
/// </summary>
/// <param name="Flow">The flow id.</param>
/// <param name="ExecutionId">The execution id.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Status">The execution's status after it.</param>
/// <param name="Phase">The execution's phase after it.</param>
/// <param name="Sequence">The execution's <see cref="ExecutionInfo.TimelineEntriesRecorded"/> after it: grows with every entry, so events of one execution order by it.</param>
/// <param name="At">When it happened.</param>
public sealed record ExecutionEvent(string Flow, string ExecutionId, ExecutionEventKind Kind, ExecutionStatus Status, string Phase, long Sequence, DateTimeOffset At)
{
    /// <summary>The rule that fired (<see cref="ExecutionEventKind.Step"/>), waits for approval or was decided; the control for an operator's control; otherwise <see langword="null"/>.</summary>
    public string? Rule { get; init; }

    /// <summary>What triggered the rule (<see cref="ExecutionEventKind.Step"/>) or <see cref="TriggerKind.Control"/> for a control; otherwise <see langword="null"/>.</summary>
    public TriggerKind? Trigger { get; init; }

    /// <summary>What the firing did (<see cref="ExecutionEventKind.Step"/>); otherwise <see langword="null"/>.</summary>
    public RuleAction? Action { get; init; }

    /// <summary>The phase before a firing (<see cref="ExecutionEventKind.Step"/>); otherwise <see langword="null"/>.</summary>
    public string? FromPhase { get; init; }

    /// <summary>The iteration after it.</summary>
    public int Iteration { get; init; } = 1;

    /// <summary>Who: the operator of a control or an approval decision, the subject of the message that fired a rule; otherwise <see langword="null"/>.</summary>
    public string? By { get; init; }

    /// <summary>Why: the reason given with a control or a decision, the status reason of an ended execution; otherwise <see langword="null"/>.</summary>
    public string? Reason { get; init; }

    /// <summary>For <see cref="ExecutionEventKind.Waiting"/>: <c>reply</c> or <c>approval</c>; otherwise <see langword="null"/>.</summary>
    public string? WaitingFor { get; init; }

    /// <summary>The subject an event of <paramref name="kind"/> is published on by a flow whose <c>Events</c> prefix is <paramref name="prefix"/>: <c>&lt;prefix&gt;.&lt;kind in lower case&gt;</c>.</summary>
    /// <param name="prefix">The flow's <c>Events</c> prefix.</param>
    /// <param name="kind">The kind.</param>
    /// <returns>The subject.</returns>
    public static string Subject(string prefix, ExecutionEventKind kind)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return string.Concat(prefix, ".", KindToken(kind));
    }

    /// <summary>A port for events on <paramref name="subject"/>, to read them with typed messages (<see cref="Subject"/> gives the subject).</summary>
    /// <param name="subject">The subject.</param>
    /// <returns>The port.</returns>
    public static MessagePort<ExecutionEvent> Port(string subject) => new(subject, Formatter.Instance);

    /// <summary>The last token of the subject of an event of <paramref name="kind"/>.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns><c>started</c>, <c>step</c>, <c>waiting</c>, <c>paused</c>, <c>resumed</c>, <c>cancelled</c>, <c>retried</c>, <c>ended</c>, <c>approved</c> or <c>rejected</c>.</returns>
    public static string KindToken(ExecutionEventKind kind) => kind switch
    {
        ExecutionEventKind.Started => "started",
        ExecutionEventKind.Step => "step",
        ExecutionEventKind.Waiting => "waiting",
        ExecutionEventKind.Paused => "paused",
        ExecutionEventKind.Resumed => "resumed",
        ExecutionEventKind.Cancelled => "cancelled",
        ExecutionEventKind.Retried => "retried",
        ExecutionEventKind.Ended => "ended",
        ExecutionEventKind.Approved => "approved",
        ExecutionEventKind.Rejected => "rejected",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not an execution event kind."),
    };

    /// <summary>Reads and writes <see cref="ExecutionEvent"/> as a MessagePack map keyed by member name; members without a value are left out.</summary>
    public sealed class Formatter : IMessagePackFormatter<ExecutionEvent>
    {
        /// <summary>The formatter instance.</summary>
        public static readonly Formatter Instance = new();

        /// <inheritdoc/>
        public void Serialize(ref MessagePackWriter writer, ExecutionEvent value, MessagePackSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(value);
            var count = 8 + (value.Rule is null ? 0 : 1) + (value.Trigger is null ? 0 : 1) + (value.Action is null ? 0 : 1)
                + (value.FromPhase is null ? 0 : 1) + (value.By is null ? 0 : 1) + (value.Reason is null ? 0 : 1) + (value.WaitingFor is null ? 0 : 1);
            writer.WriteMapHeader(count);
            writer.Write("Flow");
            writer.Write(value.Flow);
            writer.Write("ExecutionId");
            writer.Write(value.ExecutionId);
            writer.Write("Kind");
            writer.Write(value.Kind.ToString());
            writer.Write("Status");
            writer.Write(value.Status.ToString());
            writer.Write("Phase");
            writer.Write(value.Phase);
            writer.Write("Sequence");
            writer.Write(value.Sequence);
            writer.Write("At");
            WireFormat.WriteDateTimeOffset(ref writer, value.At);
            writer.Write("Iteration");
            writer.Write(value.Iteration);
            Optional(ref writer, "Rule", value.Rule);
            Optional(ref writer, "Trigger", value.Trigger?.ToString());
            Optional(ref writer, "Action", value.Action?.ToString());
            Optional(ref writer, "FromPhase", value.FromPhase);
            Optional(ref writer, "By", value.By);
            Optional(ref writer, "Reason", value.Reason);
            Optional(ref writer, "WaitingFor", value.WaitingFor);
        }

        /// <inheritdoc/>
        public ExecutionEvent Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            WireFormat.EnterDepth(ref reader);
            string flow = "", id = "", phase = "";
            string? rule = null, fromPhase = null, by = null, reason = null, waitingFor = null;
            var kind = ExecutionEventKind.Step;
            var status = ExecutionStatus.Running;
            TriggerKind? trigger = null;
            RuleAction? action = null;
            long sequence = 0;
            var iteration = 1;
            DateTimeOffset at = default;
            var count = reader.ReadMapHeader();
            for (var i = 0; i < count; i++)
            {
                switch (reader.ReadString())
                {
                    case "Flow": flow = reader.ReadString() ?? ""; break;
                    case "ExecutionId": id = reader.ReadString() ?? ""; break;
                    case "Kind": kind = Parse<ExecutionEventKind>(ref reader, "Kind"); break;
                    case "Status": status = Parse<ExecutionStatus>(ref reader, "Status"); break;
                    case "Phase": phase = reader.ReadString() ?? ""; break;
                    case "Sequence": sequence = reader.ReadInt64(); break;
                    case "At": at = WireFormat.ReadDateTimeOffset(ref reader); break;
                    case "Iteration": iteration = reader.ReadInt32(); break;
                    case "Rule": rule = reader.ReadString(); break;
                    case "Trigger": trigger = reader.TryReadNil() ? null : Parse<TriggerKind>(ref reader, "Trigger"); break;
                    case "Action": action = reader.TryReadNil() ? null : Parse<RuleAction>(ref reader, "Action"); break;
                    case "FromPhase": fromPhase = reader.ReadString(); break;
                    case "By": by = reader.ReadString(); break;
                    case "Reason": reason = reader.ReadString(); break;
                    case "WaitingFor": waitingFor = reader.ReadString(); break;
                    default: reader.Skip(); break;
                }
            }

            reader.Depth--;
            return new ExecutionEvent(flow, id, kind, status, phase, sequence, at)
            {
                Rule = rule,
                Trigger = trigger,
                Action = action,
                FromPhase = fromPhase,
                Iteration = iteration,
                By = by,
                Reason = reason,
                WaitingFor = waitingFor,
            };
        }

        private static void Optional(ref MessagePackWriter writer, string key, string? value)
        {
            if (value is not null)
            {
                writer.Write(key);
                writer.Write(value);
            }
        }

        private static TEnum Parse<TEnum>(ref MessagePackReader reader, string key)
            where TEnum : struct, Enum
        {
            var name = reader.ReadString();
            return Enum.TryParse<TEnum>(name, out var value) && Enum.IsDefined(value)
                ? value
                : throw new MessagePackSerializationException($"'{name}' is not a {typeof(TEnum).Name} (the event's {key}).");
        }
    }
}
