using FlowSdk.Internal;
using FlowSdk.Semantics.Flows;

namespace FlowSdk.Tests;

/// <summary>
/// The evaluation every event takes when nobody asks why (<c>Definition.Fire</c>, the dispatch, and the
/// runtime with Debug logging off) decides exactly as the explained evaluation (<c>Explain</c>, the
/// runtime's Debug log) does: phase, MaxFirings, Cooldown, conditions combined with All and Any,
/// message-only rules, ended executions. And it allocates nothing.
/// </summary>
public sealed class RuleEvaluationTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Cooldown_and_MaxFirings_block_and_release_a_rule_as_explained()
    {
        var flow = TicketFlow.Definition;
        var ticket = flow.Start("t-1", Now);
        var nudge = new TicketNudged("t-1");

        // Nudge: Cooldown 10 minutes, MaxFirings 2.
        Assert.True(FiresAsExplained(flow, ticket, nudge, Now));
        Assert.False(FiresAsExplained(flow, ticket, nudge, Now.AddMinutes(5)));
        Assert.Contains("cooling down", flow.Explain(ticket, nudge, Now.AddMinutes(5))[^1].Reason, StringComparison.Ordinal);
        Assert.True(FiresAsExplained(flow, ticket, nudge, Now.AddMinutes(11)));
        Assert.False(FiresAsExplained(flow, ticket, nudge, Now.AddMinutes(30)));
        Assert.Contains("MaxFirings is 2", flow.Explain(ticket, nudge, Now.AddMinutes(30))[^1].Reason, StringComparison.Ordinal);
        Assert.Equal(2, ticket.Nudges);
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, true)]
    [InlineData(false, true, true)]
    [InlineData(true, true, true)]
    public void Any_conditions_fire_when_one_holds(bool urgent, bool vip, bool fires)
    {
        var flow = TicketFlow.Definition;
        var ticket = flow.Start("t-1", Now);
        Assert.Equal(fires, FiresAsExplained(flow, ticket, new TicketFlagged("t-1", urgent, vip), Now));
        Assert.Equal(fires ? "flagged;" : "", ticket.Flags);
    }

    [Theory]
    [InlineData(999, false)]
    [InlineData(1000, true)]
    public void All_conditions_and_the_phase_decide_as_explained(int paid, bool fires)
    {
        var flow = OrderFlow.Definition;
        var order = flow.Start("o-1", Now);

        // New: Pay needs Placed, so it is passed over whatever the amount.
        Assert.False(FiresAsExplained(flow, order, new OrderPaid("o-1", 5000), Now));
        Assert.Contains("phase New", flow.Explain(order, new OrderPaid("o-1", 5000), Now)[^1].Reason, StringComparison.Ordinal);

        Assert.True(FiresAsExplained(flow, order, new OrderPlaced("o-1", 1000), Now));
        Assert.Equal(fires, FiresAsExplained(flow, order, new OrderPaid("o-1", paid), Now));
        Assert.Equal(fires ? OrderPhase.Paid : OrderPhase.Placed, order.Phase);
    }

    [Fact]
    public void An_ended_execution_fires_nothing()
    {
        var flow = OrderFlow.Definition;
        var order = flow.Start("o-1", Now);
        flow.Fire(order, new OrderPlaced("o-1", 10), Now);
        flow.Fire(order, new OrderPaid("o-1", 10), Now);
        Assert.True(flow.Fire(order, new OrderShipped("o-1"), Now).Fired);
        Assert.Equal(ExecutionStatus.Completed, order.Status);

        Assert.False(flow.Fire(order, new OrderBroken("o-1"), Now).Fired);
        Assert.Null(flow.Dispatch(order, new OrderBroken("o-1"), new RuleContext(Now, "o-1", new Outbox())));
    }

    [Fact]
    public void The_dispatch_fires_a_message_only_rule_without_the_execution_and_its_phase()
    {
        // A flow whose only rule needs no state: it fires in any phase, for an ended execution too, and
        // its method gets no state.
        var full = OrderFlow.Definition;
        Order? seen = new();
        var info = new RuleInfo("Notice", "Tests", TriggerKind.Message, "test.orders.noticed", from: null, to: null, [], ConditionMode.All, output: null);
        var rule = new Rule<Order, OrderNoticed>(info, [], (state, _, _) => seen = state);
        var flow = new FlowDefinition<Order>("order-notices", full.Phases, full.TerminalPhases, 0, full.StateFormatter,
            [new InputPort<Order, OrderNoticed>(OrderFlow.Ports.OrderNoticed, correlationKey: null, [rule])]);
        var order = flow.Start("o-1", Now);
        ((IFlowState)order).Execution.Status = ExecutionStatus.Completed;

        Assert.Same(rule, flow.Dispatch(order, new OrderNoticed("o-1", "hello"), new RuleContext(Now, null, new Outbox())));
        Assert.Null(seen);
        seen = new Order();
        Assert.True(flow.Fire(order, new OrderNoticed("o-1", "again"), Now).Fired);
        Assert.Null(seen);
    }

    [Fact]
    public void The_dispatch_reads_its_own_flows_row_after_another_flow_of_the_state_took_the_slot()
    {
        var full = OrderFlow.Definition;
        var paymentsOnly = new FlowDefinition<Order>("order-payments-dispatch", full.Phases, full.TerminalPhases, full.MaxIterations, full.StateFormatter, [full.Inputs.Single(i => i.MessageType == nameof(OrderPaid))]);
        var context = new RuleContext(Now, "o-1", new Outbox());
        var order = full.Start("o-1", Now);
        full.Fire(order, new OrderPlaced("o-1", 10), Now);

        Assert.Throws<ArgumentException>(() => paymentsOnly.Dispatch(order, new OrderPlaced("o-1", 10), context));
        Assert.Null(full.Dispatch(order, new OrderPlaced("o-1", 10), context)); // Placed already: Large and Normal need New.
        Assert.Equal("Pay", paymentsOnly.Dispatch(order, new OrderPaid("o-1", 10), context)!.Info.Name);
        Assert.Equal("Pay", full.Dispatch(order, new OrderPaid("o-1", 10), context)!.Info.Name);
    }

    [Fact]
    public void Evaluating_guards_and_any_conditions_allocates_nothing()
    {
        var flow = TicketFlow.Definition;
        var ticket = flow.Start("t-1", Now);
        flow.Fire(ticket, new TicketNudged("t-1"), Now);
        var nudge = new TicketNudged("t-1");
        var neither = new TicketFlagged("t-1", false, false);
        var context = new RuleContext(Now.AddMinutes(1), "t-1", new Outbox());
        Assert.Null(flow.Dispatch(ticket, nudge, context));
        Assert.Null(flow.Dispatch(ticket, neither, context));

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            flow.Dispatch(ticket, nudge, context);
            flow.Dispatch(ticket, neither, context);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Asks <c>Explain</c> first (it changes nothing), then fires, and checks both agree.</summary>
    private static bool FiresAsExplained<TState, TMessage>(FlowDefinition<TState> flow, TState state, TMessage message, DateTimeOffset now)
        where TState : class, IFlowState, new()
    {
        var explained = flow.Explain(state, message, now);
        var wouldFire = explained.Count > 0 && explained[^1].Fired;
        var fired = flow.Fire(state, message, now);
        Assert.Equal(wouldFire, fired.Fired);
        if (wouldFire)
        {
            Assert.Equal(explained[^1].Rule.Name, fired.Rule!.Name);
        }

        return fired.Fired;
    }
}
