using System.Buffers;
using MessagePack;
using MessagePack.Formatters;

namespace FlowSdk;

/// <summary>A group a firing asked to fan out, with its start messages.</summary>
internal sealed record FanOutRequest(FanOutGroup Group, List<OutgoingMessage> Messages);

/// <summary>
/// Fan-out in a firing: the parent's side (recording the group with the messages that start the
/// children, in the firing's commit) and the child's side (reporting its end to the parent, in the
/// commit that ends it).
/// </summary>
internal static class FanOutSteps
{
    /// <summary>
    /// Records the groups the firing fanned out and puts their start messages in its outbox. A group
    /// the execution already started is left as it is: a parent never fans out a group twice.
    /// </summary>
    public static void Start(ExecutionInfo execution, RuleContext context, DateTimeOffset now)
    {
        if (context.FanOutRequests is not { } requests)
        {
            return;
        }

        foreach (var request in requests)
        {
            if (execution.FindFanOut(request.Group.Name) is not null)
            {
                // Counted: the children asked for again are not started (a retry, or a rule that fans
                // out a group the execution already fanned out).
                FlowSdkDiagnostics.FanOut.Add(request.Messages.Count, new("flow", context.FlowId), new("group", request.Group.Name), new("outcome", "repeated"));
                continue;
            }

            var record = new FanOutRecord
            {
                Name = request.Group.Name,
                Mode = request.Group.Mode,
                Expected = request.Messages.Count,
                StartedAt = now,
                Deadline = request.Group.Timeout is { } timeout ? now + timeout : null,
            };
            if (record.Expected == 0)
            {
                record.Finish(FanOutOutcome.AllEnded, now);
            }

            execution.FanOuts.Add(record);
            foreach (var message in request.Messages)
            {
                context.Outbox.Add(message);
            }

            FlowSdkDiagnostics.FanOut.Add(request.Messages.Count, new("flow", context.FlowId), new("group", record.Name), new("outcome", "started"));
        }
    }

    /// <summary>When the earliest waiting group of <paramref name="execution"/> times out, or <see langword="null"/>.</summary>
    public static DateTimeOffset? Due(ExecutionInfo execution)
    {
        DateTimeOffset? due = null;
        foreach (var group in execution.FanOuts)
        {
            if (group.FinishedAt is null && group.Deadline is { } deadline && (due is null || deadline < due))
            {
                due = deadline;
            }
        }

        return due;
    }

    /// <summary>A child that ends reports it to the group that started it, in the outbox of the commit that ends it.</summary>
    public static void Report(string flowId, ExecutionInfo execution, DateTimeOffset now, Outbox outbox)
    {
        if (execution.FanOutParent is not { } parent || !execution.Status.IsTerminal())
        {
            return;
        }

        var messages = new List<KeyValuePair<string, byte[]>>(outbox.Messages.Count);
        foreach (var message in outbox.Messages)
        {
            messages.Add(KeyValuePair.Create(message.Subject, message.Payload.ToArray()));
        }

        var end = new FanOutChildEnd(parent.Index, execution.Id, execution.Status, execution.Phase, execution.StatusReason, now, null);
        outbox.Add(FanOutReport.Port(parent.Flow), new FanOutReport(parent, flowId, end, messages));
    }
}

/// <summary>
/// What a child sends its parent when it ends (on <c>flowsdk.fanin.&lt;parent flow&gt;</c>): which group
/// and index it is, how it ended, and the messages its last firing published, among them its result.
/// </summary>
internal sealed record FanOutReport(FanOutParent Parent, string ChildFlow, FanOutChildEnd End, List<KeyValuePair<string, byte[]>> Messages)
{
    public static MessagePort<FanOutReport> Port(string parentFlow) => new(FanOutGroup.ReportSubject(parentFlow), Formatter.Instance);

    /// <summary>The result message's bytes: what the child published on the group's result subject.</summary>
    public byte[]? ResultFor(FanOutGroup group)
    {
        foreach (var (subject, payload) in Messages)
        {
            if (string.Equals(subject, group.ResultSubject, StringComparison.Ordinal))
            {
                return payload;
            }
        }

        return null;
    }

    public sealed class Formatter : IMessagePackFormatter<FanOutReport>
    {
        public static readonly Formatter Instance = new();

        public void Serialize(ref MessagePackWriter writer, FanOutReport value, MessagePackSerializerOptions options)
        {
            writer.WriteArrayHeader(7);
            writer.Write(value.Parent.Flow);
            writer.Write(value.Parent.ExecutionId);
            writer.Write(value.Parent.Group);
            writer.Write(value.Parent.Index);
            writer.Write(value.ChildFlow);
            FanOutFormatter.WriteEnd(ref writer, value.End);
            writer.WriteArrayHeader(value.Messages.Count);
            foreach (var (subject, payload) in value.Messages)
            {
                writer.WriteArrayHeader(2);
                writer.Write(subject);
                writer.Write(payload);
            }
        }

        public FanOutReport Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            Internal.WireFormat.EnterDepth(ref reader);
            if (reader.ReadArrayHeader() != 7)
            {
                throw new MessagePackSerializationException("A fan-in report is an array of seven: parent flow, parent execution, group, index, child flow, the child's end and its messages.");
            }

            var parent = new FanOutParent(reader.ReadString() ?? "", reader.ReadString() ?? "", reader.ReadString() ?? "", reader.ReadInt32());
            var childFlow = reader.ReadString() ?? "";
            var end = FanOutFormatter.ReadEnd(ref reader);
            var count = reader.ReadArrayHeader();
            var messages = new List<KeyValuePair<string, byte[]>>(Math.Min(count, 64));
            for (var i = 0; i < count; i++)
            {
                if (reader.ReadArrayHeader() != 2)
                {
                    throw new MessagePackSerializationException("A message of a fan-in report is an array of two: subject and payload.");
                }

                messages.Add(KeyValuePair.Create(reader.ReadString() ?? "", reader.ReadBytes()?.ToArray() ?? []));
            }

            reader.Depth--;
            return new FanOutReport(parent, childFlow, end, messages);
        }
    }
}
