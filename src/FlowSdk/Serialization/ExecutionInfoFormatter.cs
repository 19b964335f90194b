using System.Buffers;
using System.ComponentModel;
using MessagePack;
using MessagePack.Formatters;

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

    // The keys Write writes, in the order it writes them (the approval and fan-out keys apart); Read matches them by index.
    private static readonly byte[][] WrittenKeys =
    [
        "Id"u8.ToArray(), "Flow"u8.ToArray(), "Phase"u8.ToArray(), "Status"u8.ToArray(), "StatusReason"u8.ToArray(),
        "Iteration"u8.ToArray(), "CreatedAt"u8.ToArray(), "UpdatedAt"u8.ToArray(), "Timeline"u8.ToArray(),
        "DroppedTimelineEntries"u8.ToArray(), "FirstTimelineEntryAt"u8.ToArray(), "Deadline"u8.ToArray(),
        "PendingTaskId"u8.ToArray(), "PendingSince"u8.ToArray(), "ChainedFirings"u8.ToArray(), "Rules"u8.ToArray(),
        "PublishedOnly"u8.ToArray(), "Outbox"u8.ToArray(), "Parked"u8.ToArray(), "Handled"u8.ToArray(),
    ];

    /// <summary>Writes <paramref name="info"/>.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="info">The bookkeeping.</param>
    public static void Write(ref MessagePackWriter writer, ExecutionInfo info)
    {
        // The parking keys are written only when they hold something, so an execution that never
        // parked a message or recorded a message id is stored exactly as before they existed.
        // So are the dropped-timeline keys: an execution whose timeline was never trimmed is stored as before.
        // Keys and names are UTF-8 literals: the bytes are the same as writing the strings, without encoding them.
        var dropped = info.DroppedTimelineEntries > 0;
        writer.WriteMapHeader(16 + (info.ParkedCount > 0 ? 1 : 0) + (info.HandledCount > 0 ? 1 : 0) + (dropped ? 2 : 0) + ApprovalFormatter.Keys(info) + FanOutFormatter.Keys(info));
        writer.WriteString("Id"u8);
        writer.Write(info.Id);
        writer.WriteString("Flow"u8);
        writer.Write(info.Flow);
        writer.WriteString("Phase"u8);
        writer.Write(info.Phase);
        writer.WriteString("Status"u8);
        writer.WriteString(StatusUtf8(info.Status));
        writer.WriteString("StatusReason"u8);
        writer.Write(info.StatusReason);
        writer.WriteString("Iteration"u8);
        writer.Write(info.Iteration);
        writer.WriteString("CreatedAt"u8);
        writer.Write(info.CreatedAt.UtcDateTime);
        writer.WriteString("UpdatedAt"u8);
        writer.Write(info.UpdatedAt.UtcDateTime);
        writer.WriteString("Timeline"u8);
        var timeline = info.Timeline;
        writer.WriteArrayHeader(timeline.Count);
        for (var i = 0; i < timeline.Count; i++)
        {
            WriteEntry(ref writer, timeline[i]);
        }

        if (dropped)
        {
            writer.WriteString("DroppedTimelineEntries"u8);
            writer.Write(info.DroppedTimelineEntries);
            writer.WriteString("FirstTimelineEntryAt"u8);
            WriteTime(ref writer, info.FirstTimelineEntryAt);
        }

        writer.WriteString("Deadline"u8);
        WriteTime(ref writer, info.Deadline);
        writer.WriteString("PendingTaskId"u8);
        writer.Write(info.PendingTaskId);
        writer.WriteString("PendingSince"u8);
        WriteTime(ref writer, info.PendingSince);
        writer.WriteString("ChainedFirings"u8);
        writer.Write(info.ChainedFirings);
        writer.WriteString("Rules"u8);

        // Kept in ordinal order of the names, the order they are stored in.
        var rules = info.RuleCounters;
        writer.WriteMapHeader(rules.Count);
        for (var i = 0; i < rules.Count; i++)
        {
            var counter = rules.CounterAt(i);
            writer.Write(rules.NameAt(i));
            writer.WriteArrayHeader(2);
            writer.Write(counter.Firings);
            writer.Write(counter.LastFiredAt.UtcDateTime);
        }

        writer.WriteString("PublishedOnly"u8);
        writer.Write(info.PublishedOnly);
        writer.WriteString("Outbox"u8);
        writer.WriteArrayHeader(info.OutboxCount);
        if (info.OutboxCount > 0)
        {
            foreach (var message in info.Outbox)
            {
                writer.WriteArrayHeader(4);
                writer.Write(message.Subject);
                writer.Write(message.MessageType);
                writer.Write(message.Payload.Span);
                writer.Write(message.MessageId);
            }
        }

        if (info.ParkedCount > 0)
        {
            writer.WriteString("Parked"u8);
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

        if (info.HandledCount > 0)
        {
            writer.WriteString("Handled"u8);
            var handled = info.Handled;
            writer.WriteArrayHeader(handled.Count);
            for (var i = 0; i < handled.Count; i++)
            {
                writer.Write(handled[i]);
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
        // The state's own bookkeeping (in the outermost map of the very bytes ReadKept reads) while
        // ReadKept reads a state whose bookkeeping is kept: taken over instead of read. A generated state
        // formatter writes it last, so its bytes are the rest of the value: passed over at once rather
        // than skipped value by value. Were it not last, the state's formatter would find no more keys
        // where it expects some and fail, and ReadKept reads the bytes as usual instead.
        if (t_kept is { } kept && reader.Depth == 1 && reader.Sequence.First.Equals(t_keptBytes))
        {
            t_kept = null;
            t_keptBytes = default;
            reader.ReadRaw(reader.Sequence.Length - reader.Consumed);
            info.TakeFrom(kept);
            return;
        }

        FlowSdk.Internal.WireFormat.EnterDepth(ref reader);
        var count = reader.ReadMapHeader();
        var next = 0;
        for (var i = 0; i < count; i++)
        {
            // The keys this version writes are matched on their UTF-8 bytes, with no string made for them:
            // first against the key written after the last one read (a single comparison for a value this
            // version wrote), then against them all. Any other key (an earlier version's camelCase, the
            // approval and fan-out keys) by its name.
            var key = ReadKey(ref reader);
            var known = next < WrittenKeys.Length && key.SequenceEqual(WrittenKeys[next]) ? next : IndexOfWrittenKey(key);
            next = known + 1;
            switch (known)
            {
                case 0: info.Id = reader.ReadString() ?? ""; break;
                case 1: info.Flow = reader.ReadString() ?? ""; break;
                case 2: info.Phase = reader.ReadString() ?? ""; break;
                case 3: info.Status = ReadStatus(ref reader); break;
                case 4: info.StatusReason = reader.ReadString(); break;
                case 5: info.Iteration = reader.ReadInt32(); break;
                case 6: info.CreatedAt = new DateTimeOffset(reader.ReadDateTime()); break;
                case 7: info.UpdatedAt = new DateTimeOffset(reader.ReadDateTime()); break;
                case 8: ReadTimeline(ref reader, info, options); break;
                case 9: info.DroppedTimelineEntries = reader.ReadInt64(); break;
                case 10: info.FirstTimelineEntryAt = ReadTime(ref reader); break;
                case 11: info.Deadline = ReadTime(ref reader); break;
                case 12: info.PendingTaskId = reader.ReadString(); break;
                case 13: info.PendingSince = ReadTime(ref reader); break;
                case 14: info.ChainedFirings = reader.ReadInt32(); break;
                case 15: ReadRules(ref reader, info); break;
                case 16: info.PublishedOnly = reader.ReadBoolean(); break;
                case 17: ReadOutbox(ref reader, info); break;
                case 18: ReadParked(ref reader, info); break;
                case 19: ReadHandled(ref reader, info); break;
                default:
                    next = 0;
                    ReadOther(ref reader, info, key.IsEmpty ? null : System.Text.Encoding.UTF8.GetString(key), options);
                    break;
            }
        }

        // What was stored has had its lifecycle events: only later changes get new ones.
        info.EventsFrom = info.TimelineEntriesRecorded;
        info.StoredStatus = info.Status;
        reader.Depth--;
    }

    /// <summary>
    /// Reads a state with <paramref name="formatter"/> from <paramref name="bytes"/>, taking its bookkeeping
    /// from <paramref name="kept"/> instead of reading it: a <see cref="ExecutionInfo.StoredCopy"/> of
    /// the bookkeeping those very bytes hold, which nothing else uses. The state's own members are read
    /// from the bytes as always (so members the serialization leaves out get what a read gives them);
    /// only the bookkeeping, which the runtime owns and copies exactly, is not decoded again.
    /// </summary>
    internal static T ReadKept<T>(IMessagePackFormatter<T> formatter, ReadOnlyMemory<byte> bytes, ExecutionInfo kept)
    {
        t_kept = kept;
        t_keptBytes = bytes;
        try
        {
            return FlowSerializer.Deserialize(formatter, bytes);
        }
        catch (MessagePackSerializationException)
        {
            // The bookkeeping was not the last member (a formatter not generated by this version), or the
            // bytes are bad: read them as usual, which reports bad bytes as any read does.
            t_kept = null;
            return FlowSerializer.Deserialize(formatter, bytes);
        }
        finally
        {
            // Not taken when the formatter read no bookkeeping at the outermost level: it was read from the bytes then.
            t_kept = null;
            t_keptBytes = default;
        }
    }

    [ThreadStatic]
    private static ExecutionInfo? t_kept;

    [ThreadStatic]
    private static ReadOnlyMemory<byte> t_keptBytes;

    /// <summary>The index of <paramref name="key"/> in <see cref="WrittenKeys"/>, or -1.</summary>
    private static int IndexOfWrittenKey(ReadOnlySpan<byte> key) => IndexOf(key, WrittenKeys);

    /// <summary>
    /// A map key of the bookkeeping: its UTF-8 bytes (valid until the reader moves on), or empty for nil.
    /// A key of another type is refused, as reading it as a string would.
    /// </summary>
    private static ReadOnlySpan<byte> ReadKey(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return default;
        }

        if (reader.NextMessagePackType != MessagePackType.String)
        {
            throw new MessagePackSerializationException($"An execution's bookkeeping has a key of type {reader.NextMessagePackType}; its keys are strings.");
        }

        return FlowSdk.Internal.WireFormat.ReadKey(ref reader);
    }

    /// <summary>The keys <see cref="Read"/> does not match on their bytes: earlier versions' names and the rarer keys.</summary>
    private static void ReadOther(ref MessagePackReader reader, ExecutionInfo info, string? key, MessagePackSerializerOptions options)
    {
        switch (key)
        {
            case "id": info.Id = reader.ReadString() ?? ""; break;
            case "flow": info.Flow = reader.ReadString() ?? ""; break;
            case "phase": info.Phase = reader.ReadString() ?? ""; break;
            case "status": info.Status = ReadStatus(ref reader); break;
            case "statusReason": info.StatusReason = reader.ReadString(); break;
            case "iteration": info.Iteration = reader.ReadInt32(); break;
            case "createdAt": info.CreatedAt = new DateTimeOffset(reader.ReadDateTime()); break;
            case "updatedAt": info.UpdatedAt = new DateTimeOffset(reader.ReadDateTime()); break;
            case "timeline": ReadTimeline(ref reader, info, options); break;
            case "deadline": info.Deadline = ReadTime(ref reader); break;
            case "pendingTaskId": info.PendingTaskId = reader.ReadString(); break;
            case "pendingSince": info.PendingSince = ReadTime(ref reader); break;
            case "chainedFirings": info.ChainedFirings = reader.ReadInt32(); break;
            case "publishedOnly": info.PublishedOnly = reader.ReadBoolean(); break;
            case "rules": ReadRules(ref reader, info); break;
            case "outbox": ReadOutbox(ref reader, info); break;
            case "Parked" or "parked": ReadParked(ref reader, info); break;
            case "Handled" or "handled": ReadHandled(ref reader, info); break;
            case ApprovalFormatter.RequestKey: info.PendingApproval = ApprovalFormatter.ReadRequest(ref reader); break;
            case ApprovalFormatter.LastKey: info.LastApproval = ApprovalFormatter.ReadDecision(ref reader); break;
            case FanOutFormatter.GroupsKey: FanOutFormatter.ReadGroups(ref reader, info); break;
            case FanOutFormatter.ParentKey: info.FanOutParent = FanOutFormatter.ReadParent(ref reader); break;
            default: reader.Skip(); break;
        }
    }

    private static void ReadParked(ref MessagePackReader reader, ExecutionInfo info)
    {
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
    }

    private static void ReadHandled(ref MessagePackReader reader, ExecutionInfo info)
    {
        var handledCount = reader.ReadArrayHeader();
        var handled = info.Handled;
        handled.Clear();
        handled.EnsureCapacity(Math.Min(handledCount, 1024));
        for (var j = 0; j < handledCount; j++)
        {
            handled.Add(reader.ReadString() ?? "");
        }
    }

    private static void ReadTimeline(ref MessagePackReader reader, ExecutionInfo info, MessagePackSerializerOptions options)
    {
        var n = reader.ReadArrayHeader();
        var entries = info.TimelineToRead(Math.Min(n, 1024));
        TimelineEntry? previous = null;
        for (var j = 0; j < n; j++)
        {
            previous = ReadEntry(ref reader, options, previous, info.Phase);
            entries.Add(previous);
        }
    }

    private static void ReadRules(ref MessagePackReader reader, ExecutionInfo info)
    {
        var rules = reader.ReadMapHeader();
        for (var j = 0; j < rules; j++)
        {
            // Mostly the rule of the last timeline entry.
            var name = ReadStringLike(ref reader, info.Timeline.Count > 0 ? info.Timeline[^1].Rule : null, null) ?? "";
            if (reader.ReadArrayHeader() != 2)
            {
                throw new MessagePackSerializationException("A rule counter is an array of two: firings and last firing time.");
            }

            info.RestoreRule(name, new RuleCounter(reader.ReadInt32(), new DateTimeOffset(reader.ReadDateTime())));
        }
    }

    private static void ReadOutbox(ref MessagePackReader reader, ExecutionInfo info)
    {
        var messages = reader.ReadArrayHeader();
        if (info.OutboxCount > 0)
        {
            info.Outbox.Clear();
        }

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
    }

    private static void WriteEntry(ref MessagePackWriter writer, TimelineEntry entry)
    {
        // The reason is written only when there is one, so firings are stored exactly as before it existed.
        writer.WriteMapHeader(entry.Reason is null ? 8 : 9);
        writer.WriteString("At"u8);
        writer.Write(entry.At.UtcDateTime);
        writer.WriteString("Rule"u8);
        writer.Write(entry.Rule);
        writer.WriteString("Trigger"u8);
        writer.WriteString(TriggerUtf8(entry.Trigger));
        writer.WriteString("Source"u8);
        writer.Write(entry.Source);
        writer.WriteString("Action"u8);
        writer.WriteString(ActionUtf8(entry.Action));
        writer.WriteString("PhaseBefore"u8);
        writer.Write(entry.PhaseBefore);
        writer.WriteString("PhaseAfter"u8);
        writer.Write(entry.PhaseAfter);
        writer.WriteString("Iteration"u8);
        writer.Write(entry.Iteration);
        if (entry.Reason is not null)
        {
            writer.WriteString("Reason"u8);
            writer.Write(entry.Reason);
        }
    }

    // The keys WriteEntry writes, in the order it writes them; ReadEntry matches them by index.
    private static readonly byte[][] EntryKeys =
    [
        "At"u8.ToArray(), "Rule"u8.ToArray(), "Trigger"u8.ToArray(), "Source"u8.ToArray(), "Action"u8.ToArray(),
        "PhaseBefore"u8.ToArray(), "PhaseAfter"u8.ToArray(), "Iteration"u8.ToArray(), "Reason"u8.ToArray(),
    ];

    /// <summary>The index of <paramref name="key"/> in <paramref name="keys"/>, or -1.</summary>
    private static int IndexOf(ReadOnlySpan<byte> key, byte[][] keys)
    {
        for (var i = 0; i < keys.Length; i++)
        {
            if (key.SequenceEqual(keys[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Reads a string, or returns one of <paramref name="a"/> and <paramref name="b"/> when it has their
    /// characters: the entries of a timeline mostly repeat the rule, source and phases of the entry before,
    /// which then are not decoded and allocated again. Strings are immutable, so sharing one changes nothing
    /// a reader can see. Only ASCII text is compared; any other is read as before.
    /// </summary>
    private static string? ReadStringLike(ref MessagePackReader reader, string? a, string? b)
    {
        if (reader.TryReadStringSpan(out var utf8))
        {
            if (a is not null && System.Text.Ascii.Equals(utf8, a))
            {
                return a;
            }

            if (b is not null && System.Text.Ascii.Equals(utf8, b))
            {
                return b;
            }

            return System.Text.Encoding.UTF8.GetString(utf8);
        }

        // Nil, or a string across buffer segments.
        return reader.ReadString();
    }

    /// <summary>Reads a timeline entry; <paramref name="previous"/> (the entry before it) and <paramref name="phase"/> (the execution's) are strings it may share.</summary>
    private static TimelineEntry ReadEntry(ref MessagePackReader reader, MessagePackSerializerOptions options, TimelineEntry? previous, string phase)
    {
        FlowSdk.Internal.WireFormat.EnterDepth(ref reader);
        DateTimeOffset at = default;
        string rule = "", source = "", before = "", after = "";
        string? reason = null;
        var trigger = TriggerKind.Message;
        var action = RuleAction.Mutate;
        var iteration = 0;
        var count = reader.ReadMapHeader();
        var next = 0;
        for (var i = 0; i < count; i++)
        {
            // As in Read: first against the key written after the last one read, then against them all.
            var key = ReadKey(ref reader);
            var known = next < EntryKeys.Length && key.SequenceEqual(EntryKeys[next]) ? next : IndexOf(key, EntryKeys);
            next = known + 1;
            switch (known)
            {
                case 0: at = new DateTimeOffset(reader.ReadDateTime()); break;
                case 1: rule = ReadStringLike(ref reader, previous?.Rule, null) ?? ""; break;
                case 2: trigger = ReadTrigger(ref reader); break;
                case 3: source = ReadStringLike(ref reader, previous?.Source, null) ?? ""; break;
                case 4: action = ReadAction(ref reader); break;
                case 5: before = ReadStringLike(ref reader, previous?.PhaseAfter ?? phase, previous?.PhaseBefore) ?? ""; break;
                case 6: after = ReadStringLike(ref reader, before, previous?.PhaseAfter) ?? ""; break;
                case 7: iteration = reader.ReadInt32(); break;
                case 8: reason = reader.ReadString(); break;
                default:
                    // An earlier version's camelCase names.
                    next = 0;
                    switch (key.IsEmpty ? null : System.Text.Encoding.UTF8.GetString(key))
                    {
                        case "at": at = new DateTimeOffset(reader.ReadDateTime()); break;
                        case "rule": rule = reader.ReadString() ?? ""; break;
                        case "trigger": trigger = ReadTrigger(ref reader); break;
                        case "source": source = reader.ReadString() ?? ""; break;
                        case "action": action = ReadAction(ref reader); break;
                        case "phaseBefore": before = reader.ReadString() ?? ""; break;
                        case "phaseAfter": after = reader.ReadString() ?? ""; break;
                        case "iteration": iteration = reader.ReadInt32(); break;
                        case "reason": reason = reader.ReadString(); break;
                        default: reader.Skip(); break;
                    }

                    break;
            }
        }

        reader.Depth--;
        return new TimelineEntry(at, rule, trigger, source, action, before, after, iteration) { Reason = reason };
    }

    /// <summary>
    /// A name written as a string, as UTF-8 bytes valid until the reader moves on; empty for nil (which no
    /// name is, so the parse that follows refuses it).
    /// </summary>
    private static ReadOnlySpan<byte> ReadName(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return default;
        }

        if (reader.TryReadStringSpan(out var span))
        {
            return span;
        }

        return reader.ReadStringSequence()!.Value.ToArray();
    }

    // Every value, the ones most executions and entries hold first: a name is matched on its bytes
    // against the names the values are written as, so each name is spelled once, in the tables below.
    private static readonly ExecutionStatus[] Statuses =
    [
        ExecutionStatus.Running, ExecutionStatus.Waiting, ExecutionStatus.Completed, ExecutionStatus.Failed, ExecutionStatus.Escalated,
        ExecutionStatus.TimedOut, ExecutionStatus.Paused, ExecutionStatus.Cancelled, ExecutionStatus.WaitingForApproval,
    ];

    private static readonly TriggerKind[] Triggers =
    [
        TriggerKind.MessageAndState, TriggerKind.Message, TriggerKind.State, TriggerKind.Timer, TriggerKind.Control,
    ];

    private static readonly RuleAction[] Actions =
    [
        RuleAction.Mutate, RuleAction.Publish, RuleAction.Complete, RuleAction.Fail, RuleAction.Escalate, RuleAction.Pause,
        RuleAction.Resume, RuleAction.Cancel, RuleAction.Retry, RuleAction.RequestApproval, RuleAction.Approve, RuleAction.Reject,
        RuleAction.ApprovalVoid,
    ];

    /// <summary>Reads an execution status stored as its name.</summary>
    internal static ExecutionStatus ReadStatus(ref MessagePackReader reader) => ReadName(ref reader, Statuses, StatusUtf8, "an execution status");

    private static TriggerKind ReadTrigger(ref MessagePackReader reader) => ReadName(ref reader, Triggers, TriggerUtf8, "a trigger kind");

    private static RuleAction ReadAction(ref MessagePackReader reader) => ReadName(ref reader, Actions, ActionUtf8, "a rule action");

    /// <summary>Reads a value stored as its name; a name of no value is refused, naming it.</summary>
    private static T ReadName<T>(ref MessagePackReader reader, T[] values, Utf8Name<T> utf8, string what)
    {
        var name = ReadName(ref reader);
        foreach (var value in values)
        {
            if (name.SequenceEqual(utf8(value)))
            {
                return value;
            }
        }

        throw new MessagePackSerializationException($"'{(name.IsEmpty ? null : System.Text.Encoding.UTF8.GetString(name))}' is not {what}.");
    }

    private delegate ReadOnlySpan<byte> Utf8Name<T>(T value);

    /// <summary>The name a status is stored as, in UTF-8.</summary>
    internal static ReadOnlySpan<byte> StatusUtf8(ExecutionStatus status) => status switch
    {
        ExecutionStatus.Running => "Running"u8,
        ExecutionStatus.Waiting => "Waiting"u8,
        ExecutionStatus.Completed => "Completed"u8,
        ExecutionStatus.Failed => "Failed"u8,
        ExecutionStatus.Escalated => "Escalated"u8,
        ExecutionStatus.TimedOut => "TimedOut"u8,
        ExecutionStatus.Paused => "Paused"u8,
        ExecutionStatus.Cancelled => "Cancelled"u8,
        ExecutionStatus.WaitingForApproval => "WaitingForApproval"u8,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    private static ReadOnlySpan<byte> TriggerUtf8(TriggerKind kind) => kind switch
    {
        TriggerKind.Message => "Message"u8,
        TriggerKind.State => "State"u8,
        TriggerKind.MessageAndState => "MessageAndState"u8,
        TriggerKind.Timer => "Timer"u8,
        TriggerKind.Control => "Control"u8,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static ReadOnlySpan<byte> ActionUtf8(RuleAction action) => action switch
    {
        RuleAction.Mutate => "Mutate"u8,
        RuleAction.Publish => "Publish"u8,
        RuleAction.Complete => "Complete"u8,
        RuleAction.Escalate => "Escalate"u8,
        RuleAction.Fail => "Fail"u8,
        RuleAction.Pause => "Pause"u8,
        RuleAction.Resume => "Resume"u8,
        RuleAction.Cancel => "Cancel"u8,
        RuleAction.Retry => "Retry"u8,
        RuleAction.RequestApproval => "RequestApproval"u8,
        RuleAction.Approve => "Approve"u8,
        RuleAction.Reject => "Reject"u8,
        RuleAction.ApprovalVoid => "ApprovalVoid"u8,
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };
}
