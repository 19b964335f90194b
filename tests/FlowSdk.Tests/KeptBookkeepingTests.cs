using System.Collections;
using System.Reflection;
using FlowSdk.Internal;
using FlowSdk.Runtime;
using FlowSdk.Semantics.Flows;
using FlowSdk.Testing;
using MessagePack;

namespace FlowSdk.Tests;

/// <summary>
/// The kept-state cache keeps, beside a committed value's bytes, a copy of its bookkeeping as those
/// bytes read back, which the execution's next event takes over instead of decoding it. What the next
/// event sees must be exactly what a read of the stored value gives: the copy is compared with a read
/// field by field, the state's own members are still read from the bytes (members the serialization
/// leaves out start as a read leaves them), and an event that changed the state and then did not
/// commit (a write conflict, a rule that threw) leaves nothing of its changes behind.
/// </summary>
[Collection(TallyCollection.Name)]
public sealed class KeptBookkeepingTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 10, 0, 0, TimeSpan.FromHours(2));

    /// <summary>Every field of <see cref="ExecutionInfo"/>: one added later must be copied (StoredCopy, TakeFrom) or the copy is not exact.</summary>
    [Fact]
    public void The_bookkeeping_has_the_fields_the_copy_knows()
    {
        var fields = typeof(ExecutionInfo).GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Select(f => f.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            [
                "<ChainedFirings>k__BackingField", "<CreatedAt>k__BackingField", "<Deadline>k__BackingField", "<DroppedTimelineEntries>k__BackingField",
                "<EventsFrom>k__BackingField", "<FanOutParent>k__BackingField", "<FirstTimelineEntryAt>k__BackingField", "<Flow>k__BackingField",
                "<Id>k__BackingField", "<Iteration>k__BackingField", "<LastApproval>k__BackingField", "<PendingApproval>k__BackingField",
                "<PendingSince>k__BackingField", "<PendingTaskId>k__BackingField", "<Phase>k__BackingField", "<PublishedOnly>k__BackingField",
                "<Status>k__BackingField", "<StatusReason>k__BackingField", "<StoredStatus>k__BackingField", "<UpdatedAt>k__BackingField",
                "_fanOuts", "_handled", "_outbox", "_parked", "_rules", "_timeline",
            ],
            fields);
    }

    [Fact]
    public void A_stored_copy_taken_over_is_what_reading_the_stored_bookkeeping_gives_field_by_field()
    {
        foreach (var info in new[] { Full(), Fresh(), Trimmed() })
        {
            var read = ReadBack(info);
            var copy = info.StoredCopy();
            Assert.NotNull(copy);
            AssertSame(read, copy, "copy");

            var taken = new ExecutionInfo();
            taken.TakeFrom(info.StoredCopy()!);
            AssertSame(read, taken, "taken");

            // And it is stored as the original is.
            Assert.Equal(Write(info), Write(taken));
        }
    }

    /// <summary>
    /// Bookkeeping is kept as it is (not copied) only when it is already what a read gives: read back,
    /// or copied, it is; with a time at another offset than UTC, a nil string a read turns into the empty
    /// one, or unstored fields a read would set otherwise, it is not.
    /// </summary>
    [Fact]
    public void Only_bookkeeping_that_is_what_a_read_gives_counts_as_stored()
    {
        foreach (var info in new[] { Full(), Fresh(), Trimmed() })
        {
            Assert.True(ReadBack(info).IsAsStored());
            Assert.True(info.StoredCopy()!.IsAsStored());
        }

        Assert.False(Full().IsAsStored());
        var utc = ReadBack(Full());
        utc.Append(new TimelineEntry(At, "Later", TriggerKind.Message, "s", RuleAction.Mutate, "B", "B", 2));
        utc.EventsFrom = utc.TimelineEntriesRecorded;
        Assert.False(utc.IsAsStored());

        var nil = ReadBack(Fresh());
        nil.Append(new TimelineEntry(At.ToUniversalTime(), null!, TriggerKind.Message, "s", RuleAction.Mutate, "A", "A", 1));
        nil.EventsFrom = nil.TimelineEntriesRecorded;
        Assert.False(nil.IsAsStored());

        var unstored = ReadBack(Fresh());
        unstored.StoredStatus = null;
        Assert.False(unstored.IsAsStored());

        var counted = ReadBack(Fresh());
        counted.CountFiring("Bump", At);
        Assert.False(counted.IsAsStored());
        var inUtc = ReadBack(Fresh());
        inUtc.CountFiring("Bump", At.ToUniversalTime());
        Assert.True(inUtc.IsAsStored());
    }

    [Fact]
    public void Bookkeeping_with_an_outbox_an_approval_or_fan_out_groups_is_not_copied()
    {
        var withOutbox = Full();
        withOutbox.Outbox.Add(new OutgoingMessage("s", "T", new byte[] { 1 }) { MessageId = "m" });
        Assert.Null(withOutbox.StoredCopy());

        var waiting = Full();
        waiting.PendingApproval = new ApprovalRequest("r", "Rule", At, null);
        Assert.Null(waiting.StoredCopy());

        var decided = Full();
        decided.LastApproval = new ApprovalDecision("r", "Rule", true, "ops", At, null);
        Assert.Null(decided.StoredCopy());

        var fanningOut = Full();
        fanningOut.FanOuts.Add(new FanOutRecord { Name = "g", Expected = 2, StartedAt = At });
        Assert.Null(fanningOut.StoredCopy());
        foreach (var info in new[] { withOutbox, waiting, decided, fanningOut })
        {
            Assert.False(ReadBack(info).IsAsStored());
        }
    }

    /// <summary>The copy is the original's, not shared with it: changing the original (a later event's rule, the runtime's bookkeeping) leaves it as stored.</summary>
    [Fact]
    public void A_stored_copy_does_not_change_with_the_original()
    {
        var info = Full();
        var stored = Write(info);
        var copy = info.StoredCopy()!;
        info.Append(new TimelineEntry(At, "Later", TriggerKind.Message, "s", RuleAction.Mutate, "B", "B", 2));
        info.RecordHandled("later", 64);
        info.CountFiring("Later", At);
        info.Parked.Clear();
        info.Phase = "Z";
        Assert.Equal(stored, Write(copy));
    }

    /// <summary>Reading a state with its bookkeeping kept reads its own members from the bytes and gives what a plain read gives.</summary>
    [Fact]
    public void A_state_read_with_its_kept_bookkeeping_equals_a_plain_read_of_its_bytes()
    {
        // UTC, as the runtime's clock gives it: an entry at another offset is copied in UTC (see above).
        var now = At.ToUniversalTime();
        var tally = TallyFlow.Definition.Start("t-1", now);
        tally.Total = 42;
        var execution = ((IFlowState)tally).Execution;
        execution.Append(new TimelineEntry(now, "Bump", TriggerKind.MessageAndState, "test.tally.bumped", RuleAction.Mutate, "Counting", "Counting", 1));
        execution.RecordHandled("seq:1", 64);
        execution.CountFiring("Bump", now);
        var bytes = FlowSerializer.Serialize(TallyFlow.Definition.StateFormatter, tally);

        var plain = FlowSerializer.Deserialize(TallyFlow.Definition.StateFormatter, bytes);
        var kept = ExecutionInfoFormatter.ReadKept(TallyFlow.Definition.StateFormatter, bytes, execution.StoredCopy()!);
        Assert.Equal(plain.Total, kept.Total);
        AssertSame(((IFlowState)plain).Execution, ((IFlowState)kept).Execution, "state");

        // The copy was taken over, not decoded: its entries are the committed ones.
        Assert.Same(execution.Timeline[0], ((IFlowState)kept).Execution.Timeline[0]);
        Assert.NotSame(execution.Timeline[0], ((IFlowState)plain).Execution.Timeline[0]);
    }

    /// <summary>
    /// A state formatter that writes the bookkeeping before another member (not one this version
    /// generates, which writes it last) is read as usual: the state comes out whole all the same.
    /// </summary>
    [Fact]
    public void A_state_whose_bookkeeping_is_not_its_last_member_is_read_whole_with_its_bookkeeping_kept()
    {
        var info = ReadBack(Full());
        var box = new Boxed { Total = 7 };
        box.Execution.TakeFrom(info.StoredCopy()!);
        var bytes = FlowSerializer.Serialize(BoxedFormatter.Instance, box);

        var kept = ExecutionInfoFormatter.ReadKept(BoxedFormatter.Instance, bytes, info.StoredCopy()!);
        Assert.Equal(7, kept.Total);
        AssertSame(info, kept.Execution, "boxed");
    }

    /// <summary>
    /// The runtime's next event of an execution kept in the cache takes the committed bookkeeping over:
    /// the timeline entries its rule sees are the committed ones, not decoded again. Each event sees
    /// the entries of the events before it, as stored.
    /// </summary>
    [Fact]
    public async Task An_event_answered_from_the_cache_takes_the_committed_bookkeeping_over_instead_of_decoding_it()
    {
        KeptProbeRules.Seen.Clear();
        await using var host = await StartAsync();
        for (var i = 1; i <= 4; i++)
        {
            await host.SendAsync(KeptProbeFlow.Ports.KeptProbeBumped, new KeptProbeBumped("p-1", i));
            await host.SettleAsync();
        }

        var seen = KeptProbeRules.Seen.ToArray();
        Assert.Equal([0, 1, 2, 3], seen.Select(s => s.Timeline.Count));

        // The second event's first entry is the one the first event's commit kept, the same object.
        Assert.Same(seen[2].Timeline[0], seen[1].Timeline[0]);
        Assert.Same(seen[3].Timeline[1], seen[2].Timeline[1]);
        var stored = await host.GetAsync(KeptProbeFlow.Definition, "p-1");
        Assert.Equal(10, stored.Total);
        Assert.Equal(4, stored.Timeline.Count);
    }

    /// <summary>A member the serialization ignores is never carried from one event to the next: each event sees what a read gives it.</summary>
    [Fact]
    public async Task A_member_the_serialization_ignores_starts_each_event_as_a_read_leaves_it()
    {
        KeptProbeRules.Seen.Clear();
        await using var host = await StartAsync();
        for (var i = 1; i <= 3; i++)
        {
            await host.SendAsync(KeptProbeFlow.Ports.KeptProbeBumped, new KeptProbeBumped("p-2", i));
            await host.SettleAsync();
        }

        Assert.All(KeptProbeRules.Seen, s => Assert.Equal("initial", s.Scratch));
    }

    /// <summary>
    /// An event answered from the cache whose rule changed the state and whose write then met a newer
    /// revision (another writer) leaves nothing behind: it is evaluated again on the stored value, and
    /// the next event sees the state as committed, its timeline included.
    /// </summary>
    [Fact]
    public async Task A_rule_that_changed_the_state_before_a_write_conflict_leaves_the_committed_value_to_the_next_event()
    {
        KeptProbeRules.Seen.Clear();
        await using var host = await StartAsync();
        await host.SendAsync(KeptProbeFlow.Ports.KeptProbeBumped, new KeptProbeBumped("p-3", 1));
        await host.SettleAsync();

        // Another writer moves the execution on between the cached read and the write: its value has
        // Total 100 and no further timeline entry.
        host.Store.BeforeNextUpdate(async (store, key) =>
        {
            var entry = (await store.GetAsync(key))!;
            var other = FlowSerializer.Deserialize(KeptProbeFlow.Definition.StateFormatter, entry.Value);
            other.Total = 100;
            Assert.True((await store.TryUpdateAsync(key, FlowSerializer.Serialize(KeptProbeFlow.Definition.StateFormatter, other), entry.Revision)).Succeeded);
        });
        await host.SendAsync(KeptProbeFlow.Ports.KeptProbeBumped, new KeptProbeBumped("p-3", 10));
        await host.SettleAsync();
        await host.SendAsync(KeptProbeFlow.Ports.KeptProbeBumped, new KeptProbeBumped("p-3", 1000));
        await host.SettleAsync();

        var seen = KeptProbeRules.Seen.ToArray();

        // First event; the second on the cached value (its change lost to the conflict), then on the
        // stored one; the third on what the second committed.
        Assert.Equal([0L, 1L, 100L, 110L], seen.Select(s => s.Total));
        Assert.Equal([0, 1, 1, 2], seen.Select(s => s.Timeline.Count));
        var stored = await host.GetAsync(KeptProbeFlow.Definition, "p-3");
        Assert.Equal(1110, stored.Total);
        Assert.Equal(3, stored.Timeline.Count);
        Assert.Equal(3, ((IFlowState)stored).Execution.HandledCount);
    }

    /// <summary>A rule that changed the state and then threw fails the execution on the committed value, not on its changes.</summary>
    [Fact]
    public async Task A_rule_that_changed_the_state_and_threw_fails_the_execution_on_the_committed_value()
    {
        KeptProbeRules.Seen.Clear();
        await using var host = await StartAsync(throwOnErrors: false);
        await host.SendAsync(KeptProbeFlow.Ports.KeptProbeBumped, new KeptProbeBumped("p-4", 5));
        await host.SettleAsync();
        await host.SendAsync(KeptProbeFlow.Ports.KeptProbeBumped, new KeptProbeBumped("p-4", 7, Throw: true));
        await host.SettleAsync();

        var stored = await host.GetAsync(KeptProbeFlow.Definition, "p-4");
        Assert.Equal(ExecutionStatus.Failed, stored.Status);
        Assert.Equal(5, stored.Total);
        Assert.Equal("initial", stored.Scratch);
        Assert.Equal(2, stored.Timeline.Count);
    }

    private static Task<FlowTestHost> StartAsync(bool throwOnErrors = true) => FlowTestHost.StartAsync([KeptProbeFlow.Definition], o =>
    {
        o.ThrowOnErrors = throwOnErrors;
        o.ConfigureRuntime = r =>
        {
            r.StateCacheCapacity = 100;
            r.Lanes = 1;
        };
    });

    private static ExecutionInfo Full()
    {
        var info = Fresh();
        info.Status = ExecutionStatus.Waiting;
        info.StatusReason = "why";
        info.Iteration = 3;
        info.Deadline = At.AddHours(1);
        info.PendingTaskId = "task-1";
        info.PendingSince = At.AddMinutes(5);
        info.ChainedFirings = 2;
        info.PublishedOnly = true;
        info.FanOutParent = new FanOutParent("parent-flow", "p-1", "g", 3);
        info.Append(new TimelineEntry(At, "Submit", TriggerKind.MessageAndState, "plans.submitted", RuleAction.Mutate, "A", "B", 1));
        info.Append(new TimelineEntry(At.ToUniversalTime().AddSeconds(1), "Submit", TriggerKind.Control, "ops", RuleAction.Pause, "B", "B", 1) { Reason = "maintenance" });
        info.CountFiring("Submit", At);
        info.CountFiring("Another", At.AddSeconds(2));
        info.RecordHandled("seq:1", 64);
        info.RecordHandled("seq:2", 64);
        info.Parked.Add(new ParkedMessage("plans.revised", [1, 2, 3], "seq:3", At.AddSeconds(3), "no rule passes"));
        return info;
    }

    private static ExecutionInfo Fresh() => new()
    {
        Id = "e-1",
        Flow = "f",
        Phase = "A",
        Status = ExecutionStatus.Running,
        CreatedAt = At,
        UpdatedAt = At.AddSeconds(4),
    };

    private static ExecutionInfo Trimmed()
    {
        var info = Fresh();
        for (var i = 0; i < 5; i++)
        {
            info.Append(new TimelineEntry(At.AddSeconds(i), "Bump", TriggerKind.MessageAndState, "s", RuleAction.Mutate, "A", "A", 1), keep: 3);
        }

        return info;
    }

    private static byte[] Write(ExecutionInfo info)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        ExecutionInfoFormatter.Write(ref writer, info);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static ExecutionInfo ReadBack(ExecutionInfo info)
    {
        var reader = new MessagePackReader(Write(info));
        var read = new ExecutionInfo();
        ExecutionInfoFormatter.Read(ref reader, read, null!);
        return read;
    }

    /// <summary>Compares two values member by member, times with their offsets, collections element by element.</summary>
    private static void AssertSame(object? expected, object? actual, string path)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: {expected ?? "null"} against {actual ?? "null"}");
            return;
        }

        Assert.Equal(expected.GetType(), actual.GetType());
        switch (expected)
        {
            case DateTimeOffset time:
                Assert.Equal(time, (DateTimeOffset)actual);
                Assert.True(time.Offset == ((DateTimeOffset)actual).Offset, $"{path}: offset {time.Offset} against {((DateTimeOffset)actual).Offset}");
                return;
            case string or Enum or DateTime or TimeSpan:
            case var _ when expected.GetType().IsPrimitive:
                Assert.True(expected.Equals(actual), $"{path}: {expected} against {actual}");
                return;
            case byte[] bytes:
                Assert.Equal(bytes, (byte[])actual);
                return;
            case RuleCounters counters:
                Assert.Equal(counters.Select(c => c.Key), ((RuleCounters)actual).Select(c => c.Key));
                foreach (var (name, counter) in counters)
                {
                    AssertSame(counter, ((RuleCounters)actual)[name], $"{path}.{name}");
                }

                return;
            case IList list:
                var other = (IList)actual;
                Assert.True(list.Count == other.Count, $"{path}: {list.Count} elements against {other.Count}");
                for (var i = 0; i < list.Count; i++)
                {
                    AssertSame(list[i], other[i], $"{path}[{i}]");
                }

                return;
        }

        for (var type = expected.GetType(); type is not null && type != typeof(object); type = type.BaseType)
        {
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                var a = field.GetValue(expected);
                var b = field.GetValue(actual);

                // A list not yet made reads as an empty one.
                if (a is IList { Count: 0 } && b is null || a is null && b is IList { Count: 0 })
                {
                    continue;
                }

                AssertSame(a, b, $"{path}.{field.Name}");
            }
        }
    }
}

/// <summary>A state whose formatter writes the bookkeeping first, then its own member.</summary>
internal sealed class Boxed
{
    public long Total { get; set; }

    public ExecutionInfo Execution { get; } = new();
}

internal sealed class BoxedFormatter : MessagePack.Formatters.IMessagePackFormatter<Boxed>
{
    public static readonly BoxedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, Boxed value, MessagePackSerializerOptions options)
    {
        writer.WriteMapHeader(2);
        writer.Write(ExecutionInfoFormatter.Key);
        ExecutionInfoFormatter.Write(ref writer, value.Execution);
        writer.Write("Total");
        writer.Write(value.Total);
    }

    public Boxed Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        var result = new Boxed();
        var count = MapMembers.ReadHeader(ref reader);
        for (var i = 0; i < count; i++)
        {
            switch (reader.ReadString())
            {
                case ExecutionInfoFormatter.Key: ExecutionInfoFormatter.Read(ref reader, result.Execution, options); break;
                case "Total": result.Total = reader.ReadInt64(); break;
                default: reader.Skip(); break;
            }
        }

        reader.Depth--;
        return result;
    }
}

public enum KeptProbePhase
{
    Open,
}

[Message("test.kept.bumped")]
public sealed record KeptProbeBumped([property: CorrelationKey] string ProbeId, int By, bool Throw = false);

/// <summary>A state whose rule records what it sees on each event: the cache's tests look at it.</summary>
[Flow<KeptProbePhase>("kept-probe")]
public partial class KeptProbe
{
    public long Total { get; set; }

    /// <summary>Left out of the stored value: a read leaves it as the constructor set it.</summary>
    [IgnoreMember]
    public string Scratch { get; set; } = "initial";
}

[Rules<KeptProbe>]
public static partial class KeptProbeRules
{
    /// <summary>What each firing saw on entry, in order.</summary>
    public static readonly List<(long Total, string Scratch, IReadOnlyList<TimelineEntry> Timeline)> Seen = [];

    [Rule(From = KeptProbePhase.Open)]
    public static void Bump(KeptProbe probe, KeptProbeBumped bumped)
    {
        lock (Seen)
        {
            Seen.Add((probe.Total, probe.Scratch, probe.Timeline.ToArray()));
        }

        probe.Total += bumped.By;
        probe.Scratch = "changed by a rule";
        if (bumped.Throw)
        {
            throw new InvalidOperationException("the probe was told to throw");
        }
    }
}
