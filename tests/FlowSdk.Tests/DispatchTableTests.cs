using FlowSdk.Semantics.Flows;

namespace FlowSdk.Tests;

/// <summary>
/// The dispatch table lookup behind <c>Definition.Fire</c> and the runtime's dispatch: found once per
/// flow and message type and kept in a static slot, never handed to another flow, allocation-free.
/// </summary>
public sealed class DispatchTableTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_new_executions_state_is_made_by_the_definitions_factory_when_it_has_one()
    {
        var full = OrderFlow.Definition;
        var made = 0;
        var counted = new FlowDefinition<Order>("order-counted", full.Phases, full.TerminalPhases, full.MaxIterations, full.StateFormatter, full.Inputs, create: () =>
        {
            made++;
            return new Order();
        });

        var order = counted.Start("o-1", Now);

        Assert.Equal(1, made);
        Assert.Equal("o-1", order.Id);
        Assert.Equal("order-counted", order.Execution().Flow);
        Assert.Equal(ExecutionStatus.Running, order.Status);
    }

    [Fact]
    public void Two_flows_of_one_state_class_each_use_their_own_dispatch_table()
    {
        var full = OrderFlow.Definition;
        var paymentsOnly = new FlowDefinition<Order>("order-payments", full.Phases, full.TerminalPhases, full.MaxIterations, full.StateFormatter, [full.Inputs.Single(i => i.MessageType == nameof(OrderPaid))]);

        // The full flow looks OrderPlaced up first; the second flow must not find the row it cached.
        Assert.Equal("Large", full.Fire(full.Start("o-1", Now), new OrderPlaced("o-1", 1500), Now).Rule!.Name);
        Assert.Throws<ArgumentException>(() => paymentsOnly.Fire(paymentsOnly.Start("o-2", Now), new OrderPlaced("o-2", 1500), Now));
        Assert.Equal("Large", full.Fire(full.Start("o-3", Now), new OrderPlaced("o-3", 1500), Now).Rule!.Name);

        // And the other way round, with both flows consuming the message.
        var order = paymentsOnly.Start("o-4", Now);
        Assert.False(paymentsOnly.Fire(order, new OrderPaid("o-4", 1), Now).Fired);
        var placed = full.Start("o-5", Now);
        full.Fire(placed, new OrderPlaced("o-5", 1), Now);
        Assert.Equal("Pay", full.Fire(placed, new OrderPaid("o-5", 1), Now).Rule!.Name);
    }

    [Fact]
    public void Routing_a_message_through_the_dispatch_table_allocates_nothing()
    {
        // The rules of the test flow allocate themselves (they append to a string), so route a payment
        // that is too small: the table lookup, the phase check and the condition run, no rule fires.
        var flow = OrderFlow.Definition;
        var order = flow.Start("o-1", Now);
        flow.Fire(order, new OrderPlaced("o-1", 1500), Now);
        var tooSmall = new OrderPaid("o-1", 1);
        var context = new RuleContext(Now, "o-1", new Outbox());
        Assert.Null(flow.Dispatch(order, tooSmall, context));

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            flow.Dispatch(order, tooSmall, context);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
