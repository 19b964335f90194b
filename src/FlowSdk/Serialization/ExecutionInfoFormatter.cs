using System.Buffers;
using System.ComponentModel;
using MessagePack;

namespace FlowSdk.Internal;

/// <summary>
/// Reads and writes an execution's bookkeeping as a MessagePack map with string keys; times are
/// MessagePack timestamps (UTC). Generated state formatters call it for the <c>$execution</c> member.
/// Keys are PascalCase, as user members' are (<c>Id</c>, <c>Status</c>, <c>Timeline</c>, ...);
/// earlier versions wrote them camelCase (<c>id</c>, <c>status</c>, ...), which is still read, so stored executions load.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ExecutionInfoFormatter
{
    /// <summary>The key the execution's bookkeeping is stored under in a state map.</summary>
    public const string Key = "$execution";

    /// <summary>Writes <paramref name="info"/>.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="info">The bookkeeping.</param>
    public static void Write(ref MessagePackWriter writer, ExecutionInfo info)
    {
        // The parking keys are written only when they hold something, so an execution that never
        // parked a message or recorded a message id is stored exactly as before they existed.
        // So are the dropped-timeline keys: an execution whose timeline was never trimmed is stored as before.
        var dropped = info.DroppedTimelineEntries > 0;
        writer.WriteMapHeader(16 + (info.Parked.Count > 0 ? 1 : 0) + (info.Handled.Count > 0 ? 1 : 0) + (dropped ? 2 : 0) + ApprovalFormatter.Keys(info) + FanOutFormatter.Keys(info));
        writer.Write("Id");
        writer.Write(info.Id);
        writer.Write("Flow");
        writer.Write(info.Flow);
        writer.Write("Phase");
        writer.Write(info.Phase);
        writer.Write("Status");
        writer.Write(StatusName(info.Status));
        writer.Write("StatusReason");
        writer.Write(info.StatusReason);
        writer.Write("Iteration");
        writer.Write(info.Iteration);
        writer.Write("CreatedAt");
        writer.Write(info.CreatedAt.UtcDateTime);
        writer.Write("UpdatedAt");
        writer.Write(info.UpdatedAt.UtcDateTime);
        writer.Write("Timeline");
        writer.WriteArrayHeader(info.Timeline.Count);
        foreach (var entry in info.Timeline)
        {
            WriteEntry(ref writer, entry);
        }

        if (dropped)
        {
            writer.Write("DroppedTimelineEntries");
            writer.Write(info.DroppedTimelineEntries);
            writer.Write("FirstTimelineEntryAt");
            WriteTime(ref writer, info.FirstTimelineEntryAt);
        }

        writer.Write("Deadline");
        WriteTime(ref writer, info.Deadline);
        writer.Write("PendingTaskId");
        writer.Write(info.PendingTaskId);
        writer.Write("PendingSince");
        WriteTime(ref writer, info.PendingSince);
        writer.Write("ChainedFirings");
        writer.Write(info.ChainedFirings);
        writer.Write("Rules");
        writer.WriteMapHeader(info.Rules.Count);
        foreach (var (rule, counter) in info.Rules.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            writer.Write(rule);
            writer.WriteArrayHeader(2);
            writer.Write(counter.Firings);
            writer.Write(counter.LastFiredAt.UtcDateTime);
        }

        writer.Write("PublishedOnly");
        writer.Write(info.PublishedOnly);
        writer.Write("Outbox");
        writer.WriteArrayHeader(info.Outbox.Count);
        foreach (var message in info.Outbox)
        {
            writer.WriteArrayHeader(4);
            writer.Write(message.Subject);
            writer.Write(message.MessageType);
            writer.Write(message.Payload.Span);
            writer.Write(message.MessageId);
        }

        if (info.Parked.Count > 0)
        {
            writer.Write("Parked");
            writer.WriteArrayHeader(info.Parked.Count);
            foreach (var parked in info.Parked)
            {
                writer.WriteArrayHeader(5);
                writer.Write(parked.Subject);
                writer.Write(parked.Payload);
                writer.Write(parked.MessageId);
                writer.Write(parked.ParkedAt.UtcDateTime);
                writer.Write(parked.Reason);
            }
        }

        if (info.Handled.Count > 0)
        {
            writer.Write("Handled");
            writer.WriteArrayHeader(info.Handled.Count);
            foreach (var id in info.Handled)
            {
                writer.Write(id);
            }
        }

        ApprovalFormatter.Write(ref writer, info);
        FanOutFormatter.Write(ref writer, info);
    }

    /// <summary>Writes an optional time as UTC, or nil.</summary>
    internal static void WriteTime(ref MessagePackWriter writer, DateTimeOffset? time)
    {
        if (time is { } value)
        {
            writer.Write(value.UtcDateTime);
        }
        else
        {
            writer.WriteNil();
        }
    }

    /// <summary>Reads what <see cref="WriteTime"/> wrote.</summary>
    internal static DateTimeOffset? ReadTime(ref MessagePackReader reader)
        => reader.TryReadNil() ? null : new DateTimeOffset(reader.ReadDateTime());

    /// <summary>Reads bookkeeping written by <see cref="Write"/> into <paramref name="info"/>; unknown keys are skipped.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="info">The bookkeeping to fill.</param>
    /// <param name="options">The serializer options; not read (FlowSdk applies the untrusted-data limits itself), so <see langword="null"/> will do.</param>
    public static void Read(ref MessagePackReader reader, ExecutionInfo info, MessagePackSerializerOptions options)
    {
        FlowSdk.Internal.WireFormat.EnterDepth(ref reader);
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            switch (reader.ReadString())
            {
                case "Id" or "id": info.Id = reader.ReadString() ?? ""; break;
                case "Flow" or "flow": info.Flow = reader.ReadString() ?? ""; break;
                case "Phase" or "phase": info.Phase = reader.ReadString() ?? ""; break;
                case "Status" or "status": info.Status = ParseStatus(reader.ReadString()); break;
                case "StatusReason" or "statusReason": info.StatusReason = reader.ReadString(); break;
                case "Iteration" or "iteration": info.Iteration = reader.ReadInt32(); break;
                case "CreatedAt" or "createdAt": info.CreatedAt = new DateTimeOffset(reader.ReadDateTime()); break;
                case "UpdatedAt" or "updatedAt": info.UpdatedAt = new DateTimeOffset(reader.ReadDateTime()); break;
                case "Timeline" or "timeline":
                    var n = reader.ReadArrayHeader();
                    var entries = new List<TimelineEntry>(Math.Min(n, 1024));
                    for (var j = 0; j < n; j++)
                    {
                        entries.Add(ReadEntry(ref reader, options));
                    }

                    info.Restore(entries);
                    break;
                case "DroppedTimelineEntries": info.DroppedTimelineEntries = reader.ReadInt64(); break;
                case "FirstTimelineEntryAt": info.FirstTimelineEntryAt = ReadTime(ref reader); break;
                case "Deadline" or "deadline": info.Deadline = ReadTime(ref reader); break;
                case "PendingTaskId" or "pendingTaskId": info.PendingTaskId = reader.ReadString(); break;
                case "PendingSince" or "pendingSince": info.PendingSince = ReadTime(ref reader); break;
                case "ChainedFirings" or "chainedFirings": info.ChainedFirings = reader.ReadInt32(); break;
                case "PublishedOnly" or "publishedOnly": info.PublishedOnly = reader.ReadBoolean(); break;
                case "Rules" or "rules":
                    var rules = reader.ReadMapHeader();
                    for (var j = 0; j < rules; j++)
                    {
                        var name = reader.ReadString() ?? "";
                        if (reader.ReadArrayHeader() != 2)
                        {
                            throw new MessagePackSerializationException("A rule counter is an array of two: firings and last firing time.");
                        }

                        info.RestoreRule(name, new RuleCounter(reader.ReadInt32(), new DateTimeOffset(reader.ReadDateTime())));
                    }

                    break;
                case "Outbox" or "outbox":
                    var messages = reader.ReadArrayHeader();
                    info.Outbox.Clear();
                    for (var j = 0; j < messages; j++)
                    {
                        if (reader.ReadArrayHeader() != 4)
                        {
                            throw new MessagePackSerializationException("An outbox message is an array of four: subject, type, payload and message id.");
                        }

                        var subject = reader.ReadString() ?? "";
                        var type = reader.ReadString() ?? "";
                        var payload = reader.ReadBytes()?.ToArray() ?? [];
                        var id = reader.ReadString() ?? "";
                        info.Outbox.Add(new OutgoingMessage(subject, type, payload) { MessageId = id });
                    }

                    break;
                case "Parked" or "parked":
                    var parkedCount = reader.ReadArrayHeader();
                    info.Parked.Clear();
                    for (var j = 0; j < parkedCount; j++)
                    {
                        if (reader.ReadArrayHeader() != 5)
                        {
                            throw new MessagePackSerializationException("A parked message is an array of five: subject, payload, message id, time and reason.");
                        }

                        var subject = reader.ReadString() ?? "";
                        var payload = reader.ReadBytes()?.ToArray() ?? [];
                        var id = reader.ReadString() ?? "";
                        var at = new DateTimeOffset(reader.ReadDateTime());
                        var reason = reader.ReadString() ?? "";
                        info.Parked.Add(new ParkedMessage(subject, payload, id, at, reason));
                    }

                    break;
                case "Handled" or "handled":
                    var handledCount = reader.ReadArrayHeader();
                    info.Handled.Clear();
                    for (var j = 0; j < handledCount; j++)
                    {
                        info.Handled.Add(reader.ReadString() ?? "");
                    }

                    break;
                case ApprovalFormatter.RequestKey: info.PendingApproval = ApprovalFormatter.ReadRequest(ref reader); break;
                case ApprovalFormatter.LastKey: info.LastApproval = ApprovalFormatter.ReadDecision(ref reader); break;
                case FanOutFormatter.GroupsKey: FanOutFormatter.ReadGroups(ref reader, info); break;
                case FanOutFormatter.ParentKey: info.FanOutParent = FanOutFormatter.ReadParent(ref reader); break;
                default: reader.Skip(); break;
            }
        }

        // What was stored has had its lifecycle events: only later changes get new ones.
        info.EventsFrom = info.TimelineEntriesRecorded;
        info.StoredStatus = info.Status;
        reader.Depth--;
    }

    private static void WriteEntry(ref MessagePackWriter writer, TimelineEntry entry)
    {
        // The reason is written only when there is one, so firings are stored exactly as before it existed.
        writer.WriteMapHeader(entry.Reason is null ? 8 : 9);
        writer.Write("At");
        writer.Write(entry.At.UtcDateTime);
        writer.Write("Rule");
        writer.Write(entry.Rule);
        writer.Write("Trigger");
        writer.Write(TriggerName(entry.Trigger));
        writer.Write("Source");
        writer.Write(entry.Source);
        writer.Write("Action");
        writer.Write(ActionName(entry.Action));
        writer.Write("PhaseBefore");
        writer.Write(entry.PhaseBefore);
        writer.Write("PhaseAfter");
        writer.Write(entry.PhaseAfter);
        writer.Write("Iteration");
        writer.Write(entry.Iteration);
        if (entry.Reason is not null)
        {
            writer.Write("Reason");
            writer.Write(entry.Reason);
        }
    }

    private static TimelineEntry ReadEntry(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        FlowSdk.Internal.WireFormat.EnterDepth(ref reader);
        DateTimeOffset at = default;
        string rule = "", source = "", before = "", after = "";
        string? reason = null;
        var trigger = TriggerKind.Message;
        var action = RuleAction.Mutate;
        var iteration = 0;
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            switch (reader.ReadString())
            {
                case "At" or "at": at = new DateTimeOffset(reader.ReadDateTime()); break;
                case "Rule" or "rule": rule = reader.ReadString() ?? ""; break;
                case "Trigger" or "trigger": trigger = ParseTrigger(reader.ReadString()); break;
                case "Source" or "source": source = reader.ReadString() ?? ""; break;
                case "Action" or "action": action = ParseAction(reader.ReadString()); break;
                case "PhaseBefore" or "phaseBefore": before = reader.ReadString() ?? ""; break;
                case "PhaseAfter" or "phaseAfter": after = reader.ReadString() ?? ""; break;
                case "Iteration" or "iteration": iteration = reader.ReadInt32(); break;
                case "Reason" or "reason": reason = reader.ReadString(); break;
                default: reader.Skip(); break;
            }
        }

        reader.Depth--;
        return new TimelineEntry(at, rule, trigger, source, action, before, after, iteration) { Reason = reason };
    }

    internal static string StatusName(ExecutionStatus status) => status switch
    {
        ExecutionStatus.Running => "Running",
        ExecutionStatus.Waiting => "Waiting",
        ExecutionStatus.Completed => "Completed",
        ExecutionStatus.Failed => "Failed",
        ExecutionStatus.Escalated => "Escalated",
        ExecutionStatus.TimedOut => "TimedOut",
        ExecutionStatus.Paused => "Paused",
        ExecutionStatus.Cancelled => "Cancelled",
        ExecutionStatus.WaitingForApproval => "WaitingForApproval",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    internal static ExecutionStatus ParseStatus(string? name) => name switch
    {
        "Running" => ExecutionStatus.Running,
        "Waiting" => ExecutionStatus.Waiting,
        "Completed" => ExecutionStatus.Completed,
        "Failed" => ExecutionStatus.Failed,
        "Escalated" => ExecutionStatus.Escalated,
        "TimedOut" => ExecutionStatus.TimedOut,
        "Paused" => ExecutionStatus.Paused,
        "Cancelled" => ExecutionStatus.Cancelled,
        "WaitingForApproval" => ExecutionStatus.WaitingForApproval,
        _ => throw new MessagePackSerializationException($"'{name}' is not an execution status."),
    };

    private static string TriggerName(TriggerKind kind) => kind switch
    {
        TriggerKind.Message => "Message",
        TriggerKind.State => "State",
        TriggerKind.MessageAndState => "MessageAndState",
        TriggerKind.Timer => "Timer",
        TriggerKind.Control => "Control",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static TriggerKind ParseTrigger(string? name) => name switch
    {
        "Message" => TriggerKind.Message,
        "State" => TriggerKind.State,
        "MessageAndState" => TriggerKind.MessageAndState,
        "Timer" => TriggerKind.Timer,
        "Control" => TriggerKind.Control,
        _ => throw new MessagePackSerializationException($"'{name}' is not a trigger kind."),
    };

    private static string ActionName(RuleAction action) => action switch
    {
        RuleAction.Mutate => "Mutate",
        RuleAction.Publish => "Publish",
        RuleAction.Complete => "Complete",
        RuleAction.Escalate => "Escalate",
        RuleAction.Fail => "Fail",
        RuleAction.Pause => "Pause",
        RuleAction.Resume => "Resume",
        RuleAction.Cancel => "Cancel",
        RuleAction.Retry => "Retry",
        RuleAction.RequestApproval => "RequestApproval",
        RuleAction.Approve => "Approve",
        RuleAction.Reject => "Reject",
        RuleAction.ApprovalVoid => "ApprovalVoid",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    private static RuleAction ParseAction(string? name) => name switch
    {
        "Mutate" => RuleAction.Mutate,
        "Publish" => RuleAction.Publish,
        "Complete" => RuleAction.Complete,
        "Escalate" => RuleAction.Escalate,
        "Fail" => RuleAction.Fail,
        "Pause" => RuleAction.Pause,
        "Resume" => RuleAction.Resume,
        "Cancel" => RuleAction.Cancel,
        "Retry" => RuleAction.Retry,
        "RequestApproval" => RuleAction.RequestApproval,
        "Approve" => RuleAction.Approve,
        "Reject" => RuleAction.Reject,
        "ApprovalVoid" => RuleAction.ApprovalVoid,
        _ => throw new MessagePackSerializationException($"'{name}' is not a rule action."),
    };
}
