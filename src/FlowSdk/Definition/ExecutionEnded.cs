using MessagePack;
using MessagePack.Formatters;

namespace FlowSdk;

/// <summary>
/// A lifecycle event: an execution completed, failed, was escalated or timed out. Published on the
/// subjects a flow declares with <c>OnCompleted</c>, <c>OnFailed</c>, <c>OnEscalated</c> and <c>OnTimedOut</c>.
/// </summary>
/// <param name="Flow">The flow id.</param>
/// <param name="ExecutionId">The execution id.</param>
/// <param name="Status">The terminal status.</param>
/// <param name="Phase">The phase the execution ended in.</param>
/// <param name="Reason">Why it failed, was escalated or timed out; <see langword="null"/> when it completed.</param>
/// <param name="At">When it ended.</param>
public sealed record ExecutionEnded(string Flow, string ExecutionId, ExecutionStatus Status, string Phase, string? Reason, DateTimeOffset At)
{
    /// <summary>A port for lifecycle events on <paramref name="subject"/>, to subscribe to them with typed messages.</summary>
    /// <param name="subject">The subject the flow declared.</param>
    /// <returns>The port.</returns>
    public static MessagePort<ExecutionEnded> Port(string subject) => new(subject, Formatter.Instance);

    /// <summary>Reads and writes <see cref="ExecutionEnded"/> as a MessagePack map keyed by member name.</summary>
    public sealed class Formatter : IMessagePackFormatter<ExecutionEnded>
    {
        /// <summary>The formatter instance.</summary>
        public static readonly Formatter Instance = new();

        /// <inheritdoc/>
        public void Serialize(ref MessagePackWriter writer, ExecutionEnded value, MessagePackSerializerOptions options)
        {
            writer.WriteMapHeader(6);
            writer.Write("Flow");
            writer.Write(value.Flow);
            writer.Write("ExecutionId");
            writer.Write(value.ExecutionId);
            writer.Write("Status");
            writer.Write(value.Status.ToString());
            writer.Write("Phase");
            writer.Write(value.Phase);
            writer.Write("Reason");
            writer.Write(value.Reason);
            writer.Write("At");
            writer.Write(value.At.UtcDateTime);
        }

        /// <inheritdoc/>
        public ExecutionEnded Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            Internal.WireFormat.EnterDepth(ref reader);
            string flow = "", id = "", phase = "";
            string? reason = null;
            var status = ExecutionStatus.Completed;
            DateTimeOffset at = default;
            var count = reader.ReadMapHeader();
            for (var i = 0; i < count; i++)
            {
                switch (reader.ReadString())
                {
                    case "Flow": flow = reader.ReadString() ?? ""; break;
                    case "ExecutionId": id = reader.ReadString() ?? ""; break;
                    case "Status":
                        var name = reader.ReadString();
                        if (!Enum.TryParse(name, out status) || !status.IsTerminal())
                        {
                            throw new MessagePackSerializationException($"'{name}' is not a terminal execution status.");
                        }

                        break;
                    case "Phase": phase = reader.ReadString() ?? ""; break;
                    case "Reason": reason = reader.ReadString(); break;
                    case "At": at = new DateTimeOffset(reader.ReadDateTime()); break;
                    default: reader.Skip(); break;
                }
            }

            reader.Depth--;
            return new ExecutionEnded(flow, id, status, phase, reason, at);
        }
    }
}

/// <summary>The subjects a flow publishes its lifecycle events on; <see langword="null"/> for none.</summary>
/// <param name="Completed">On completion.</param>
/// <param name="Failed">On failure.</param>
/// <param name="Escalated">On escalation.</param>
/// <param name="TimedOut">On timeout.</param>
public sealed record LifecycleSubjects(string? Completed = null, string? Failed = null, string? Escalated = null, string? TimedOut = null)
{
    /// <summary>
    /// The subject prefix of the flow's <see cref="ExecutionEvent"/>s (started, step, waiting, paused,
    /// resumed, cancelled, retried, ended, approved, rejected), published on <c>&lt;prefix&gt;.&lt;kind&gt;</c>;
    /// none when <see langword="null"/>. <c>[Flow(Events = "...")]</c> sets it.
    /// </summary>
    public string? Events { get; init; }

    /// <summary>No lifecycle events.</summary>
    public static LifecycleSubjects None { get; } = new();

    internal string? For(ExecutionStatus status) => status switch
    {
        ExecutionStatus.Completed => Completed,
        ExecutionStatus.Failed => Failed,
        ExecutionStatus.Escalated => Escalated,
        ExecutionStatus.TimedOut => TimedOut,
        _ => null,
    };
}
