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
        Assert.Equal("orders.paid", request.Subject);
        Assert.Equal([1, 2, 3], request.Payload);
        Assert.Equal(info.PendingApproval.Decision, request.Decision);
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

    /// <summary>
    /// Bookkeeping written by the version before the formatter matched keys on their bytes (captured from
    /// it: a trimmed timeline with a control's reason, rule counters, an outbox, a parked message, handled
    /// ids and approvals), as stored values hold it.
    /// </summary>
    private const string StoredByPreviousVersion =
        "DE0016A24964A36F2D31A4466C6F77A56F72646572A55068617365A450616964A6537461747573A9457363616C61746564AC53746174757352656173" +
        "6F6EA9746F6F206C61726765A9497465726174696F6E02A9437265617465644174D6FF69A3F200A9557064617465644174D6FF69A3F32CA854696D65" +
        "6C696E659388A24174D6FF69A3F23CA452756C65A3506179A754726967676572AF4D657373616765416E645374617465A6536F75726365AB6F726465" +
        "72732E70616964A6416374696F6EA75075626C697368AB50686173654265666F7265A6506C61636564AA50686173654166746572A450616964A94974" +
        "65726174696F6E0188A24174D6FF69A3F278A452756C65A5436865636BA754726967676572A55374617465A6536F75726365A96F726465722E6F2D31" +
        "A6416374696F6EA8457363616C617465AB50686173654265666F7265A450616964AA50686173654166746572A450616964A9497465726174696F6E02" +
        "89A24174D6FF69A3F2B4A452756C65A55061757365A754726967676572A7436F6E74726F6CA6536F75726365A5616C696365A6416374696F6EA55061" +
        "757365AB50686173654265666F7265A450616964AA50686173654166746572A450616964A9497465726174696F6E02A6526561736F6EA7686F6C6964" +
        "6179B644726F7070656454696D656C696E65456E747269657301B4466972737454696D656C696E65456E7472794174D6FF69A3F200A8446561646C69" +
        "6E65D6FF69A54380AD50656E64696E675461736B4964A56F2D312E33AC50656E64696E6753696E6365D6FF69A3F2F0AE436861696E6564466972696E" +
        "677301A552756C657383A7417263686976659201D6FF69A3F2B4A5436865636B9201D6FF69A3F278A35061799202D6FF69A3F2B4AD5075626C697368" +
        "65644F6E6C79C3A64F7574626F789194AE6F72646572732E6E6F7469636564AC4F726465724E6F7469636564C4029101AD6F726465722E6F2D312E33" +
        "2E31A65061726B65649195AE6F72646572732E73686970706564C403920203A36D2D39D6FF69A3F2F0BB6E6F2072756C6520666972656420696E2070" +
        "686173652050616964A748616E646C656492A36D2D37A36D2D38AF50656E64696E67417070726F76616C97AE6F2D312E617070726F76616C2E33A453" +
        "686970D6FF69A3F200D6FF69A41C30AB6F72646572732E70616964C403010203C0AC4C617374417070726F76616C96AE6F2D312E617070726F76616C" +
        "2E31A3506179C2A6657870697279D6FF69A3F200A765787069726564";

    [Fact]
    public void Bookkeeping_stored_by_the_previous_version_reads_whole_and_is_written_back_byte_for_byte()
    {
        var stored = Convert.FromHexString(StoredByPreviousVersion);

        var copy = Read(stored);

        var at = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
        Assert.Equal(("o-1", "order", "Paid", ExecutionStatus.Escalated, "too large", 2), (copy.Id, copy.Flow, copy.Phase, copy.Status, copy.StatusReason, copy.Iteration));
        Assert.Equal((at, at.AddMinutes(5), (DateTimeOffset?)at.AddDays(1)), (copy.CreatedAt, copy.UpdatedAt, copy.Deadline));
        Assert.Equal(("o-1.3", (DateTimeOffset?)at.AddMinutes(4), 1, true), (copy.PendingTaskId, copy.PendingSince, copy.ChainedFirings, copy.PublishedOnly));
        Assert.Equal(["Pay", "Check", "Pause"], copy.Timeline.Select(e => e.Rule));
        Assert.Equal([TriggerKind.MessageAndState, TriggerKind.State, TriggerKind.Control], copy.Timeline.Select(e => e.Trigger));
        Assert.Equal([RuleAction.Publish, RuleAction.Escalate, RuleAction.Pause], copy.Timeline.Select(e => e.Action));
        Assert.Equal(new TimelineEntry(at.AddMinutes(3), "Pause", TriggerKind.Control, "alice", RuleAction.Pause, "Paid", "Paid", 2) { Reason = "holiday" }, copy.Timeline[^1]);
        Assert.Equal((1L, (DateTimeOffset?)at, 4L), (copy.DroppedTimelineEntries, copy.FirstTimelineEntryAt, copy.TimelineEntriesRecorded));
        Assert.Equal(["Archive", "Check", "Pay"], copy.Rules.Keys);
        Assert.Equal(new RuleCounter(2, at.AddMinutes(3)), copy.Rules["Pay"]);
        Assert.Equal(("orders.noticed", "OrderNoticed", "order.o-1.3.1"), (copy.Outbox[0].Subject, copy.Outbox[0].MessageType, copy.Outbox[0].MessageId));
        Assert.Equal("no rule fired in phase Paid", Assert.Single(copy.Parked).Reason);
        Assert.Equal(["m-7", "m-8"], copy.Handled);
        Assert.Equal(("o-1.approval.3", "orders.paid"), (copy.PendingApproval!.Id, copy.PendingApproval.Subject));
        Assert.Equal(new ApprovalDecision("o-1.approval.1", "Pay", false, "expiry", at, "expired"), copy.LastApproval);

        // Written again, it is the same bytes: the stored format has not changed.
        Assert.Equal(StoredByPreviousVersion, Convert.ToHexString(Write(copy).Span));
    }

    [Fact]
    public void The_same_bookkeeping_built_in_memory_is_written_as_the_previous_version_wrote_it()
    {
        var at = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
        var info = new ExecutionInfo
        {
            Id = "o-1", Flow = "order", Phase = "Paid", Status = ExecutionStatus.Escalated, StatusReason = "too large", Iteration = 2,
            CreatedAt = at, UpdatedAt = at.AddMinutes(5), Deadline = at.AddDays(1), PendingTaskId = "o-1.3", PendingSince = at.AddMinutes(4),
            ChainedFirings = 1, PublishedOnly = true,
        };
        info.Append(new TimelineEntry(at, "Place", TriggerKind.Message, "orders.placed", RuleAction.Mutate, "New", "Placed", 1));
        info.Append(new TimelineEntry(at.AddMinutes(1), "Pay", TriggerKind.MessageAndState, "orders.paid", RuleAction.Publish, "Placed", "Paid", 1));
        info.Append(new TimelineEntry(at.AddMinutes(2), "Check", TriggerKind.State, "order.o-1", RuleAction.Escalate, "Paid", "Paid", 2));
        info.Append(new TimelineEntry(at.AddMinutes(3), "Pause", TriggerKind.Control, "alice", RuleAction.Pause, "Paid", "Paid", 2) { Reason = "holiday" }, 3);

        // Counted out of name order: they are written in ordinal order all the same.
        info.CountFiring("Pay", at.AddMinutes(1));
        info.CountFiring("Check", at.AddMinutes(2));
        info.CountFiring("Pay", at.AddMinutes(3));
        info.CountFiring("Archive", at.AddMinutes(3));
        info.Outbox.Add(new OutgoingMessage("orders.noticed", "OrderNoticed", new byte[] { 0x91, 0x01 }) { MessageId = "order.o-1.3.1" });
        info.Parked.Add(new ParkedMessage("orders.shipped", [0x92, 0x02, 0x03], "m-9", at.AddMinutes(4), "no rule fired in phase Paid"));
        info.Handled.AddRange(["m-7", "m-8"]);
        info.PendingApproval = new ApprovalRequest("o-1.approval.3", "Ship", at, at.AddHours(3)) { Subject = "orders.paid", Payload = [1, 2, 3] };
        info.LastApproval = new ApprovalDecision("o-1.approval.1", "Pay", false, "expiry", at, "expired");

        Assert.Equal(StoredByPreviousVersion, Convert.ToHexString(Write(info).Span));
    }

    [Fact]
    public void Every_status_trigger_and_action_is_written_as_its_name_and_read_back()
    {
        foreach (var status in Enum.GetValues<ExecutionStatus>())
        {
            var info = Sample();
            info.Status = status;
            Assert.Equal(status, Read(Write(info)).Status);
        }

        var triggers = Enum.GetValues<TriggerKind>();
        var actions = Enum.GetValues<RuleAction>();
        for (var i = 0; i < Math.Max(triggers.Length, actions.Length); i++)
        {
            var info = Sample();
            var entry = new TimelineEntry(Created, "R", triggers[i % triggers.Length], "s", actions[i % actions.Length], "A", "B", 0);
            info.Restore([entry]);
            var read = Assert.Single(Read(Write(info)).Timeline);
            Assert.Equal((entry.Trigger, entry.Action), (read.Trigger, read.Action));
        }
    }

    [Theory]
    [InlineData("Status", "Bogus", "'Bogus' is not an execution status")]
    [InlineData("Trigger", "Sometimes", "'Sometimes' is not a trigger kind")]
    [InlineData("Action", "Explode", "'Explode' is not a rule action")]
    public void A_name_that_is_none_of_the_known_ones_is_refused_naming_it(string key, string value, string expected)
    {
        var bytes = Write(Sample()).ToArray();
        var hex = Convert.ToHexString(bytes);
        var current = key == "Status" ? "Escalated" : key == "Trigger" ? "Message" : "Escalate";
        var pair = Convert.ToHexString(Pack(key)) + Convert.ToHexString(Pack(current));
        Assert.Contains(pair, hex, StringComparison.Ordinal);
        var corrupt = Convert.FromHexString(hex.Replace(pair, Convert.ToHexString(Pack(key)) + Convert.ToHexString(Pack(value)), StringComparison.Ordinal));

        var error = Assert.Throws<MessagePackSerializationException>(() => Read(corrupt));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_that_is_not_a_string_is_refused()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        w.WriteMapHeader(1);
        w.Write(7);
        w.Write("o-1");
        w.Flush();

        var error = Assert.Throws<MessagePackSerializationException>(() => Read(buffer.WrittenMemory));

        Assert.Contains("has a key of type Integer; its keys are strings", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Timeline_entries_that_repeat_the_rule_source_and_phases_share_those_strings_when_read()
    {
        var info = Sample();
        info.Restore([
            new TimelineEntry(Created, "Count", TriggerKind.MessageAndState, "bench.tick", RuleAction.Mutate, "Counting", "Counting", 1),
            new TimelineEntry(Created.AddMinutes(1), "Count", TriggerKind.MessageAndState, "bench.tick", RuleAction.Mutate, "Counting", "Counting", 1),
            new TimelineEntry(Created.AddMinutes(2), "Count", TriggerKind.MessageAndState, "bench.tick", RuleAction.Mutate, "Counting", "Counted", 1),
        ]);
        info.Phase = "Counted";
        info.RestoreRule("Count", new RuleCounter(3, Created.AddMinutes(2)));

        var copy = Read(Write(info));

        Assert.Equal(info.Timeline, copy.Timeline);
        var (first, second, third) = (copy.Timeline[0], copy.Timeline[1], copy.Timeline[2]);
        Assert.Same(first.Rule, second.Rule);
        Assert.Same(first.Source, third.Source);
        Assert.Same(first.PhaseBefore, first.PhaseAfter);
        Assert.Same(first.PhaseAfter, third.PhaseBefore);
        Assert.Same(third.Rule, copy.Rules.Keys.Single(name => name == "Count"));

        // Read as bytes each time: written again, the same bytes.
        Assert.Equal(Convert.ToHexString(Write(info).Span), Convert.ToHexString(Write(copy).Span));
    }

    [Fact]
    public void Timeline_strings_that_differ_from_the_entry_before_only_slightly_or_outside_ASCII_are_read_as_written()
    {
        var info = Sample();
        info.Restore([
            new TimelineEntry(Created, "Zählen", TriggerKind.Message, "zähler.eins", RuleAction.Mutate, "Über", "Über", 1),
            new TimelineEntry(Created.AddMinutes(1), "Zählen", TriggerKind.Message, "zähler.eins", RuleAction.Mutate, "Über", "Uber", 1),
            new TimelineEntry(Created.AddMinutes(2), "Count", TriggerKind.Message, "bench.tick", RuleAction.Mutate, "Uber", "Ubes", 1),
            new TimelineEntry(Created.AddMinutes(3), "Counu", TriggerKind.Message, "bench.tic", RuleAction.Mutate, "", "", 1),
            new TimelineEntry(Created.AddMinutes(4), "Counu", TriggerKind.Message, "bench.tic", RuleAction.Mutate, "", "x", 1),
        ]);

        var copy = Read(Write(info));

        Assert.Equal(info.Timeline, copy.Timeline);
    }

    [Fact]
    public void Keys_in_another_order_than_written_are_read_all_the_same()
    {
        // The reader matches each key first against the one written after the key before: keys in
        // another order (another writer, a later version) take the slower way and read the same.
        var at = new DateTime(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc);
        var buffer = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        w.WriteMapHeader(7);
        w.Write("Handled");
        w.WriteArrayHeader(2);
        w.Write("m-1");
        w.Write("m-2");
        w.Write("Timeline");
        w.WriteArrayHeader(1);
        w.WriteMapHeader(8);
        w.Write("Iteration");
        w.Write(3);
        w.Write("PhaseAfter");
        w.Write("Paid");
        w.Write("PhaseBefore");
        w.Write("Placed");
        w.Write("Action");
        w.Write("Publish");
        w.Write("Source");
        w.Write("orders.paid");
        w.Write("Trigger");
        w.Write("Message");
        w.Write("Rule");
        w.Write("Pay");
        w.Write("At");
        w.Write(at);
        w.Write("Status");
        w.Write("Waiting");
        w.Write("Id");
        w.Write("o-1");
        w.Write("Parked");
        w.WriteArrayHeader(1);
        w.WriteArrayHeader(5);
        w.Write("orders.shipped");
        w.Write(new byte[] { 1 });
        w.Write("m-3");
        w.Write(at);
        w.Write("no rule fired");
        w.Write("Phase");
        w.Write("Paid");
        w.Write("Flow");
        w.Write("order");
        w.Flush();

        var copy = Read(buffer.WrittenMemory);

        Assert.Equal(("o-1", "order", "Paid", ExecutionStatus.Waiting), (copy.Id, copy.Flow, copy.Phase, copy.Status));
        Assert.Equal(new TimelineEntry(at, "Pay", TriggerKind.Message, "orders.paid", RuleAction.Publish, "Placed", "Paid", 3), Assert.Single(copy.Timeline));
        Assert.Equal(["m-1", "m-2"], copy.Handled);
        Assert.Equal(("m-3", "no rule fired"), (Assert.Single(copy.Parked).MessageId, copy.Parked[0].Reason));
    }

    [Fact]
    public void Bookkeeping_cut_short_is_refused()
    {
        var bytes = Write(Sample());

        // FlowSerializer turns this into a MessagePackSerializationException that says where the data ends.
        Assert.Throws<EndOfStreamException>(() => Read(bytes[..(bytes.Length / 2)]));
    }

    private static byte[] Pack(string text)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        w.Write(text);
        w.Flush();
        return buffer.WrittenSpan.ToArray();
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
