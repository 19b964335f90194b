using System.Collections.Concurrent;
using FlowSdk.Semantics.Flows;
using FlowSdk.Transport;
using Microsoft.Extensions.Time.Testing;

namespace FlowSdk.Semantics;

/// <summary>
/// Operators' control of executions: pause keeps messages and the deadline until resume, cancel is
/// terminal (rule work in flight sees it), retry runs a failed or timed-out execution again from its
/// last committed state, bulk controls take a status filter, and controls that do not apply say why.
/// Each control is a compare-and-set write of the state, so it behaves alike on every back-end.
/// </summary>
public abstract class ControlSemantics(IFlowInfrastructureFactory factory) : SemanticsBase(factory)
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_paused_execution_keeps_its_messages_and_handles_them_in_order_on_resume()
    {
        // Dead-lettering unmatched messages must not touch a paused execution's messages.
        await using var t = await StartOrdersAsync(o => o.UnmatchedMessages = UnmatchedMessagePolicy.DeadLetter);
        var deadLetters = WatchDeadLetters();
        await t.SendAndSettleAsync(new OrderPlaced("p-1", 100));

        var paused = await t.Runtime.PauseAsync(OrderFlow.Definition, "p-1", reason: "checking stock", by: "alice");
        Assert.Equal((ExecutionStatus.Running, ExecutionStatus.Paused), (paused.Before, paused.After));
        await t.SendAndSettleAsync(new OrderPaid("p-1", 100), new OrderShipped("p-1"));

        var order = await t.OrderAsync("p-1");
        Assert.Equal(ExecutionStatus.Paused, order.Status);
        Assert.Equal(OrderPhase.Placed, order.Phase);
        Assert.Equal("normal;", order.Path);
        Assert.Equal(2, order.Execution().Parked.Count);
        Assert.Equal("Paused by alice: checking stock", order.Execution().StatusReason);

        await t.Runtime.ResumeAsync(OrderFlow.Definition, "p-1", by: "alice");
        await t.SettleAsync();

        // Paid before Shipped, as published: Shipped first would have fired EarlyShipment.
        order = await t.OrderAsync("p-1");
        Assert.Equal(ExecutionStatus.Completed, order.Status);
        Assert.Equal("normal;pay;ship;", order.Path);
        Assert.Empty(order.Execution().Parked);
        Assert.Empty(deadLetters);
        var controls = order.Timeline.Where(e => e.Trigger == TriggerKind.Control).ToList();
        Assert.Equal([("Pause", "alice", RuleAction.Pause, "checking stock"), ("Resume", "alice", RuleAction.Resume, (string?)null)], controls.Select(e => (e.Rule, e.Source, e.Action, e.Reason)));
        Assert.Equal(["Normal", "Pause", "Resume", "Pay", "Ship"], order.Timeline.Select(e => e.Rule));
    }

    [Fact]
    public async Task A_deadline_that_passes_while_paused_fires_on_resume_and_retry_gives_a_fresh_deadline()
    {
        await using var h = await StartTicketsAsync();
        await h.SendAsync(new TicketOpened("d-1", Priority: 0));
        await h.Tickets.PauseAsync("d-1");

        _time.Advance(TimeSpan.FromHours(2));
        await h.SettleAsync();
        Assert.Equal(ExecutionStatus.Paused, (await h.TicketAsync("d-1")).Status);

        var resumed = await h.Tickets.ResumeAsync("d-1", reason: "back");
        Assert.Equal(ExecutionStatus.Running, resumed.After);
        await h.SettleAsync();
        var ticket = await h.TicketAsync("d-1");
        Assert.Equal(ExecutionStatus.TimedOut, ticket.Status);
        Assert.Equal("Timeout", ticket.Timeline[^1].Rule);

        var retried = await h.Tickets.RetryAsync("d-1", reason: "customer called back", by: "bob");
        Assert.Equal((ExecutionStatus.TimedOut, ExecutionStatus.Running), (retried.Before, retried.After));
        await h.SendAsync(new TicketNudged("d-1"));
        ticket = await h.TicketAsync("d-1");
        Assert.Equal(ExecutionStatus.Running, ticket.Status);
        Assert.Equal(TicketPhase.Triaged, ticket.Phase);
        Assert.Equal(1, ticket.Nudges);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromHours(1), ticket.Execution().Deadline);
        Assert.Contains(ticket.Timeline, e => e is { Rule: "Retry", Source: "bob", Reason: "customer called back", Trigger: TriggerKind.Control });
    }

    [Fact]
    public async Task Retry_runs_a_failed_execution_again_from_its_last_committed_state()
    {
        await using var h = await StartTicketsAsync();
        await h.SendAsync(new TicketOpened("f-1", Priority: 0), new TicketNudged("f-1"), new TicketJudged("f-1", "fail"));
        Assert.Equal(ExecutionStatus.Failed, (await h.TicketAsync("f-1")).Status);

        await h.Tickets.RetryAsync("f-1");
        await h.SendAsync(new TicketFlagged("f-1", Urgent: true, Vip: false));

        var ticket = await h.TicketAsync("f-1");
        Assert.Equal(ExecutionStatus.Running, ticket.Status);
        Assert.Null(ticket.Execution().StatusReason);
        Assert.Equal((1, "flagged;"), (ticket.Nudges, ticket.Flags));
        Assert.Equal(["Triage", "Nudge", "Judge", "Retry", "Flag"], ticket.Timeline.Select(e => e.Rule));
    }

    [Fact]
    public async Task Cancel_is_terminal_and_says_who_and_why_and_later_messages_are_dead_lettered()
    {
        await using var t = await StartOrdersAsync();
        var deadLetters = WatchDeadLetters();
        await t.SendAndSettleAsync(new OrderPlaced("c-1", 100));
        await t.Runtime.PauseAsync(OrderFlow.Definition, "c-1");
        await t.SendAndSettleAsync(new OrderPaid("c-1", 100));

        var cancelled = await t.Orders.CancelAsync("c-1", reason: "duplicate order", by: "carol");
        await t.SettleAsync();
        Assert.Equal((ExecutionStatus.Paused, ExecutionStatus.Cancelled), (cancelled.Before, cancelled.After));
        var order = await t.OrderAsync("c-1");
        Assert.Equal(ExecutionStatus.Cancelled, order.Status);
        Assert.True(order.Status.IsTerminal());
        Assert.Equal("Cancelled by carol: duplicate order", order.Execution().StatusReason);
        Assert.Equal(("Cancel", "carol", "duplicate order"), (order.Timeline[^1].Rule, order.Timeline[^1].Source, order.Timeline[^1].Reason));

        // The message kept while paused, and one sent now, go to dead letters: nothing fires again.
        await t.SendAndSettleAsync(new OrderShipped("c-1"));
        await deadLetters.WhenCountAsync(2);
        Assert.Equal(["test.orders.paid", "test.orders.shipped"], deadLetters.Subjects.Order(StringComparer.Ordinal));
        Assert.Equal("normal;", (await t.OrderAsync("c-1")).Path);
        Assert.Empty((await t.OrderAsync("c-1")).Execution().Parked);
    }

    [Fact]
    public async Task Rule_work_in_flight_sees_the_cancellation_and_its_write_is_refused()
    {
        var probe = (Started: new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), SawCancellation: new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        var id = "inflight-" + Guid.NewGuid().ToString("N")[..8];
        TicketRules.Cancellable[id] = probe;
        try
        {
            await using var h = await StartTicketsAsync();
            await CancelWhileItsRuleRunsAsync(h, id, probe);
            var ticket = await h.TicketAsync(id);
            Assert.Equal(ExecutionStatus.Cancelled, ticket.Status);
            Assert.Equal("", ticket.Flags);
            Assert.Equal(["Triage", "Cancel"], ticket.Timeline.Select(e => e.Rule));
        }
        finally
        {
            TicketRules.Cancellable.TryRemove(id, out _);
        }
    }

    [Fact]
    public async Task After_a_cancel_reached_rule_work_in_flight_the_next_rule_work_of_its_lane_starts_uncancelled()
    {
        // One lane: both executions' events are handled in it, one after the other.
        var probe = (Started: new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), SawCancellation: new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        var cancelled = "inflight-" + Guid.NewGuid().ToString("N")[..8];
        var next = "next-" + Guid.NewGuid().ToString("N")[..8];
        TicketRules.Cancellable[cancelled] = probe;
        try
        {
            await using var h = await StartTicketsAsync(lanes: 1);
            await CancelWhileItsRuleRunsAsync(h, cancelled, probe);

            await h.SendAsync(new TicketOpened(next, Priority: 0));
            await h.SendAsync(new TicketJudged(next, "probe"));

            Assert.False(TicketRules.StartedCancelled[next]);
            Assert.Equal(["Triage", "Judge"], (await h.TicketAsync(next)).Timeline.Select(e => e.Rule));
        }
        finally
        {
            TicketRules.Cancellable.TryRemove(cancelled, out _);
            TicketRules.StartedCancelled.TryRemove(next, out _);
        }
    }

    [Fact]
    public async Task A_callback_a_rule_left_on_its_cancellation_token_is_not_run_by_a_later_executions_cancel()
    {
        // One lane: the first execution's rule registers on the token and never unregisters; the
        // second execution's rule work, in the same lane, is then cancelled.
        var registered = "registered-" + Guid.NewGuid().ToString("N")[..8];
        var cancelled = "inflight-" + Guid.NewGuid().ToString("N")[..8];
        var probe = (Started: new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), SawCancellation: new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        TicketRules.Cancellable[cancelled] = probe;
        try
        {
            await using var h = await StartTicketsAsync(lanes: 1);
            await h.SendAsync(new TicketOpened(registered, Priority: 0));
            await h.SendAsync(new TicketJudged(registered, "register"));
            Assert.Equal(["Triage", "Judge"], (await h.TicketAsync(registered)).Timeline.Select(e => e.Rule));

            await CancelWhileItsRuleRunsAsync(h, cancelled, probe);

            Assert.False(TicketRules.CallbackRan.ContainsKey(registered), "the cancel of another execution ran a callback registered by an earlier execution's rule");
        }
        finally
        {
            TicketRules.Cancellable.TryRemove(cancelled, out _);
            TicketRules.CallbackRan.TryRemove(registered, out _);
        }
    }

    [Fact]
    public async Task Controls_that_do_not_apply_are_errors_naming_the_status()
    {
        await using var t = await StartOrdersAsync();
        await t.SendAndSettleAsync(new OrderPlaced("e-1", 100), new OrderPaid("e-1", 100), new OrderShipped("e-1"));
        var revision = await t.RevisionAsync("e-1");

        var unknown = await Assert.ThrowsAsync<ExecutionControlException>(() => t.Orders.PauseAsync("nobody"));
        Assert.Null(unknown.Status);
        Assert.Contains("Flow 'order' has no execution 'nobody'", unknown.Message, StringComparison.Ordinal);

        var ended = await Assert.ThrowsAsync<ExecutionControlException>(() => t.Orders.CancelAsync("e-1"));
        Assert.Equal(ExecutionStatus.Completed, ended.Status);
        Assert.Equal("Execution 'e-1' of flow 'order' is Completed: it has ended, so it cannot be cancelled.", ended.Message);

        var notFailed = await Assert.ThrowsAsync<ExecutionControlException>(() => t.Orders.RetryAsync("e-1"));
        Assert.Contains("is Completed: retry applies to Failed and TimedOut executions", notFailed.Message, StringComparison.Ordinal);

        await t.SendAndSettleAsync(new OrderPlaced("e-2", 100));
        var notPaused = await Assert.ThrowsAsync<ExecutionControlException>(() => t.Orders.ResumeAsync("e-2"));
        Assert.Equal(ExecutionStatus.Running, notPaused.Status);
        Assert.Contains("is Running: resume applies to Paused executions", notPaused.Message, StringComparison.Ordinal);

        // A refused control writes nothing.
        Assert.Equal(revision, await t.RevisionAsync("e-1"));
    }

    [Fact]
    public async Task A_bulk_control_takes_every_execution_in_the_status_it_names()
    {
        await using var t = await StartOrdersAsync();
        await t.SendAndSettleAsync(new OrderPlaced("b-1", 100), new OrderPlaced("b-2", 100), new OrderPlaced("b-3", 100), new OrderPlaced("b-4", 100));
        await t.SendAndSettleAsync(new OrderPaid("b-4", 100), new OrderShipped("b-4"));
        await t.Orders.PauseAsync("b-2");

        var results = await t.Orders.ControlAllAsync(ExecutionControlAction.Cancel, ExecutionStatus.Running, reason: "shop closed");

        Assert.Equal(["b-1", "b-3"], results.Select(r => r.ExecutionId));
        Assert.All(results, r => Assert.True(r.Applied));
        Assert.Equal(ExecutionStatus.Cancelled, (await t.OrderAsync("b-1")).Status);
        Assert.Equal(ExecutionStatus.Paused, (await t.OrderAsync("b-2")).Status);
        Assert.Equal(ExecutionStatus.Cancelled, (await t.OrderAsync("b-3")).Status);
        Assert.Equal(ExecutionStatus.Completed, (await t.OrderAsync("b-4")).Status);

        // Without a status: every execution the control applies to.
        var resumed = await t.Orders.ControlAllAsync(ExecutionControlAction.Resume);
        Assert.Equal("b-2", Assert.Single(resumed).ExecutionId);

        var wrong = await Assert.ThrowsAsync<ExecutionControlException>(() => t.Orders.ControlAllAsync(ExecutionControlAction.Cancel, ExecutionStatus.Completed));
        Assert.Contains("A Completed execution cannot be cancelled", wrong.Message, StringComparison.Ordinal);
    }

    private Task<TestRuntime> StartOrdersAsync(Action<FlowRuntimeOptions>? configure = null) => StartAsync(o =>
    {
        o.TimeProvider = _time;
        configure?.Invoke(o);
    });

    /// <summary>
    /// Opens ticket <paramref name="id"/>, starts its "cancellable" rule, cancels the execution while
    /// the rule runs, checks the rule saw the cancellation and waits until the runtime settles.
    /// </summary>
    private static async Task CancelWhileItsRuleRunsAsync(TicketHarness h, string id, (TaskCompletionSource Started, TaskCompletionSource<bool> SawCancellation) probe)
    {
        await h.SendAsync(new TicketOpened(id, Priority: 0));
        await h.Tickets.SendAsync(new TicketJudged(id, "cancellable"));
        await probe.Started.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await h.Tickets.CancelAsync(id, reason: "runaway");
        Assert.True(await probe.SawCancellation.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        await h.SettleAsync();
    }

    private async Task<TicketHarness> StartTicketsAsync(int lanes = 0)
    {
        var host = await Testing.FlowTestHost.StartAsync([TicketFlow.Definition], o =>
        {
            o.Transport = Infrastructure.Transport;
            o.StateStore = Infrastructure.Store;
            o.Time = _time;
            if (lanes > 0)
            {
                o.ConfigureRuntime = r => r.Lanes = lanes;
            }
        });
        return await TicketHarness.StartAsync(host, replyWithOwner: null, ticketPrefix: "");
    }

    private DeadLetters WatchDeadLetters()
    {
        var deadLetters = new DeadLetters();
        _subscriptions.Add(System.ObservableExtensions.Subscribe(Infrastructure.Transport.Subscribe("flowsdk.deadletter.>"), deadLetters.Add));
        return deadLetters;
    }

    private readonly List<IDisposable> _subscriptions = [];

    /// <summary>Dead letters seen on the transport; on NATS they may arrive after the runtime is idle, so tests wait for a count.</summary>
    private sealed class DeadLetters : IEnumerable<TransportMessage>
    {
        private readonly ConcurrentQueue<TransportMessage> _messages = new();

        public IEnumerable<string> Subjects => _messages.Select(m => m.Subject["flowsdk.deadletter.".Length..]);

        private TaskCompletionSource _added = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Add(TransportMessage message)
        {
            _messages.Enqueue(message);
            Interlocked.Exchange(ref _added, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        /// <summary>Returns once <paramref name="count"/> dead letters arrived, or after 10 s (the test's assertion then names what is missing).</summary>
        public async Task WhenCountAsync(int count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (true)
            {
                var added = Volatile.Read(ref _added);
                if (_messages.Count >= count)
                {
                    return;
                }

                try
                {
                    await added.Task.WaitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        public IEnumerator<TransportMessage> GetEnumerator() => _messages.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
