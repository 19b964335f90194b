using Microsoft.Extensions.Logging;
using FlowSdk.Semantics.Flows;
using FlowSdk.Testing;

namespace FlowSdk.Semantics;

/// <summary>Compare-and-set state writes, as every transport must give them. Derive once per transport.</summary>
public abstract class CompareAndSetSemantics(IFlowInfrastructureFactory factory) : SemanticsBase(factory)
{
    [Fact]
    public async Task A_concurrent_write_is_detected_and_the_event_is_evaluated_again_on_the_new_state()
    {
        await using var t = await StartAsync();
        var store = t.Store;
        await t.SendAndSettleAsync(new OrderPlaced("o-1", 100));

        // Between Pay's read and its write, another writer raises the amount. The payment no longer
        // covers it, so when the event is evaluated again on the new state, Pay must not fire.
        store.BeforeNextUpdate(async (inner, key) =>
        {
            var entry = (await inner.GetAsync(key))!;
            var other = FlowSerializer.Deserialize(Order.FlowFormatter.Instance, entry.Value);
            other.Amount = 500;
            other.Path += "other;";
            Assert.True((await inner.TryUpdateAsync(key, FlowSerializer.Serialize(Order.FlowFormatter.Instance, other), entry.Revision)).Succeeded);
        });

        await t.SendAndSettleAsync(new OrderPaid("o-1", 100));

        var order = await t.OrderAsync("o-1");
        Assert.Equal(1, store.Conflicts);
        Assert.Equal(500, order.Amount);
        Assert.Equal(0, order.Paid);
        Assert.Equal("normal;other;", order.Path);
        Assert.Equal(OrderPhase.Placed, order.Phase);
        Assert.Single(order.Timeline);
    }

    [Fact]
    public async Task After_a_conflict_the_retried_firing_is_committed_once()
    {
        await using var t = await StartAsync();
        var store = t.Store;
        await t.SendAndSettleAsync(new OrderPlaced("o-1", 100));
        store.BeforeNextUpdate(async (inner, key) =>
        {
            var entry = (await inner.GetAsync(key))!;
            var other = FlowSerializer.Deserialize(Order.FlowFormatter.Instance, entry.Value);
            other.Path += "other;";
            Assert.True((await inner.TryUpdateAsync(key, FlowSerializer.Serialize(Order.FlowFormatter.Instance, other), entry.Revision)).Succeeded);
        });

        await t.SendAndSettleAsync(new OrderPaid("o-1", 100));

        var order = await t.OrderAsync("o-1");
        Assert.Equal(1, store.Conflicts);
        Assert.Equal("normal;other;pay;", order.Path);
        Assert.Equal(OrderPhase.Paid, order.Phase);
        Assert.Equal(["Normal", "Pay"], order.Timeline.Select(e => e.Rule));
    }

    [Fact]
    public async Task Conflicts_beyond_the_bound_fail_the_event_with_a_clear_error_and_it_ends_as_a_dead_letter()
    {
        await using var t = await StartAsync(o =>
        {
            o.MaxWriteAttempts = 3;
            o.MaxHandlingAttempts = 2;
        });
        var store = t.Store;
        await t.SendAndSettleAsync(new OrderPlaced("o-1", 100));
        store.AlwaysConflict = true;

        // The failures are surfaced when the flows settle, never swallowed.
        var failure = await Assert.ThrowsAsync<FlowTestFailureException>(() => t.SendAndSettleAsync(new OrderPaid("o-1", 100)));

        // Each delivery of the event is handled MaxHandlingAttempts times in place, each evaluating it
        // MaxWriteAttempts times, then given back; after the transport's last delivery it goes to the
        // dead-letter subject with the reason: not lost. Per delivery one Information line for the
        // attempt handled again and one Warning line when it is given back, the exception only on the
        // Debug line beside each.
        var warnings = t.Logs.GetSnapshot().Where(r => r.Level == LogLevel.Warning && r.Message.Contains("could not be handled", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(warnings);
        Assert.All(warnings, w => Assert.Null(w.Exception));
        Assert.All(warnings, w => Assert.Contains("after 2 attempts", w.Message, StringComparison.Ordinal));
        var retried = t.Logs.GetSnapshot().Where(r => r.Level == LogLevel.Information && r.Message.Contains("(attempt 1 of 2)", StringComparison.Ordinal)).ToList();
        Assert.Equal(warnings.Count, retried.Count);
        Assert.Equal(3 * 2 * warnings.Count, store.UpdateAttempts);
        var errors = t.Logs.GetSnapshot().Where(r => r.Level == LogLevel.Debug && r.Exception is not null).ToList();
        Assert.Equal(2 * warnings.Count, errors.Count);
        Assert.Equal(errors, failure.Errors);
        var conflict = Assert.IsType<StateConflictException>(errors[0].Exception);
        Assert.Equal("o-1", conflict.ExecutionId);
        Assert.Contains("MaxWriteAttempts", conflict.Message);
        var deadLetter = Assert.Single(t.Host.Messages.DeadLetters);
        Assert.Equal("test.orders.paid", deadLetter.Subject);
        Assert.Equal("flowsdk.deadletter.test.orders.paid", deadLetter.Message.Subject);
        Assert.Contains("MaxWriteAttempts", deadLetter.Reason);
        Assert.Equal(new OrderPaid("o-1", 100), deadLetter.Message.As(OrderFlow.Ports.OrderPaid));
        Assert.Equal(OrderPhase.Placed, (await t.OrderAsync("o-1")).Phase);

        // The runtime still handles other executions.
        store.AlwaysConflict = false;
        await t.SendAndSettleAsync(new OrderPlaced("o-2", 100), new OrderPaid("o-2", 100));
        Assert.Equal(OrderPhase.Paid, (await t.OrderAsync("o-2")).Phase);
    }

    [Fact]
    public async Task A_failing_message_holds_back_the_later_messages_of_its_execution()
    {
        const int lanes = 8;
        await using var t = await StartAsync(o => o.Lanes = lanes);
        await t.SendAndSettleAsync(new OrderPlaced("o-1", 100));
        var other = InAnotherLane("o-1", lanes);
        var otherApplied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watch = t.Runtime.Store.Watch("order." + other).Subscribe(_ => otherApplied.TrySetResult());

        // Pay's write fails twice, and its third attempt goes on only once another execution's
        // message was applied: that execution is not held behind the failing one. The shipment of
        // o-1 waits behind Pay: handled before it, it would fire EarlyShipment ("early;") in Placed.
        t.Store.FailNextWrites((key, value) => key == "order.o-1" && FlowSerializer.Deserialize(Order.FlowFormatter.Instance, value).Phase == OrderPhase.Paid, count: 2);
        t.Store.BeforeNextUpdate(async (_, _) => await otherApplied.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        await t.Orders.SendAsync(new OrderPaid("o-1", 100));
        await t.Orders.SendAsync(new OrderShipped("o-1"));
        await t.Orders.SendAsync(new OrderPlaced(other, 100));
        var failure = await Assert.ThrowsAsync<FlowTestFailureException>(t.SettleAsync);

        Assert.Equal(2, failure.Errors.Count);
        Assert.All(failure.Errors, e => Assert.IsType<IOException>(e.Exception));
        Assert.Equal(2, t.Store.InjectedFailures);
        var order = await t.OrderAsync("o-1");
        Assert.Equal("normal;pay;ship;", order.Path);
        Assert.Equal(OrderPhase.Shipped, order.Phase);
        Assert.Equal(["Normal", "Pay", "Ship"], order.Timeline.Select(e => e.Rule));
        Assert.Empty(t.Host.Messages.DeadLetters);
        Assert.Equal(OrderPhase.Placed, (await t.OrderAsync(other)).Phase);
    }

    [Fact]
    public async Task Handling_attempts_must_be_at_least_one_and_their_delay_not_negative()
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => StartAsync(o => o.MaxHandlingAttempts = 0));
        Assert.Equal("MaxHandlingAttempts", error.ParamName);
        Assert.Contains("at least 1", error.Message, StringComparison.Ordinal);
        error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => StartAsync(o => o.HandlingRetryDelay = TimeSpan.FromMilliseconds(-1)));
        Assert.Equal("HandlingRetryDelay", error.ParamName);
        Assert.Contains("cannot be negative", error.Message, StringComparison.Ordinal);
    }

    /// <summary>An order id whose events run in another lane than <paramref name="id"/>'s: lanes take an execution id's ordinal hash modulo their count.</summary>
    private static string InAnotherLane(string id, int lanes)
    {
        static uint LaneOf(string key, int lanes) => (uint)StringComparer.Ordinal.GetHashCode(key) % (uint)lanes;
        return Enumerable.Range(2, 1000).Select(i => $"o-{i}").First(other => LaneOf(other, lanes) != LaneOf(id, lanes));
    }

    [Fact]
    public async Task Two_runtimes_racing_on_one_execution_apply_each_event_exactly_once()
    {
        // Two runtimes in one queue group share a transport and a store. The two shipments of each
        // order go to different runtimes and race on the same execution; compare-and-set must keep
        // either write from overwriting the other.
        var store = new FaultInjectingStateStore(Infrastructure.Store);
        await using var a = await FlowRuntime.StartAsync([OrderFlow.Definition], new FlowRuntimeOptions { Transport = Infrastructure.Transport, StateStore = store });
        await using var b = await FlowRuntime.StartAsync([OrderFlow.Definition], new FlowRuntimeOptions { Transport = Infrastructure.Transport, StateStore = store });
        var orders = new OrderClient(a);
        const int count = 200;

        for (var i = 0; i < count; i++)
        {
            await orders.SendAsync(new OrderPlaced($"o-{i}", 100));
        }

        await a.WhenIdleAsync();
        await b.WhenIdleAsync();
        for (var i = 0; i < count; i++)
        {
            await orders.SendAsync(new OrderShipped($"o-{i}"));
            await orders.SendAsync(new OrderShipped($"o-{i}"));
        }

        await a.WhenIdleAsync();
        await b.WhenIdleAsync();
        var seen = 0;
        await foreach (var order in orders.ListAsync())
        {
            Assert.Equal("normal;early;early;", order.Path);
            Assert.Equal(3, order.Timeline.Count);
            seen++;
        }

        Assert.Equal(count, seen);
        Assert.Equal(2 * count + store.Conflicts, store.UpdateAttempts);
    }
}
