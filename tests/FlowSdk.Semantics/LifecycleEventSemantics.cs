using FlowSdk.Semantics.Flows;
using FlowSdk.Testing;
using FlowSdk.Transport;
using Microsoft.Extensions.Time.Testing;

namespace FlowSdk.Semantics;

/// <summary>
/// Lifecycle events (<c>[Flow(Events = "...")]</c>): started, step, waiting, paused, resumed, cancelled,
/// retried and ended, on <c>&lt;prefix&gt;.&lt;kind&gt;</c>, each committed with the change it describes and
/// published once per change under a stable message id; another flow reads them like any message.
/// </summary>
public abstract class LifecycleEventSemantics(IFlowInfrastructureFactory factory) : SemanticsBase(factory)
{
    private const string Prefix = "test.parcels.events";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task An_execution_publishes_started_steps_waiting_and_ended_in_order()
    {
        await using var host = await StartAsync();
        var parcels = new ParcelClient(host.Runtime);
        await parcels.SendAsync(new ParcelSent("p-1"));
        await host.SettleAsync();
        var request = host.Messages.SingleOf(ParcelFlow.Ports.RateRequest);
        await parcels.SendAsync(new RateReply(request.TaskId, 450));
        await host.SettleAsync();
        await parcels.SendAsync(new ParcelDelivered("p-1"));
        await host.SettleAsync();

        var events = Events(host, "p-1");
        Assert.Equal(
            [ExecutionEventKind.Started, ExecutionEventKind.Step, ExecutionEventKind.Waiting, ExecutionEventKind.Step, ExecutionEventKind.Step, ExecutionEventKind.Ended],
            events.Select(e => e.Event.Kind));
        Assert.All(events, e => Assert.Equal(ExecutionEvent.Subject(Prefix, e.Event.Kind), e.Subject));
        Assert.All(events, e => Assert.Equal(("parcel", "p-1"), (e.Event.Flow, e.Event.ExecutionId)));

        var send = events[1].Event;
        Assert.Equal(("Send", TriggerKind.MessageAndState, RuleAction.Publish, "New", "Rating", "test.parcels.sent"), (send.Rule, send.Trigger, send.Action, send.FromPhase, send.Phase, send.By));
        Assert.Equal(("reply", ExecutionStatus.Waiting), (events[2].Event.WaitingFor, events[2].Event.Status));
        Assert.Equal(("Rate", "Rating", "Rated", ExecutionStatus.Running), (events[3].Event.Rule, events[3].Event.FromPhase, events[3].Event.Phase, events[3].Event.Status));
        Assert.Equal(("Deliver", RuleAction.Complete, ExecutionStatus.Completed), (events[4].Event.Rule, events[4].Event.Action, events[4].Event.Status));
        Assert.Equal((ExecutionStatus.Completed, "Delivered"), (events[5].Event.Status, events[5].Event.Phase));

        // The sequence follows the timeline; message ids are unique and name the entry and the kind.
        var parcel = await host.GetAsync(ParcelFlow.Definition, "p-1");
        Assert.Equal(parcel.Execution().TimelineEntriesRecorded, events[^1].Event.Sequence);
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Event.Sequence <= p.Second.Event.Sequence));
        Assert.Equal(events.Count, events.Select(e => e.MessageId).Distinct().Count());
        Assert.Equal("parcel.p-1.1.step", events[1].MessageId);
    }

    [Fact]
    public async Task Controls_publish_paused_resumed_cancelled_and_ended_and_another_flow_reads_them()
    {
        await using var host = await StartAsync();
        var parcels = new ParcelClient(host.Runtime);
        await parcels.SendAsync(new ParcelSent("p-2"));
        await host.SettleAsync();

        await parcels.PauseAsync("p-2", reason: "address check", by: "alice");
        await host.SettleAsync();
        await parcels.ResumeAsync("p-2", by: "alice");
        await host.SettleAsync();
        await parcels.CancelAsync("p-2", reason: "customer withdrew", by: "carol");
        await host.SettleAsync();

        var events = Events(host, "p-2").Select(e => e.Event).ToList();
        Assert.Equal(
            [ExecutionEventKind.Started, ExecutionEventKind.Step, ExecutionEventKind.Waiting, ExecutionEventKind.Paused, ExecutionEventKind.Resumed, ExecutionEventKind.Cancelled, ExecutionEventKind.Ended],
            events.Select(e => e.Kind));
        Assert.Equal(("Pause", "alice", "address check", ExecutionStatus.Paused), (events[3].Rule, events[3].By, events[3].Reason, events[3].Status));
        Assert.Equal(("Resume", "alice", ExecutionStatus.Waiting), (events[4].Rule, events[4].By, events[4].Status));
        Assert.Equal(("carol", "customer withdrew", TriggerKind.Control), (events[5].By, events[5].Reason, events[5].Trigger));
        Assert.Equal((ExecutionStatus.Cancelled, "Cancelled by carol: customer withdrew"), (events[6].Status, events[6].Reason));

        // The audit flow took the cancelled event as its own message type.
        var audit = await host.GetAsync(ParcelAuditFlow.Definition, "p-2");
        Assert.Equal(AuditPhase.Noted, audit.Phase);
        Assert.Equal($"parcel/p-2 Cancelled by carol: customer withdrew (#{events[5].Sequence})", audit.Note);
        Assert.Equal(events[5].At, audit.CancelledAt);
    }

    [Fact]
    public async Task A_failed_execution_ends_and_a_retry_publishes_retried_then_its_steps()
    {
        await using var host = await StartAsync();
        var parcels = new ParcelClient(host.Runtime);
        await parcels.SendAsync(new ParcelSent("p-3"));
        await host.SettleAsync();
        await parcels.SendAsync(new RateReply(host.Messages.SingleOf(ParcelFlow.Ports.RateRequest).TaskId, 100));
        await parcels.SendAsync(new ParcelDelivered("p-3", Damaged: true));

        // The rule's exception is an error the runtime logs, which the test host reports on settling.
        var reported = await Assert.ThrowsAsync<FlowTestFailureException>(() => host.SettleAsync());
        Assert.Contains("Deliver", reported.Message, StringComparison.Ordinal);

        var failed = Events(host, "p-3")[^1].Event;
        Assert.Equal((ExecutionEventKind.Ended, ExecutionStatus.Failed), (failed.Kind, failed.Status));
        Assert.Contains("the parcel arrived damaged", failed.Reason, StringComparison.Ordinal);

        await parcels.RetryAsync("p-3", reason: "re-inspected", by: "bob");
        await host.SettleAsync();
        await parcels.SendAsync(new ParcelDelivered("p-3"));
        await host.SettleAsync();

        var after = Events(host, "p-3").Select(e => e.Event).SkipWhile(e => e != failed).Skip(1).ToList();
        Assert.Equal([ExecutionEventKind.Retried, ExecutionEventKind.Step, ExecutionEventKind.Ended], after.Select(e => e.Kind));
        Assert.Equal(("bob", "re-inspected", ExecutionStatus.Running), (after[0].By, after[0].Reason, after[0].Status));
        Assert.Equal(ExecutionStatus.Completed, after[2].Status);
    }

    [Fact]
    public async Task A_timeout_publishes_ended_without_a_step()
    {
        await using var host = await StartAsync();
        var parcels = new ParcelClient(host.Runtime);
        await parcels.SendAsync(new ParcelSent("p-4"));
        await host.SettleAsync();

        _time.Advance(TimeSpan.FromHours(2));
        await host.SettleAsync();

        var events = Events(host, "p-4").Select(e => e.Event).ToList();
        Assert.Equal([ExecutionEventKind.Started, ExecutionEventKind.Step, ExecutionEventKind.Waiting, ExecutionEventKind.Ended], events.Select(e => e.Kind));
        Assert.Equal(ExecutionStatus.TimedOut, events[^1].Status);
    }

    [Fact]
    public async Task A_commit_that_conflicts_publishes_its_events_once_and_a_flow_without_events_publishes_none()
    {
        await using var host = await StartAsync();
        var parcels = new ParcelClient(host.Runtime);
        host.Store.ConflictNextUpdates(2);
        await parcels.SendAsync(new ParcelSent("p-5"));
        await host.SettleAsync();
        await parcels.SendAsync(new RateReply(host.Messages.SingleOf(ParcelFlow.Ports.RateRequest).TaskId, 100));
        await host.SettleAsync();

        Assert.True(host.Store.Conflicts >= 1);
        Assert.Equal(
            [ExecutionEventKind.Started, ExecutionEventKind.Step, ExecutionEventKind.Waiting, ExecutionEventKind.Step],
            Events(host, "p-5").Select(e => e.Event.Kind));

        // The audit flow declares no events: nothing but the parcel's events is under any ".events." subject.
        Assert.All(host.Messages.All.Where(m => m.Subject.Contains(".events.", StringComparison.Ordinal)), m => Assert.StartsWith(Prefix + ".", m.Subject, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_hosts_publish_every_event_of_the_executions_they_share_once()
    {
        await using var other = await Infrastructure.ConnectAnotherAsync();
        await using var a = await StartAsync();
        await using var b = await StartAsync(other);
        var ids = Enumerable.Range(1, 8).Select(i => $"m-{i}").ToList();
        var parcels = new ParcelClient(a.Runtime);
        foreach (var id in ids)
        {
            await parcels.SendAsync(new ParcelSent(id));
        }

        await SettleBothAsync(a, b);
        foreach (var request in a.Messages.Of(ParcelFlow.Ports.RateRequest))
        {
            await parcels.SendAsync(new RateReply(request.TaskId, 100));
        }

        await SettleBothAsync(a, b);
        foreach (var id in ids[..^1])
        {
            await parcels.SendAsync(new ParcelDelivered(id));
        }

        // The last one is cancelled through the other host's runtime.
        await new ParcelClient(b.Runtime).CancelAsync(ids[^1], reason: "lost", by: "dave");
        await SettleBothAsync(a, b);

        foreach (var id in ids[..^1])
        {
            Assert.Equal(
                [ExecutionEventKind.Started, ExecutionEventKind.Step, ExecutionEventKind.Waiting, ExecutionEventKind.Step, ExecutionEventKind.Step, ExecutionEventKind.Ended],
                Events(a, id).Select(e => e.Event.Kind));
        }

        Assert.Equal(
            [ExecutionEventKind.Started, ExecutionEventKind.Step, ExecutionEventKind.Waiting, ExecutionEventKind.Step, ExecutionEventKind.Cancelled, ExecutionEventKind.Ended],
            Events(a, ids[^1]).Select(e => e.Event.Kind));
        Assert.Equal("dave", Events(a, ids[^1])[^2].Event.By);
    }

    private static async Task SettleBothAsync(FlowTestHost a, FlowTestHost b)
    {
        await a.SettleAsync();
        await b.SettleAsync();
        await a.SettleAsync();
    }

    private Task<FlowTestHost> StartAsync(IFlowInfrastructure? infrastructure = null) => FlowTestHost.StartAsync([ParcelFlow.Definition, ParcelAuditFlow.Definition], o =>
    {
        o.Transport = (infrastructure ?? Infrastructure).Transport;
        o.StateStore = (infrastructure ?? Infrastructure).Store;
        o.Time = _time;
    });

    /// <summary>
    /// The events of one execution, one per message id, ordered by sequence (an execution's Ended event
    /// shares its sequence with the entry that ended it, and comes after it). A replay of an outbox
    /// publishes the same event again under the same id: the stream's duplicate window (NATS) or the
    /// transport (in memory, SQLite) keeps one, but a plain subscriber on NATS sees each publish, so
    /// replays are checked to be byte-for-byte the same event and then counted once.
    /// </summary>
    private static List<(string Subject, ExecutionEvent Event, string MessageId)> Events(FlowTestHost host, string executionId)
    {
        var published = host.Messages.Matching(new SubjectPattern(Prefix + ".*"))
            .Select(m => (m.Subject, Event: m.As(ExecutionEvent.Port(m.Subject)), MessageId: m.Headers.TryGetValue(MessageHeaders.MessageId, out var id) ? id : "", m.Payload))
            .Where(e => e.Event.ExecutionId == executionId)
            .ToList();
        Assert.All(published, e => Assert.StartsWith($"parcel.{executionId}.", e.MessageId, StringComparison.Ordinal));
        foreach (var replays in published.GroupBy(e => e.MessageId))
        {
            Assert.All(replays, r => Assert.True(r.Payload.Span.SequenceEqual(replays.First().Payload.Span), $"Two events share the id {replays.Key} but differ."));
        }

        return published.DistinctBy(e => e.MessageId)
            .Select(e => (e.Subject, e.Event, e.MessageId))
            .OrderBy(e => e.Event.Sequence)
            .ThenBy(e => e.Event.Kind == ExecutionEventKind.Ended ? 1 : 0)
            .ToList();
    }
}
