using FlowSdk.Internal;
using FlowSdk.Semantics.Flows;

namespace FlowSdk.Tests;

/// <summary><c>Definition.Fire</c>: one message against one state, in memory, as the runtime applies it.</summary>
public sealed class FireTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_first_rule_that_passes_fires_and_changes_the_state_as_the_runtime_would()
    {
        var order = OrderFlow.Definition.Start("o-1", Now);

        var placed = OrderFlow.Definition.Fire(order, new OrderPlaced("o-1", 1500), Now);
        var paid = OrderFlow.Definition.Fire(order, new OrderPaid("o-1", 1500), Now.AddMinutes(1));

        Assert.Equal("Large", placed.Rule!.Name);
        Assert.Equal("test.orders.noticed", Assert.Single(placed.Messages).Subject);
        Assert.Equal("Pay", paid.Rule!.Name);
        Assert.Empty(paid.Messages);
        Assert.Equal(OrderPhase.Paid, order.Phase);
        Assert.Equal("large;pay;", order.Path);
        Assert.Equal(["Large", "Pay"], order.Timeline.Select(e => e.Rule));
        Assert.Equal(Now.AddMinutes(1), order.UpdatedAt);
    }

    [Fact]
    public void Nothing_fires_when_no_rule_passes_or_the_execution_ended()
    {
        var order = OrderFlow.Definition.Start("o-1", Now);
        Assert.False(OrderFlow.Definition.Fire(order, new OrderPaid("o-1", 1), Now).Fired);

        OrderFlow.Definition.Fire(order, new OrderPlaced("o-1", 1), Now);
        OrderFlow.Definition.Fire(order, new OrderPaid("o-1", 1), Now);
        OrderFlow.Definition.Fire(order, new OrderShipped("o-1"), Now);

        Assert.Equal(ExecutionStatus.Completed, order.Status);
        Assert.False(OrderFlow.Definition.Fire(order, new OrderShipped("o-1"), Now).Fired);
        Assert.Equal(3, order.Timeline.Count);
    }

    [Fact]
    public void A_results_messages_stay_as_they_were_after_later_firings_on_the_same_thread()
    {
        // Fire reuses one outbox per thread: what a result returns must be its own.
        var first = OrderFlow.Definition.Start("o-1", Now);
        var second = OrderFlow.Definition.Start("o-2", Now);

        var placed = OrderFlow.Definition.Fire(first, new OrderPlaced("o-1", 1500), Now);
        var again = OrderFlow.Definition.Fire(second, new OrderPlaced("o-2", 2500), Now);
        var paid = OrderFlow.Definition.Fire(first, new OrderPaid("o-1", 1500), Now);

        var message = Assert.Single(placed.Messages);
        Assert.Equal("test.orders.noticed", message.Subject);
        Assert.NotSame(message, Assert.Single(again.Messages));
        Assert.Equal("Pay", paid.Rule!.Name);
        Assert.Empty(paid.Messages);
        Assert.Equal("test.orders.noticed", Assert.Single(placed.Messages).Subject);
    }

    [Fact]
    public void A_rule_that_throws_leaves_the_next_firing_a_context_of_its_own()
    {
        var order = OrderFlow.Definition.Start("o-1", Now);
        Assert.Throws<InvalidOperationException>(() => OrderFlow.Definition.Fire(order, new OrderBroken("o-1"), Now));

        var placed = OrderFlow.Definition.Fire(order, new OrderPlaced("o-1", 1500), Now);

        Assert.Equal("test.orders.noticed", Assert.Single(placed.Messages).Subject);
    }

    [Fact]
    public void A_rule_that_fires_another_flow_on_the_same_thread_keeps_its_own_context_and_messages()
    {
        // The inner firing finds the thread's context in use and takes one of its own, leaving the outer's outbox alone.
        var full = OrderFlow.Definition;
        var inner = full.Start("o-2", Now);
        FiringResult? innerResult = null;
        var info = new RuleInfo("Relay", "Tests", TriggerKind.MessageAndState, "test.orders.noticed", from: null, to: null, [], ConditionMode.All, output: null);
        var relay = new Rule<Order, OrderNoticed>(info, [], (_, notice, context) =>
        {
            context.Publish(OrderFlow.Ports.OrderNoticed, notice with { Text = "before" });
            innerResult = full.Fire(inner, new OrderPlaced("o-2", 1500), Now);
            context.Publish(OrderFlow.Ports.OrderNoticed, notice with { Text = "after" });
        });
        var relays = new FlowDefinition<Order>("order-relays", full.Phases, full.TerminalPhases, 0, full.StateFormatter,
            [new InputPort<Order, OrderNoticed>(OrderFlow.Ports.OrderNoticed, static m => m.OrderId, [relay])]);
        var outer = relays.Start("o-1", Now);

        var outerResult = relays.Fire(outer, new OrderNoticed("o-1", "x"), Now);

        Assert.Equal("Relay", outerResult.Rule!.Name);
        Assert.Equal(["before", "after"], outerResult.Messages.Select(m => OrderFlow.Ports.OrderNoticed.Deserialize(m.Payload).Text));
        Assert.Equal("Large", innerResult!.Rule!.Name);
        Assert.Equal("large order", OrderFlow.Ports.OrderNoticed.Deserialize(Assert.Single(innerResult.Messages).Payload).Text);
        Assert.Equal(["Relay"], outer.Timeline.Select(e => e.Rule));

        // Both contexts were given back: the next firing on this thread starts with an empty outbox.
        var again = full.Fire(full.Start("o-3", Now), new OrderPlaced("o-3", 1500), Now);
        Assert.Equal("large order", OrderFlow.Ports.OrderNoticed.Deserialize(Assert.Single(again.Messages).Payload).Text);
    }

    [Fact]
    public void A_rule_that_throws_lets_the_exception_through()
    {
        var order = OrderFlow.Definition.Start("o-1", Now);

        var error = Assert.Throws<InvalidOperationException>(() => OrderFlow.Definition.Fire(order, new OrderBroken("o-1"), Now));

        Assert.Equal("the warehouse is on fire", error.Message);
    }

    [Fact]
    public void A_message_the_flow_does_not_consume_is_refused_with_the_inputs_named()
    {
        var order = OrderFlow.Definition.Start("o-1", Now);

        var error = Assert.Throws<ArgumentException>(() => OrderFlow.Definition.Fire(order, new OrderNoticed("o-1", "x"), Now));

        Assert.Contains("does not consume OrderNoticed; its inputs are OrderPlaced, OrderPaid, OrderShipped, OrderBroken", error.Message);
    }
}
