using FlowSdk.Internal;
using FlowSdk.Runtime;
using FlowSdk.Semantics.Flows;

namespace FlowSdk.Tests;

/// <summary><see cref="RuleApplier{TState}"/>: how the runtime applies a rule that throws.</summary>
public sealed class RuleApplierTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_rule_that_throws_fails_the_execution_from_its_committed_state_and_records_it()
    {
        var flow = OrderFlow.Definition;
        var broken = flow.Inputs.OfType<InputPort<Order, OrderBroken>>().Single().RuleSet.Single();
        var steps = new List<string>();
        Exception? reported = null;
        var applier = new RuleApplier<Order>(flow, 100, (rule, execution, ex) =>
        {
            steps.Add($"threw {rule} {execution}");
            reported = ex;
        });

        // The working copy the rule ran on was changed half way; the committed state was not.
        var working = flow.Start("o-1", Now);
        working.Path = "changed half way;";
        var context = new RuleContext(Now, "o-1", new Outbox());
        context.Publish(OrderFlow.Ports.OrderNoticed, new OrderNoticed("o-1", "not to be sent"));
        var result = applier.Apply(broken, working, () =>
        {
            steps.Add("committed");
            var committed = flow.Start("o-1", Now);
            committed.Path = "committed;";
            return committed;
        }, new OrderBroken("o-1"), "test.orders.broken", TriggerKind.MessageAndState, null, context, Now.AddMinutes(1));

        Assert.Equal(["threw Break o-1", "committed"], steps);
        Assert.Equal("the warehouse is on fire", Assert.IsType<InvalidOperationException>(reported).Message);
        Assert.NotSame(working, result);
        Assert.Equal("committed;", result.Path);
        Assert.Equal(ExecutionStatus.Failed, result.Status);
        Assert.Equal("Rule 'Break' threw InvalidOperationException: the warehouse is on fire", result.StatusReason);
        Assert.Equal(new TimelineEntry(Now.AddMinutes(1), "Break", TriggerKind.MessageAndState, "test.orders.broken", RuleAction.Fail, "New", "New", 1), Assert.Single(result.Timeline));
        Assert.Equal(Now.AddMinutes(1), result.UpdatedAt);
        Assert.Equal(0, context.Outbox.Count);
    }

    [Fact]
    public void Without_a_committed_state_what_the_rule_throws_goes_to_the_caller_and_nothing_is_recorded()
    {
        var flow = OrderFlow.Definition;
        var broken = flow.Inputs.OfType<InputPort<Order, OrderBroken>>().Single().RuleSet.Single();
        var order = flow.Start("o-1", Now);

        var error = Assert.Throws<InvalidOperationException>(() => new RuleApplier<Order>(flow, 100, null).Apply(
            broken, order, null, new OrderBroken("o-1"), "test.orders.broken", TriggerKind.MessageAndState, null, new RuleContext(Now, "o-1", new Outbox()), Now));

        Assert.Equal("the warehouse is on fire", error.Message);
        Assert.Equal(ExecutionStatus.Running, order.Status);
        Assert.Empty(order.Timeline);
    }
}
