using FlowSdk.Semantics.Flows;
using FlowSdk.Testing;
using Microsoft.Extensions.Logging;

namespace FlowSdk.Tests;

/// <summary>The FlowSdk.Testing kit itself: the host, the recorder, injected faults, RunOnce and the assertions.</summary>
public sealed class TestKitTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_host_runs_on_virtual_time_and_a_deadline_passes_when_the_clock_is_advanced()
    {
        await using var host = await FlowTestHost.StartAsync(TicketFlow.Definition);
        await host.SendAsync(TicketFlow.Ports.TicketOpened, new TicketOpened("t-1", Priority: 0));
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), (await host.GetAsync(TicketFlow.Definition, "t-1")).CreatedAt);

        await host.AdvanceAsync(TimeSpan.FromMinutes(59));
        FlowAssert.Status(await host.GetAsync(TicketFlow.Definition, "t-1"), ExecutionStatus.Running);
        await host.AdvanceAsync(TimeSpan.FromMinutes(1));

        var ticket = await host.GetAsync(TicketFlow.Definition, "t-1");
        FlowAssert.Status(ticket, ExecutionStatus.TimedOut, reasonContains: "deadline");
        FlowAssert.Fired(ticket, ("Triage", TriggerKind.MessageAndState), ("Timeout", TriggerKind.Timer));
        Assert.Equal(host.Now, host.Messages.SingleOf(ExecutionEnded.Port("test.tickets.ended.timedout")).At);
    }

    [Fact]
    public async Task A_fake_clock_set_through_ConfigureRuntime_becomes_the_host_s_clock_that_AdvanceAsync_moves()
    {
        var mine = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);
        await using var host = await FlowTestHost.StartAsync([TicketFlow.Definition], o => o.ConfigureRuntime = r => r.TimeProvider = mine);
        Assert.Same(mine, host.Time);

        await host.SendAsync(TicketFlow.Ports.TicketOpened, new TicketOpened("t-1", Priority: 0));
        await host.AdvanceAsync(TimeSpan.FromHours(1));

        Assert.Equal(Now.AddHours(1), mine.GetUtcNow());
        FlowAssert.Status(await host.GetAsync(TicketFlow.Definition, "t-1"), ExecutionStatus.TimedOut, reasonContains: "deadline");
    }

    [Fact]
    public async Task A_clock_the_host_cannot_move_is_not_moved_and_two_clocks_or_a_start_besides_a_clock_are_refused()
    {
        await using (var host = await FlowTestHost.StartAsync([TicketFlow.Definition], o => o.ConfigureRuntime = r => r.TimeProvider = TimeProvider.System))
        {
            var system = await Assert.ThrowsAsync<InvalidOperationException>(() => host.AdvanceAsync(TimeSpan.FromHours(1)));
            Assert.StartsWith("The runtime runs on the SystemTimeProvider that ConfigureRuntime set, not on a FakeTimeProvider the host can move", system.Message, StringComparison.Ordinal);
            Assert.Throws<InvalidOperationException>(() => host.Time);
        }

        var two = await Assert.ThrowsAsync<ArgumentException>(() => FlowTestHost.StartAsync([TicketFlow.Definition], o =>
        {
            o.Time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);
            o.ConfigureRuntime = r => r.TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);
        }));
        Assert.Contains("ConfigureRuntime set the runtime's TimeProvider besides Time", two.Message, StringComparison.Ordinal);

        var start = await Assert.ThrowsAsync<ArgumentException>(() => FlowTestHost.StartAsync([TicketFlow.Definition], o =>
        {
            o.Time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);
            o.Start = Now.AddDays(1);
        }));
        Assert.Contains("Start and Time are both set", start.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_recorder_reads_every_published_message_back_typed_per_port()
    {
        await using var host = await FlowTestHost.StartAsync(OrderFlow.Definition);

        await host.SendAsync(OrderFlow.Ports.OrderPlaced, new OrderPlaced("o-1", 1500));
        await host.SendAsync(OrderFlow.Ports.OrderPlaced, new OrderPlaced("o-2", 10));

        Assert.Equal(["test.orders.placed", "test.orders.noticed", "test.orders.placed"], host.Messages.Subjects);
        Assert.Equal(new OrderNoticed("o-1", "large order"), host.Messages.SingleOf(OrderFlow.Ports.OrderNoticed));
        Assert.Equal([new OrderPlaced("o-1", 1500), new OrderPlaced("o-2", 10)], host.Messages.Of(OrderFlow.Ports.OrderPlaced));
        var error = Assert.Throws<FlowAssertionException>(() => host.Messages.SingleOf(OrderFlow.Ports.OrderPlaced));
        Assert.Contains("Expected one OrderPlaced on 'test.orders.placed', found 2", error.Message);
        Assert.Equal(2, host.Messages.Matching(new SubjectPattern("test.orders.placed")).Count);
        host.Messages.Clear();
        Assert.Empty(host.Messages.All);
    }

    [Fact]
    public async Task Injected_conflicts_make_the_runtime_evaluate_again_and_commit_once()
    {
        await using var host = await FlowTestHost.StartAsync(OrderFlow.Definition);
        await host.SendAsync(OrderFlow.Ports.OrderPlaced, new OrderPlaced("o-1", 100));

        host.Store.ConflictNextUpdates(2);
        await host.SendAsync(OrderFlow.Ports.OrderPaid, new OrderPaid("o-1", 100));

        Assert.Equal(2, host.Store.Conflicts);
        var order = await host.GetAsync(OrderFlow.Definition, "o-1");
        FlowAssert.Fired(order, "Normal", "Pay");
        Assert.Equal("normal;pay;", order.Path);
    }

    [Fact]
    public async Task A_store_failure_is_surfaced_by_settle_and_the_message_is_handled_again_and_applied()
    {
        await using var host = await FlowTestHost.StartAsync(OrderFlow.Definition);
        await host.SendAsync(OrderFlow.Ports.OrderPlaced, new OrderPlaced("o-1", 100));
        var outage = new IOException("the disk is gone");

        host.Store.FailNext(StateStoreOperation.Update, outage);
        var failure = await Assert.ThrowsAsync<FlowTestFailureException>(() => host.SendAsync(OrderFlow.Ports.OrderPaid, new OrderPaid("o-1", 100)));

        Assert.Same(outage, Assert.Single(failure.Errors).Exception);
        Assert.Contains("the disk is gone", failure.Message);
        Assert.Equal(1, host.Store.InjectedFailures);
        FlowAssert.Fired(await host.GetAsync(OrderFlow.Definition, "o-1"), "Normal", "Pay");

        // Each error is reported once: the next settle is clean.
        await host.SettleAsync();
        Assert.Single(host.Errors);
    }

    [Fact]
    public async Task A_forced_redelivery_delivers_the_message_again_and_it_takes_effect_once()
    {
        await using var host = await FlowTestHost.StartAsync(OrderFlow.Definition);
        await host.SendAsync(OrderFlow.Ports.OrderPlaced, new OrderPlaced("o-1", 100));

        host.Transport.RedeliverNext(new SubjectPattern("test.orders.paid"));
        await host.SendAsync(OrderFlow.Ports.OrderPaid, new OrderPaid("o-1", 100));

        Assert.Equal(1, host.Transport.Redeliveries);
        Assert.Contains(host.Logs, e => e.Message.Contains("test.orders.paid", StringComparison.Ordinal) && e.Message.Contains("rule Pay fired=False", StringComparison.Ordinal));
        var order = await host.GetAsync(OrderFlow.Definition, "o-1");
        FlowAssert.Fired(order, "Normal", "Pay");
    }

    [Fact]
    public async Task A_rule_that_throws_is_reported_by_settle_unless_errors_are_turned_off()
    {
        await using (var host = await FlowTestHost.StartAsync(OrderFlow.Definition))
        {
            await host.SendAsync(OrderFlow.Ports.OrderPlaced, new OrderPlaced("o-1", 100));
            var failure = await Assert.ThrowsAsync<FlowTestFailureException>(() => host.SendAsync(OrderFlow.Ports.OrderBroken, new OrderBroken("o-1")));
            Assert.Equal(LogLevel.Error, Assert.Single(failure.Errors).Level);
            Assert.Equal("the warehouse is on fire", failure.InnerException!.Message);
        }

        await using var quiet = await FlowTestHost.StartAsync([OrderFlow.Definition], o => o.ThrowOnErrors = false);
        await quiet.SendAsync(OrderFlow.Ports.OrderPlaced, new OrderPlaced("o-1", 100));
        await quiet.SendAsync(OrderFlow.Ports.OrderBroken, new OrderBroken("o-1"));
        FlowAssert.Status(await quiet.GetAsync(OrderFlow.Definition, "o-1"), ExecutionStatus.Failed, reasonContains: "the warehouse is on fire");
        Assert.Single(quiet.Errors);
    }

    [Fact]
    public async Task Two_hosts_on_one_clock_and_store_see_a_restart_keep_its_deadline()
    {
        var store = new FlowSdk.State.InMemoryStateStore();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);
        await using (var first = await FlowTestHost.StartAsync([TicketFlow.Definition], o => { o.StateStore = store; o.Time = time; }))
        {
            await first.SendAsync(TicketFlow.Ports.TicketOpened, new TicketOpened("t-1", Priority: 0));
        }

        time.Advance(TimeSpan.FromHours(2));
        await using var second = await FlowTestHost.StartAsync([TicketFlow.Definition], o => { o.StateStore = store; o.Time = time; });
        await second.SettleAsync();

        FlowAssert.Status(await second.GetAsync(TicketFlow.Definition, "t-1"), ExecutionStatus.TimedOut);
        Assert.Equal(2, store.Count); // the execution and the flow's deployment record
        await store.DisposeAsync();
    }

    [Fact]
    public void RunOnce_reports_the_rule_the_mutations_the_outputs_and_the_outcome_and_leaves_the_state_alone()
    {
        var order = OrderFlow.Definition.Start("o-1", Now);

        var run = OrderFlow.Definition.RunOnce(order, new OrderPlaced("o-1", 1500), Now, rule: "Large");

        Assert.True(run.Fired);
        Assert.Equal("Large", run.Rule!.Name);
        Assert.Equal([new StateMutation("Amount", "0", "1500"), new StateMutation("Path", "\"\"", "\"large;\"")], run.Mutations);
        Assert.Equal(new OrderNoticed("o-1", "large order"), run.Output(OrderFlow.Ports.OrderNoticed));
        Assert.Equal(("New", "Placed", ExecutionStatus.Running), (run.PhaseBefore, run.Phase, run.Status));
        Assert.Equal(new TimelineEntry(Now, "Large", TriggerKind.MessageAndState, "test.orders.placed", RuleAction.Publish, "New", "Placed", 1), run.Entry);
        Assert.True(Assert.Single(run.Evaluations).Fired);
        Assert.Equal(OrderPhase.Placed, run.State.Phase);
        Assert.Equal(OrderPhase.New, order.Phase);
        Assert.Equal("", order.Path);
    }

    [Fact]
    public void RunOnce_of_a_rule_that_does_not_fire_says_which_fired_instead_and_why()
    {
        var order = OrderFlow.Definition.Start("o-1", Now);

        var error = Assert.Throws<FlowAssertionException>(() => OrderFlow.Definition.RunOnce(order, new OrderPlaced("o-1", 10), Now, rule: "Large"));

        Assert.Contains("Expected rule 'Large' to fire on OrderPlaced, but 'Normal' fired", error.Message);
        Assert.Contains("Large: passed over - 'the amount is 1000 or more' is false", error.Message);
    }

    [Fact]
    public void RunOnce_of_a_state_change_runs_the_state_rules_and_reports_the_outcome()
    {
        var ticket = TicketFlow.Definition.Start("t-1", Now);
        TicketFlow.Definition.Fire(ticket, new TicketOpened("t-1", Priority: 0, Runaway: true), Now);

        var run = TicketFlow.Definition.RunOnce(ticket, Now, rule: "Spin", maxChainedFirings: 1);
        var bounded = TicketFlow.Definition.RunOnce(run.State, Now, maxChainedFirings: 1);

        Assert.Equal(new StateMutation("Spins", "0", "1"), run.Mutation("Spins"));
        Assert.Equal(ExecutionStatus.Running, run.Status);
        Assert.Equal(ExecutionStatus.Escalated, bounded.Status);
        Assert.Contains("MaxChainedFirings is 1", bounded.StatusReason);
        Assert.Equal(ExecutionStatus.Escalated, Assert.Single(bounded.OutputsOn(ExecutionEnded.Port("test.tickets.ended.escalated"))).Status);
        Assert.Empty(bounded.Mutations);
    }

    [Fact]
    public void A_rule_that_throws_in_RunOnce_lets_the_exception_through()
    {
        var order = OrderFlow.Definition.Start("o-1", Now);

        Assert.Equal("the warehouse is on fire", Assert.Throws<InvalidOperationException>(() => OrderFlow.Definition.RunOnce(order, new OrderBroken("o-1"), Now)).Message);
    }

    [Fact]
    public void Timeline_assertions_fail_with_the_whole_timeline_in_the_message()
    {
        var order = OrderFlow.Definition.Start("o-1", Now);
        OrderFlow.Definition.Fire(order, new OrderPlaced("o-1", 10), Now);

        FlowAssert.Fired(order, "Normal");
        FlowAssert.NeverFired(order, "Large");
        var error = Assert.Throws<FlowAssertionException>(() => FlowAssert.Fired(order, "Large"));
        Assert.Contains("Expected the timeline [Large], found [Normal]", error.Message);
        Assert.Contains("Execution 'o-1' of flow 'order': phase Placed, Running", error.Message);
        Assert.Contains("New -> Placed", error.Message);
        Assert.Throws<FlowAssertionException>(() => FlowAssert.Status(order, ExecutionStatus.Completed));
        Assert.Throws<FlowAssertionException>(() => FlowAssert.NeverFired(order, "Normal"));
    }
}
