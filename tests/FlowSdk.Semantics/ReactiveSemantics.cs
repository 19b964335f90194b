using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reactive.Linq;
using FlowSdk.Semantics.Flows;
using FlowSdk.Testing;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace FlowSdk.Semantics;

/// <summary>
/// Triggers, chaining, publish-and-await, guards, outcomes, time and instrumentation, as every
/// transport must give them. All time is virtual: a <see cref="FakeTimeProvider"/> drives deadlines,
/// cooldowns and retention.
/// </summary>
public abstract class ReactiveSemantics(IFlowInfrastructureFactory factory) : SemanticsBase(factory)
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task State_only_rules_see_the_runtimes_own_writes_so_one_rule_triggers_the_next()
    {
        await using var h = await StartAsync(replyWithOwner: "alice");

        await h.SendAsync(new TicketOpened("t-1", Priority: 2));

        var ticket = await h.TicketAsync("t-1");
        Assert.Equal(ExecutionStatus.Completed, ticket.Status);
        Assert.Equal("alice", ticket.Owner);
        Assert.Equal(
            [("Triage", TriggerKind.MessageAndState), ("Lookup", TriggerKind.State), ("Assign", TriggerKind.MessageAndState), ("Close", TriggerKind.State)],
            ticket.Timeline.Select(e => (e.Rule, e.Trigger)));
    }

    [Fact]
    public async Task Publish_and_await_parks_the_execution_with_the_task_id_it_put_in_the_request()
    {
        await using var h = await StartAsync();

        await h.SendAsync(new TicketOpened("t-1", Priority: 2));

        var ticket = await h.TicketAsync("t-1");
        Assert.Equal(ExecutionStatus.Waiting, ticket.Status);
        Assert.Equal(TicketPhase.Assigned, ticket.Phase);
        var request = Assert.Single(h.Requests);
        Assert.Equal(ticket.Execution().PendingTaskId, request.TaskId);
        Assert.StartsWith("t-1.", request.TaskId, StringComparison.Ordinal);
        Assert.Equal(_time.GetUtcNow(), ticket.Execution().PendingSince);
    }

    [Fact]
    public async Task The_reply_is_correlated_by_its_task_id_and_handed_to_the_continuation()
    {
        await using var h = await StartAsync();
        await h.SendAsync(new TicketOpened("t-1", Priority: 2), new TicketOpened("t-2", Priority: 2));
        var request = h.Requests.Single(r => r.TicketId == "t-2");

        await h.SendAsync(new OwnerFound(request.TaskId, "bob"));

        Assert.Equal(ExecutionStatus.Waiting, (await h.TicketAsync("t-1")).Status);
        var ticket = await h.TicketAsync("t-2");
        Assert.Equal("bob", ticket.Owner);
        Assert.Equal(ExecutionStatus.Completed, ticket.Status);
        Assert.Null(ticket.Execution().PendingTaskId);
    }

    [Fact]
    public async Task A_reply_for_a_task_nobody_waits_for_fires_nothing()
    {
        await using var h = await StartAsync();
        await h.SendAsync(new TicketOpened("t-1", Priority: 2));
        var pending = (await h.TicketAsync("t-1")).Execution().PendingTaskId!;

        await h.SendAsync(new OwnerFound("t-1.99", "mallory"), new OwnerFound("nobody.1", "mallory"));

        var ticket = await h.TicketAsync("t-1");
        Assert.Equal(ExecutionStatus.Waiting, ticket.Status);
        Assert.Null(ticket.Owner);
        Assert.Equal(pending, ticket.Execution().PendingTaskId);
        Assert.Null(await h.Tickets.GetAsync("nobody"));
    }

    [Fact]
    public async Task While_waiting_for_a_reply_other_messages_fire_no_rule()
    {
        await using var h = await StartAsync();
        await h.SendAsync(new TicketOpened("t-1", Priority: 2));

        await h.SendAsync(new TicketNudged("t-1"));

        Assert.Equal(0, (await h.TicketAsync("t-1")).Nudges);
    }

    [Fact]
    public async Task A_state_rule_that_keeps_its_own_condition_true_is_stopped_by_the_chain_bound_and_escalates()
    {
        await using var h = await StartAsync(configure: o => o.MaxChainedFirings = 5);

        await h.SendAsync(new TicketOpened("t-1", Priority: 0, Runaway: true));

        var ticket = await h.TicketAsync("t-1");
        Assert.Equal(ExecutionStatus.Escalated, ticket.Status);
        Assert.Equal(5, ticket.Spins);
        Assert.Contains("'Spin'", ticket.StatusReason);
        Assert.Contains("MaxChainedFirings is 5", ticket.StatusReason);
        var ended = Assert.Single(h.Ended);
        Assert.Equal(("t-1", ExecutionStatus.Escalated), (ended.ExecutionId, ended.Status));
    }

    [Fact]
    public async Task A_message_for_an_unknown_key_creates_the_execution_and_the_next_reaches_the_same_one()
    {
        await using var h = await StartAsync();

        await h.SendAsync(new TicketNudged("t-1"));
        var created = await h.TicketAsync("t-1");
        await h.SendAsync(new TicketOpened("t-1", Priority: 0));

        var ticket = await h.TicketAsync("t-1");
        Assert.Equal(TicketPhase.Open, created.Phase);
        Assert.Equal(1, created.Nudges);
        Assert.Equal(TicketPhase.Triaged, ticket.Phase);
        Assert.Equal(1, ticket.Nudges);
        Assert.Equal(created.CreatedAt, ticket.CreatedAt);
        Assert.Equal(["Nudge", "Triage"], ticket.Timeline.Select(e => e.Rule));
    }

    [Fact]
    public async Task A_rule_in_cooldown_is_passed_over_until_the_cooldown_ends_and_max_firings_caps_it()
    {
        await using var h = await StartAsync();
        await h.SendAsync(new TicketOpened("t-1", Priority: 0));

        await h.SendAsync(new TicketNudged("t-1"), new TicketNudged("t-1"));
        Assert.Equal(1, (await h.TicketAsync("t-1")).Nudges);

        _time.Advance(TimeSpan.FromMinutes(9));
        await h.SendAsync(new TicketNudged("t-1"));
        Assert.Equal(1, (await h.TicketAsync("t-1")).Nudges);

        _time.Advance(TimeSpan.FromMinutes(1));
        await h.SendAsync(new TicketNudged("t-1"));
        Assert.Equal(2, (await h.TicketAsync("t-1")).Nudges);

        _time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromMinutes(11));
        await h.SendAsync(new TicketNudged("t-1"));
        var ticket = await h.TicketAsync("t-1");
        Assert.Equal(2, ticket.Nudges);
        var why = TicketFlow.Definition.Explain(ticket, new TicketNudged("t-1"), _time.GetUtcNow());
        Assert.Contains("MaxFirings is 2", Assert.Single(why).Reason);
    }

    [Fact]
    public async Task Conditions_combined_with_any_fire_when_one_holds_and_say_which()
    {
        await using var h = await StartAsync();
        await h.SendAsync(new TicketOpened("t-1", Priority: 0));

        await h.SendAsync(new TicketFlagged("t-1", Urgent: false, Vip: false));
        Assert.Equal("", (await h.TicketAsync("t-1")).Flags);
        await h.SendAsync(new TicketFlagged("t-1", Urgent: false, Vip: true));
        await h.SendAsync(new TicketFlagged("t-1", Urgent: true, Vip: false));

        var ticket = await h.TicketAsync("t-1");
        Assert.Equal("flagged;flagged;", ticket.Flags);
        var evaluation = Assert.Single(TicketFlow.Definition.Explain(ticket, new TicketFlagged("t-1", false, true), _time.GetUtcNow()));
        Assert.True(evaluation.Fired);
        Assert.Equal([false, true], evaluation.Conditions.Select(c => c.Holds));
        Assert.Equal("'the ticket is urgent' is false or 'the customer is a VIP' is true", evaluation.Reason);
    }

    [Theory]
    [InlineData("fail", ExecutionStatus.Failed, RuleAction.Fail, "the customer withdrew")]
    [InlineData("escalate", ExecutionStatus.Escalated, RuleAction.Escalate, "legal must look at this")]
    [InlineData("complete", ExecutionStatus.Completed, RuleAction.Complete, null)]
    public async Task A_rule_can_fail_escalate_or_complete_its_execution_and_a_lifecycle_event_follows(string verdict, ExecutionStatus status, RuleAction action, string? reason)
    {
        await using var h = await StartAsync();
        await h.SendAsync(new TicketOpened("t-1", Priority: 0));

        await h.SendAsync(new TicketJudged("t-1", verdict));

        var ticket = await h.TicketAsync("t-1");
        Assert.Equal(status, ticket.Status);
        Assert.Equal(reason, ticket.StatusReason);
        Assert.Equal(action, ticket.Timeline[^1].Action);
        var ended = Assert.Single(h.Ended);
        Assert.Equal(new ExecutionEnded("ticket", "t-1", status, "Triaged", reason, _time.GetUtcNow()), ended);
        Assert.Equal("test.tickets.ended." + status.ToString().ToLowerInvariant(), h.EndedSubjects.Single());
    }

    [Fact]
    public async Task An_execution_past_its_deadline_times_out_and_publishes_the_event()
    {
        await using var h = await StartAsync();
        await h.SendAsync(new TicketOpened("t-1", Priority: 2));
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromHours(1), (await h.TicketAsync("t-1")).Execution().Deadline);

        _time.Advance(TimeSpan.FromMinutes(59));
        await h.SettleAsync();
        Assert.Equal(ExecutionStatus.Waiting, (await h.TicketAsync("t-1")).Status);

        _time.Advance(TimeSpan.FromMinutes(1));
        await h.SettleAsync();

        var ticket = await h.TicketAsync("t-1");
        Assert.Equal(ExecutionStatus.TimedOut, ticket.Status);
        Assert.Equal(("Timeout", TriggerKind.Timer), (ticket.Timeline[^1].Rule, ticket.Timeline[^1].Trigger));
        Assert.Equal(ExecutionStatus.TimedOut, Assert.Single(h.Ended).Status);
    }

    [Fact]
    public async Task A_deadline_survives_a_restart_because_it_is_stored_with_the_execution()
    {
        await using (var first = await StartAsync())
        {
            await first.SendAsync(new TicketOpened("t-1", Priority: 2));
        }

        _time.Advance(TimeSpan.FromHours(2));
        await using var second = await StartAsync();
        await second.SettleAsync();

        Assert.Equal(ExecutionStatus.TimedOut, (await second.TicketAsync("t-1")).Status);
    }

    [Fact]
    public async Task Ended_executions_stay_inspectable_until_their_retention_passes_then_are_removed()
    {
        await using var h = await StartAsync(configure: o => o.Retention = TimeSpan.FromMinutes(30));
        await h.SendAsync(new TicketOpened("t-1", Priority: 0), new TicketJudged("t-1", "complete"));

        _time.Advance(TimeSpan.FromMinutes(29));
        await h.SettleAsync();
        Assert.Equal(ExecutionStatus.Completed, (await h.TicketAsync("t-1")).Status);

        _time.Advance(TimeSpan.FromMinutes(1));
        await h.SettleAsync();
        Assert.Null(await h.Tickets.GetAsync("t-1"));
    }

    [Fact]
    public async Task Messages_a_stopped_host_committed_but_did_not_publish_are_published_by_the_next()
    {
        // A committed execution whose outbox still holds a message: what a host that died between
        // the commit and the publish leaves behind.
        var ticket = new Ticket();
        ticket.Execution().Id = "t-1";
        ticket.Execution().Flow = "ticket";
        ticket.Execution().Phase = "Assigned";
        ticket.Execution().Status = ExecutionStatus.Waiting;
        ticket.Execution().PendingTaskId = "t-1.2";
        ticket.Execution().Outbox.Add(new OutgoingMessage(
            "test.tickets.owner.lookup", "OwnerLookup", TicketFlow.Ports.OwnerLookup.Serialize(new OwnerLookup("t-1", 2, "t-1.2"))) { MessageId = "ticket.t-1.2.1" });
        await Infrastructure.Store.TryCreateAsync("ticket.t-1", FlowSerializer.Serialize(Ticket.FlowFormatter.Instance, ticket));

        await using var h = await StartAsync();
        await h.SettleAsync();

        Assert.Equal("t-1.2", Assert.Single(h.Requests).TaskId);
        Assert.Empty((await h.TicketAsync("t-1")).Execution().Outbox);
    }

    [Fact]
    public async Task Different_executions_proceed_in_parallel_while_one_is_busy()
    {
        using var gate = new ManualResetEventSlim(false);
        TicketRules.Gate = gate;
        try
        {
            const int lanes = 4;
            await using var h = await StartAsync(configure: o => o.Lanes = lanes);
            var busy = "t-0";
            var other = Enumerable.Range(1, 100).Select(i => $"t-{i}")
                .First(id => (uint)StringComparer.Ordinal.GetHashCode(id) % lanes != (uint)StringComparer.Ordinal.GetHashCode(busy) % lanes);
            await h.SendAsync(new TicketOpened(busy, 0), new TicketOpened(other, 0));

            // The busy execution's rule blocks until the gate opens; the other's must not wait for it.
            await h.Tickets.SendAsync(new TicketJudged(busy, "wait"));
            await h.Tickets.SendAsync(new TicketJudged(other, "complete"));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while ((await h.Tickets.GetAsync(other))?.Status != ExecutionStatus.Completed)
            {
                Assert.True(DateTime.UtcNow < deadline, "The other execution waited for the busy one.");
                await Task.Yield();
            }

            Assert.False(gate.IsSet);
            gate.Set();
            await h.SettleAsync();
            Assert.Equal(["Triage", "Judge"], (await h.TicketAsync(busy)).Timeline.Select(e => e.Rule));
        }
        finally
        {
            TicketRules.Gate = null;
        }
    }

    [Fact]
    public async Task Firings_are_traced_and_counted()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == FlowSdkDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => spans.Enqueue(a),
        };
        ActivitySource.AddActivityListener(listener);
        using var firings = new MetricCollector<long>(null, FlowSdkDiagnostics.MeterName, FlowSdkDiagnostics.RuleFirings);
        using var ended = new MetricCollector<long>(null, FlowSdkDiagnostics.MeterName, FlowSdkDiagnostics.ExecutionsEnded);
        using var latency = new MetricCollector<double>(null, FlowSdkDiagnostics.MeterName, FlowSdkDiagnostics.CallbackLatency);
        await using var h = await StartAsync(replyWithOwner: "alice", ticketPrefix: "traced-");

        await h.SendAsync(new TicketOpened("traced-1", Priority: 2));

        var mine = spans.Where(s => (string?)s.GetTagItem("flowsdk.execution") == "traced-1").ToList();
        Assert.Equal(["Triage", "Lookup", "Assign", "Close"], mine.Select(s => (string?)s.GetTagItem("flowsdk.rule")));
        Assert.Equal(("Assigned", "Closed", "State"), ((string?)mine[^1].GetTagItem("flowsdk.phase.before"), (string?)mine[^1].GetTagItem("flowsdk.phase.after"), (string?)mine[^1].GetTagItem("flowsdk.trigger")));
        Assert.True(firings.GetMeasurementSnapshot().Count(m => Equals(m.Tags["flow"], "ticket")) >= 4);
        Assert.Contains(ended.GetMeasurementSnapshot(), m => Equals(m.Tags["status"], "Completed"));
        Assert.NotEmpty(latency.GetMeasurementSnapshot());
    }

    private async Task<TicketHarness> StartAsync(string? replyWithOwner = null, Action<FlowRuntimeOptions>? configure = null, string ticketPrefix = "")
    {
        var host = await FlowTestHost.StartAsync([TicketFlow.Definition], o =>
        {
            o.Transport = Infrastructure.Transport;
            o.StateStore = Infrastructure.Store;
            o.Time = _time;
            o.ConfigureRuntime = configure;
        });
        return await TicketHarness.StartAsync(host, replyWithOwner, ticketPrefix);
    }
}

/// <summary>
/// The ticket flow on a <see cref="FlowTestHost"/> (the FlowSdk.Testing kit), with an optional
/// owner-lookup responder; requests and lifecycle events are read from the host's message recorder.
/// </summary>
internal sealed class TicketHarness : IAsyncDisposable
{
    private readonly string _ticketPrefix;
    private IDisposable? _responder;

    private TicketHarness(FlowTestHost host, string ticketPrefix)
    {
        Host = host;
        Tickets = new TicketClient(host.Runtime);
        _ticketPrefix = ticketPrefix;
    }

    public FlowTestHost Host { get; }

    public FlowRuntime Runtime => Host.Runtime;

    public TicketClient Tickets { get; }

    public IReadOnlyList<OwnerLookup> Requests => Host.Messages.Of(TicketFlow.Ports.OwnerLookup)
        .Where(r => r.TicketId.StartsWith(_ticketPrefix, StringComparison.Ordinal)).ToList();

    public IReadOnlyList<ExecutionEnded> Ended => EndedMessages.Select(m => m.Ended).ToList();

    public IReadOnlyList<string> EndedSubjects => EndedMessages.Select(m => m.Subject).ToList();

    private IEnumerable<(string Subject, ExecutionEnded Ended)> EndedMessages => Host.Messages.Matching(new SubjectPattern("test.tickets.ended.*"))
        .Select(m => (m.Subject, Ended: m.As(ExecutionEnded.Port(m.Subject))))
        .Where(m => m.Ended.ExecutionId.StartsWith(_ticketPrefix, StringComparison.Ordinal));

    public static async Task<TicketHarness> StartAsync(FlowTestHost host, string? replyWithOwner, string ticketPrefix)
    {
        var harness = new TicketHarness(host, ticketPrefix);
        if (replyWithOwner is not null)
        {
            var transport = host.Runtime.Transport;
            harness._responder = transport.Subscribe(TicketFlow.Ports.OwnerLookup.Subject).Subscribe(m =>
            {
                var request = TicketFlow.Ports.OwnerLookup.Deserialize(m.Payload);
                if (request.TicketId.StartsWith(ticketPrefix, StringComparison.Ordinal))
                {
                    var reply = TicketFlow.Ports.OwnerFound.Serialize(new OwnerFound(request.TaskId, replyWithOwner));
                    transport.PublishAsync(TicketFlow.Ports.OwnerFound.Subject, reply).AsTask().GetAwaiter().GetResult();
                }
            });
            await transport.WhenSubscribedAsync();
        }

        return harness;
    }

    public async Task SendAsync(params object[] messages)
    {
        foreach (var message in messages)
        {
            await (message switch
            {
                TicketOpened m => Tickets.SendAsync(m),
                TicketNudged m => Tickets.SendAsync(m),
                TicketFlagged m => Tickets.SendAsync(m),
                TicketJudged m => Tickets.SendAsync(m),
                OwnerFound m => Tickets.SendAsync(m),
                _ => throw new ArgumentException($"No port for {message.GetType().Name}"),
            });
        }

        await SettleAsync();
    }

    public Task SettleAsync() => Host.SettleAsync();

    public Task<Ticket> TicketAsync(string id) => Host.GetAsync(TicketFlow.Definition, id);

    public async ValueTask DisposeAsync()
    {
        _responder?.Dispose();
        await Host.DisposeAsync();
    }
}
