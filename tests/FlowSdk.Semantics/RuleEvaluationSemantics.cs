using FlowSdk.Semantics.Flows;
using FlowSdk.Testing;

namespace FlowSdk.Semantics;

/// <summary>Rule evaluation, as every transport must give it. Derive once per transport.</summary>
public abstract class RuleEvaluationSemantics(IFlowInfrastructureFactory factory) : SemanticsBase(factory)
{
    [Fact]
    public async Task The_first_rule_in_declaration_order_whose_conditions_hold_fires_and_no_other()
    {
        await using var t = await StartAsync();

        await t.SendAndSettleAsync(new OrderPlaced("o-1", 1500));

        var order = await t.OrderAsync("o-1");
        Assert.Equal("large;", order.Path);
        Assert.Equal(OrderPhase.Placed, order.Phase);
        Assert.Equal("Large", Assert.Single(order.Timeline).Rule);
        Assert.Contains("test.orders.noticed", t.Published);
    }

    [Fact]
    public async Task A_rule_whose_condition_is_false_is_passed_over_for_the_next()
    {
        await using var t = await StartAsync();

        await t.SendAndSettleAsync(new OrderPlaced("o-1", 10));

        var order = await t.OrderAsync("o-1");
        Assert.Equal("normal;", order.Path);
        Assert.DoesNotContain("test.orders.noticed", t.Published);
    }

    [Fact]
    public async Task A_rule_whose_condition_is_false_does_not_fire()
    {
        await using var t = await StartAsync();
        await t.SendAndSettleAsync(new OrderPlaced("o-1", 100));
        var revision = await t.RevisionAsync("o-1");

        await t.SendAndSettleAsync(new OrderPaid("o-1", 40));

        // Nothing fired; the message is parked with the execution (UnmatchedSemantics), not applied.
        var order = await t.OrderAsync("o-1");
        Assert.Equal(OrderPhase.Placed, order.Phase);
        Assert.Equal(0, order.Paid);
        Assert.Single(order.Timeline);
        Assert.Single(order.Execution().Parked);
        Assert.True(await t.RevisionAsync("o-1") > revision);
    }

    [Fact]
    public async Task A_rule_only_fires_in_its_from_phase()
    {
        await using var t = await StartAsync();
        await t.SendAndSettleAsync(new OrderPlaced("o-1", 100));

        // Ship needs Paid; the order is Placed, so EarlyShipment (From = Placed) is the rule that fires.
        await t.SendAndSettleAsync(new OrderShipped("o-1"));

        var order = await t.OrderAsync("o-1");
        Assert.Equal("normal;early;", order.Path);
        Assert.Equal(OrderPhase.Placed, order.Phase);
    }

    [Fact]
    public async Task No_execution_is_created_when_no_rule_fires()
    {
        await using var t = await StartAsync();

        await t.SendAndSettleAsync(new OrderPaid("o-9", 100));

        Assert.Null(await t.Orders.GetAsync("o-9"));
    }

    [Fact]
    public async Task The_timeline_records_every_firing()
    {
        await using var t = await StartAsync();
        var time = t.Host.Time;

        await t.SendAndSettleAsync(new OrderPlaced("o-1", 100));
        time.Advance(TimeSpan.FromMinutes(1));
        await t.SendAndSettleAsync(new OrderPaid("o-1", 100));
        time.Advance(TimeSpan.FromMinutes(1));
        await t.SendAndSettleAsync(new OrderShipped("o-1"));

        var order = await t.OrderAsync("o-1");
        Assert.Equal(ExecutionStatus.Completed, order.Status);
        Assert.Collection(
            order.Timeline,
            e => Assert.Equal(new TimelineEntry(time.Start, "Normal", TriggerKind.MessageAndState, "test.orders.placed", RuleAction.Mutate, "New", "Placed", 1), e),
            e => Assert.Equal(new TimelineEntry(time.Start.AddMinutes(1), "Pay", TriggerKind.MessageAndState, "test.orders.paid", RuleAction.Mutate, "Placed", "Paid", 1), e),
            e => Assert.Equal(new TimelineEntry(time.Start.AddMinutes(2), "Ship", TriggerKind.MessageAndState, "test.orders.shipped", RuleAction.Complete, "Paid", "Shipped", 1), e));
        Assert.Equal(time.Start, order.CreatedAt);
        Assert.Equal(time.Start.AddMinutes(2), order.UpdatedAt);
    }

    [Fact]
    public async Task A_terminal_execution_ignores_further_messages()
    {
        await using var t = await StartAsync();
        await t.SendAndSettleAsync(new OrderPlaced("o-1", 100), new OrderPaid("o-1", 100), new OrderShipped("o-1"));
        var revision = await t.RevisionAsync("o-1");
        Assert.Equal(ExecutionStatus.Completed, (await t.OrderAsync("o-1")).Status);

        await t.SendAndSettleAsync(new OrderShipped("o-1"), new OrderBroken("o-1"));

        var order = await t.OrderAsync("o-1");
        Assert.Equal(ExecutionStatus.Completed, order.Status);
        Assert.Equal("normal;pay;ship;", order.Path);
        Assert.Equal(3, order.Timeline.Count);
        Assert.Equal(revision, await t.RevisionAsync("o-1"));
    }

    [Fact]
    public async Task A_rule_that_throws_fails_the_execution_without_its_partial_changes()
    {
        await using var t = await StartAsync();
        await t.SendAndSettleAsync(new OrderPlaced("o-1", 100));

        var failure = await Assert.ThrowsAsync<FlowTestFailureException>(() => t.SendAndSettleAsync(new OrderBroken("o-1")));

        Assert.Equal("the warehouse is on fire", Assert.IsType<InvalidOperationException>(Assert.Single(failure.Errors).Exception).Message);
        var order = await t.OrderAsync("o-1");
        Assert.Equal(ExecutionStatus.Failed, order.Status);
        Assert.Contains("Break", order.StatusReason);
        Assert.Contains("the warehouse is on fire", order.StatusReason);
        Assert.Equal(RuleAction.Fail, order.Timeline[^1].Action);
        Assert.Equal("normal;", order.Path);
    }

    [Fact]
    public async Task Messages_for_one_execution_are_handled_in_the_order_they_were_sent()
    {
        await using var t = await StartAsync();

        // Sent back to back: Pay only fires if Placed was committed first, Ship only after Pay.
        for (var i = 0; i < 50; i++)
        {
            await t.Orders.SendAsync(new OrderPlaced($"o-{i}", 100));
            await t.Orders.SendAsync(new OrderPaid($"o-{i}", 100));
            await t.Orders.SendAsync(new OrderShipped($"o-{i}"));
        }

        await t.SettleAsync();

        for (var i = 0; i < 50; i++)
        {
            var order = await t.OrderAsync($"o-{i}");
            Assert.Equal("normal;pay;ship;", order.Path);
            Assert.Equal(ExecutionStatus.Completed, order.Status);
        }
    }

    [Fact]
    public async Task A_message_whose_correlation_key_cannot_name_an_execution_is_dropped_with_a_clear_error()
    {
        await using var t = await StartAsync();

        var failure = await Assert.ThrowsAsync<FlowTestFailureException>(() => t.SendAndSettleAsync(new OrderPlaced("not valid!", 100), new OrderPlaced("o-1", 100)));

        Assert.NotNull(await t.Orders.GetAsync("o-1"));
        Assert.Contains("'not valid!'", Assert.Single(t.Host.Messages.DeadLetters).Reason);
        var warning = Assert.Single(t.Logs.GetSnapshot(), r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.Contains("OrderPlaced", warning.Message);
        Assert.Contains("'not valid!'", warning.Message);
        Assert.Contains("dead-lettered", warning.Message);
        var detail = Assert.Single(t.Logs.GetSnapshot(), r => r.Exception is not null);
        Assert.Contains("'not valid!'", detail.Exception!.Message);
        Assert.Same(detail, Assert.Single(failure.Errors));
    }
}
