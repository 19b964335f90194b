using System.Buffers;
using FlowSdk.Internal;
using MessagePack;

namespace FlowSdk.Tests;

/// <summary>
/// The keys of a state's <c>$execution</c> map (docs/nats.md): PascalCase like user members, and the
/// camelCase keys earlier versions wrote are still read, so executions stored by them load.
/// </summary>
public sealed class ExecutionInfoFormatterTests
{
    private static readonly DateTime Created = new(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void The_bookkeeping_is_written_with_PascalCase_keys()
    {
        var info = Sample();

        var keys = Keys(Write(info), out var timelineKeys);

        Assert.Equal(
            ["Id", "Flow", "Phase", "Status", "StatusReason", "Iteration", "CreatedAt", "UpdatedAt", "Timeline", "Deadline", "PendingTaskId",
             "PendingSince", "ChainedFirings", "Rules", "PublishedOnly", "Outbox", "Parked", "Handled"],
            keys);
        Assert.Equal(["At", "Rule", "Trigger", "Source", "Action", "PhaseBefore", "PhaseAfter", "Iteration", "Reason"], timelineKeys);
    }

    [Fact]
    public void Bookkeeping_written_with_PascalCase_keys_reads_back_whole()
    {
        var info = Sample();

        var copy = Read(Write(info));

        AssertSample(copy);
    }

    [Fact]
    public void A_pending_approval_and_the_last_decision_are_written_only_when_set_and_read_back_whole()
    {
        var info = Sample();
        Assert.DoesNotContain("PendingApproval", Keys(Write(info), out _));

        var at = new DateTimeOffset(Created);
        info.Status = ExecutionStatus.WaitingForApproval;
        info.PendingApproval = new ApprovalRequest("o-1.approval.3", "Ship", at, at.AddHours(3))
        {
            Subject = "orders.paid",
            Payload = [1, 2, 3],
            Decision = new ApprovalDecision("o-1.approval.3", "Ship", true, "alice", at.AddHours(1), "ok"),
        };
        info.LastApproval = new ApprovalDecision("o-1.approval.1", "Pay", false, "expiry", at, "expired");

        var bytes = Write(info);
        var copy = Read(bytes);

        Assert.Equal(["PendingApproval", "LastApproval"], Keys(bytes, out _)[^2..]);
        Assert.Equal(ExecutionStatus.WaitingForApproval, copy.Status);
        var request = copy.PendingApproval!;
        Assert.Equal(("o-1.approval.3", "Ship", at, at.AddHours(3)), (request.Id, request.Rule, request.RequestedAt, request.ExpiresAt));
        Assert.Equal("orders.paid", copy.PendingApproval.Subject);
        Assert.Equal([1, 2, 3], copy.PendingApproval.Payload);
        Assert.Equal(info.PendingApproval.Decision, copy.PendingApproval.Decision);
        Assert.Equal(info.LastApproval, copy.LastApproval);
    }

    [Fact]
    public void Bookkeeping_stored_by_earlier_versions_with_camelCase_keys_still_loads()
    {
        // The layout earlier versions wrote, key for key.
        var buffer = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        w.WriteMapHeader(18);
        w.Write("id"); w.Write("o-1");
        w.Write("flow"); w.Write("order");
        w.Write("phase"); w.Write("Paid");
        w.Write("status"); w.Write("Escalated");
        w.Write("statusReason"); w.Write("too large");
        w.Write("iteration"); w.Write(2);
        w.Write("createdAt"); w.Write(Created);
        w.Write("updatedAt"); w.Write(Created.AddMinutes(5));
        w.Write("timeline"); w.WriteArrayHeader(1);
        w.WriteMapHeader(9);
        w.Write("at"); w.Write(Created.AddMinutes(1));
        w.Write("rule"); w.Write("Pay");
        w.Write("trigger"); w.Write("Message");
        w.Write("source"); w.Write("orders.paid");
        w.Write("action"); w.Write("Escalate");
        w.Write("phaseBefore"); w.Write("Placed");
        w.Write("phaseAfter"); w.Write("Paid");
        w.Write("iteration"); w.Write(2);
        w.Write("reason"); w.Write("too large");
        w.Write("deadline"); w.Write(Created.AddHours(1));
        w.Write("pendingTaskId"); w.Write("t-9");
        w.Write("pendingSince"); w.Write(Created.AddMinutes(2));
        w.Write("chainedFirings"); w.Write(3);
        w.Write("rules"); w.WriteMapHeader(1); w.Write("Pay"); w.WriteArrayHeader(2); w.Write(4); w.Write(Created.AddMinutes(1));
        w.Write("publishedOnly"); w.Write(true);
        w.Write("outbox"); w.WriteArrayHeader(1);
        w.WriteArrayHeader(4); w.Write("orders.noticed"); w.Write("Noticed"); w.Write(new byte[] { 0x80 }); w.Write("m-1");
        w.Write("parked"); w.WriteArrayHeader(1);
        w.WriteArrayHeader(5); w.Write("orders.shipped"); w.Write(new byte[] { 0x81, 0xa1, 0x41, 0x01 }); w.Write("m-2"); w.Write(Created.AddMinutes(3)); w.Write("no rule fired");
        w.Write("handled"); w.WriteArrayHeader(2); w.Write("m-0"); w.Write("m-1");
        w.Flush();

        var info = Read(buffer.WrittenMemory);

        AssertSample(info);
    }

    private static ExecutionInfo Sample()
    {
        var info = new ExecutionInfo
        {
            Id = "o-1",
            Flow = "order",
            Phase = "Paid",
            Status = ExecutionStatus.Escalated,
            StatusReason = "too large",
            Iteration = 2,
            CreatedAt = Created,
            UpdatedAt = Created.AddMinutes(5),
            Deadline = Created.AddHours(1),
            PendingTaskId = "t-9",
            PendingSince = Created.AddMinutes(2),
            ChainedFirings = 3,
            PublishedOnly = true,
        };
        info.Restore([new TimelineEntry(Created.AddMinutes(1), "Pay", TriggerKind.Message, "orders.paid", RuleAction.Escalate, "Placed", "Paid", 2) { Reason = "too large" }]);
        info.RestoreRule("Pay", new RuleCounter(4, Created.AddMinutes(1)));
        info.Outbox.Add(new OutgoingMessage("orders.noticed", "Noticed", new byte[] { 0x80 }) { MessageId = "m-1" });
        info.Parked.Add(new ParkedMessage("orders.shipped", [0x81, 0xa1, 0x41, 0x01], "m-2", Created.AddMinutes(3), "no rule fired"));
        info.Handled.AddRange(["m-0", "m-1"]);
        return info;
    }

    private static void AssertSample(ExecutionInfo info)
    {
        Assert.Equal(("o-1", "order", "Paid", ExecutionStatus.Escalated, "too large", 2), (info.Id, info.Flow, info.Phase, info.Status, info.StatusReason, info.Iteration));
        Assert.Equal(new DateTimeOffset(Created), info.CreatedAt);
        Assert.Equal(new DateTimeOffset(Created.AddMinutes(5)), info.UpdatedAt);
        Assert.Equal(new DateTimeOffset(Created.AddHours(1)), info.Deadline);
        Assert.Equal(("t-9", new DateTimeOffset(Created.AddMinutes(2))), (info.PendingTaskId, info.PendingSince!.Value));
        Assert.Equal(3, info.ChainedFirings);
        Assert.True(info.PublishedOnly);
        var entry = Assert.Single(info.Timeline);
        Assert.Equal(
            new TimelineEntry(Created.AddMinutes(1), "Pay", TriggerKind.Message, "orders.paid", RuleAction.Escalate, "Placed", "Paid", 2) { Reason = "too large" },
            entry);
        Assert.Equal(new RuleCounter(4, Created.AddMinutes(1)), Assert.Single(info.Rules).Value);
        var message = Assert.Single(info.Outbox);
        Assert.Equal(("orders.noticed", "Noticed", "m-1"), (message.Subject, message.MessageType, message.MessageId));
        Assert.Equal([0x80], message.Payload.ToArray());
        var parked = Assert.Single(info.Parked);
        Assert.Equal(("orders.shipped", "m-2", "no rule fired"), (parked.Subject, parked.MessageId, parked.Reason));
        Assert.Equal(new DateTimeOffset(Created.AddMinutes(3)), parked.ParkedAt);
        Assert.Equal(["m-0", "m-1"], info.Handled);

        // Every entry is kept: nothing was dropped, as in data written before timelines were bounded.
        Assert.Equal((0L, (DateTimeOffset?)null, 1L), (info.DroppedTimelineEntries, info.FirstTimelineEntryAt, info.TimelineEntriesRecorded));
    }

    [Fact]
    public void Trimming_keeps_the_latest_entries_and_counts_the_dropped_ones_from_the_first()
    {
        var info = new ExecutionInfo();
        for (var i = 0; i < 5; i++)
        {
            info.Append(Entry(i), keep: 2);
        }

        Assert.Equal(["r3", "r4"], info.Timeline.Select(e => e.Rule));
        Assert.Equal((3L, (DateTimeOffset?)new DateTimeOffset(Created), 5L), (info.DroppedTimelineEntries, info.FirstTimelineEntryAt, info.TimelineEntriesRecorded));

        // A larger bound keeps what is left; the first entry's time stays the first's.
        info.Append(Entry(5), keep: 10);
        info.Append(Entry(6), keep: 1);
        Assert.Equal(["r6"], info.Timeline.Select(e => e.Rule));
        Assert.Equal((6L, (DateTimeOffset?)new DateTimeOffset(Created), 7L), (info.DroppedTimelineEntries, info.FirstTimelineEntryAt, info.TimelineEntriesRecorded));
    }

    [Fact]
    public void A_trimmed_timeline_writes_its_dropped_count_and_first_time_after_the_timeline_and_reads_back()
    {
        var info = Sample();
        info.Restore([Entry(0), Entry(1), Entry(2)]);
        info.TrimTimeline(1);

        var bytes = Write(info);
        var keys = Keys(bytes, out _);
        var copy = Read(bytes);

        Assert.Equal(["Timeline", "DroppedTimelineEntries", "FirstTimelineEntryAt", "Deadline"], keys.Skip(8).Take(4));
        Assert.Equal(["r2"], copy.Timeline.Select(e => e.Rule));
        Assert.Equal((2L, (DateTimeOffset?)new DateTimeOffset(Created), 3L), (copy.DroppedTimelineEntries, copy.FirstTimelineEntryAt, copy.TimelineEntriesRecorded));
    }

    private static TimelineEntry Entry(int i) =>
        new(Created.AddMinutes(i), "r" + i, TriggerKind.Message, "orders.paid", RuleAction.Mutate, "Placed", "Placed", 1);

    private static ReadOnlyMemory<byte> Write(ExecutionInfo info)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        ExecutionInfoFormatter.Write(ref writer, info);
        writer.Flush();
        return buffer.WrittenMemory;
    }

    private static ExecutionInfo Read(ReadOnlyMemory<byte> bytes)
    {
        var reader = new MessagePackReader(bytes);
        var info = new ExecutionInfo();
        ExecutionInfoFormatter.Read(ref reader, info, null!);
        Assert.True(reader.End);
        return info;
    }

    private static List<string> Keys(ReadOnlyMemory<byte> bytes, out List<string> timelineKeys)
    {
        var reader = new MessagePackReader(bytes);
        var keys = new List<string>();
        timelineKeys = [];
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadString()!;
            keys.Add(key);
            if (key == "Timeline")
            {
                reader.ReadArrayHeader();
                var fields = reader.ReadMapHeader();
                for (var j = 0; j < fields; j++)
                {
                    timelineKeys.Add(reader.ReadString()!);
                    reader.Skip();
                }
            }
            else
            {
                reader.Skip();
            }
        }

        return keys;
    }
}
