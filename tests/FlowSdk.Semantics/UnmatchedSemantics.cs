using FlowSdk.Testing;
using System.Collections.Concurrent;
using FlowSdk.Semantics.Flows;
using FlowSdk.Transport;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace FlowSdk.Semantics;

/// <summary>
/// No message disappears without a trace: a message that names an execution and fires no rule is
/// parked (the default), dead-lettered or counted, always counted and logged; parked messages are
/// applied in arrival order once the execution reaches their phase, and expire to a dead letter.
/// </summary>
public abstract class UnmatchedSemantics(IFlowInfrastructureFactory factory) : SemanticsBase(factory)
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Messages_that_arrive_before_their_execution_exists_are_parked_and_applied_in_arrival_order()
    {
        using var unmatched = new MetricCollector<long>(null, FlowSdkDiagnostics.MeterName, FlowSdkDiagnostics.MessagesUnmatched);
        var deadLetters = WatchDeadLetters();
        await using var t = await StartAsync();

        // Paid and Shipped come first: no execution, so no rule fires; they wait beside it.
        await t.SendAndSettleAsync(new OrderPaid("early-1", 100), new OrderShipped("early-1"));
        Assert.Null(await t.Orders.GetAsync("early-1"));

        await t.SendAndSettleAsync(new OrderPlaced("early-1", 100));

        // Applied oldest first: Pay in Placed, then Ship in Paid (Shipped first would have fired EarlyShipment).
        var order = await t.OrderAsync("early-1");
        Assert.Equal("normal;pay;ship;", order.Path);
        Assert.Equal(ExecutionStatus.Completed, order.Status);
        Assert.Empty(order.Execution().Parked);
        Assert.Null(await t.Runtime.Store.GetAsync("_parked.order.early-1"));
        Assert.Empty(deadLetters);
        Assert.Equal(2, t.Logs.GetSnapshot().Count(r => r.Level == LogLevel.Information && r.Message.Contains("parked with the execution", StringComparison.Ordinal) && r.Message.Contains("early-1", StringComparison.Ordinal)));
        var mine = unmatched.GetMeasurementSnapshot().Where(m => Equals(m.Tags["flow"], "order")).ToList();
        Assert.Contains(mine, m => Equals(m.Tags["outcome"], "parked"));
        Assert.Contains(mine, m => Equals(m.Tags["outcome"], "applied"));
    }

    [Fact]
    public async Task Messages_waiting_beside_an_execution_are_taken_in_when_its_creating_message_is_handled_again_after_a_failure()
    {
        await using var t = await StartAsync();
        await t.SendAndSettleAsync(new OrderPaid("late-1", 100));
        Assert.NotNull(await t.Runtime.Store.GetAsync("_parked.order.late-1"));

        // The creating rule commits, then its handler fails before it takes in what waits beside the
        // execution, as a host killed at that point would: the redelivered message is a duplicate,
        // and handling it must finish that work, or Pay waits for nothing.
        t.Store.FailNext(StateStoreOperation.Get, keyPrefix: "_parked.");
        var failure = await Assert.ThrowsAsync<FlowTestFailureException>(() => t.SendAndSettleAsync(new OrderPlaced("late-1", 100)));
        Assert.IsType<IOException>(Assert.Single(failure.Errors).Exception);
        Assert.Equal(1, t.Store.InjectedFailures);

        var order = await t.OrderAsync("late-1");
        Assert.Equal("normal;pay;", order.Path);
        Assert.Equal(OrderPhase.Paid, order.Phase);
        Assert.Empty(order.Execution().Parked);
        Assert.Null(await t.Runtime.Store.GetAsync("_parked.order.late-1"));
    }

    [Fact]
    public async Task A_message_too_early_for_the_phase_is_parked_with_the_execution_and_applied_when_the_phase_is_reached()
    {
        await using var t = await StartAsync();
        await t.SendAndSettleAsync(new OrderPlaced("o-1", 100));

        // The flow's ports arrive out of order on an existing execution: Ship needs Paid.
        await t.Orders.SendAsync(new OrderPaid("o-1", 40));
        await t.SettleAsync();
        var parked = await t.OrderAsync("o-1");
        Assert.Equal(OrderPhase.Placed, parked.Phase);
        Assert.Single(parked.Execution().Parked);
        Assert.Contains("no rule passes in phase Placed", parked.Execution().Parked[0].Reason, StringComparison.Ordinal);

        await t.SendAndSettleAsync(new OrderPaid("o-1", 100), new OrderShipped("o-1"));

        var order = await t.OrderAsync("o-1");
        Assert.Equal("normal;pay;ship;", order.Path);
        Assert.Equal(100, order.Paid);
    }

    [Fact]
    public async Task A_parked_message_expires_to_a_dead_letter_with_the_reason()
    {
        var deadLetters = WatchDeadLetters();
        await using var t = await StartAsync(o => o.ParkedMessageTimeout = TimeSpan.FromMinutes(5));
        await t.SendAndSettleAsync(new OrderPlaced("o-1", 100), new OrderPaid("o-1", 40));
        Assert.Single((await t.OrderAsync("o-1")).Execution().Parked);

        _time.Advance(TimeSpan.FromMinutes(4));
        await t.SettleAsync();
        Assert.Empty(deadLetters);

        _time.Advance(TimeSpan.FromMinutes(2));
        await t.SettleAsync();
        await deadLetters.WhenAnyAsync();

        var deadLetter = Assert.Single(deadLetters);
        Assert.Equal("flowsdk.deadletter.test.orders.paid", deadLetter.Subject);
        Assert.Contains("no rule passes in phase Placed", deadLetter.Headers["FlowSdk-DeadLetter-Reason"], StringComparison.Ordinal);
        Assert.Contains("ParkedMessageTimeout", deadLetter.Headers["FlowSdk-DeadLetter-Reason"], StringComparison.Ordinal);
        Assert.Equal(new OrderPaid("o-1", 40), OrderFlow.Ports.OrderPaid.Deserialize(deadLetter.Payload));
        Assert.Empty((await t.OrderAsync("o-1")).Execution().Parked);
    }

    [Fact]
    public async Task Messages_still_parked_when_the_execution_ends_are_dead_lettered()
    {
        var deadLetters = WatchDeadLetters();
        await using var t = await StartAsync();
        await t.SendAndSettleAsync(new OrderPlaced("o-1", 100), new OrderPaid("o-1", 40));

        await t.SendAndSettleAsync(new OrderPaid("o-1", 100), new OrderShipped("o-1"));
        await deadLetters.WhenAnyAsync();

        var order = await t.OrderAsync("o-1");
        Assert.Equal(ExecutionStatus.Completed, order.Status);
        Assert.Empty(order.Execution().Parked);
        var deadLetter = Assert.Single(deadLetters);
        Assert.Contains("ended (Completed)", deadLetter.Headers["FlowSdk-DeadLetter-Reason"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_dead_letter_policy_an_unmatched_message_is_dead_lettered_at_once()
    {
        var deadLetters = WatchDeadLetters();
        await using var t = await StartAsync(o => o.SetUnmatchedMessages("order", UnmatchedMessagePolicy.DeadLetter, "test.orders.paid"));
        await t.SendAndSettleAsync(new OrderPlaced("o-1", 100));
        var revision = await t.RevisionAsync("o-1");

        await t.SendAndSettleAsync(new OrderPaid("o-1", 40));
        await deadLetters.WhenAnyAsync();

        Assert.Contains("no rule passes in phase Placed", Assert.Single(deadLetters).Headers["FlowSdk-DeadLetter-Reason"], StringComparison.Ordinal);
        Assert.Equal(revision, await t.RevisionAsync("o-1"));
        Assert.Contains(t.Logs.GetSnapshot(), r => r.Level == LogLevel.Information && r.Message.Contains("dead-lettered", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_the_count_policy_an_unmatched_message_is_counted_and_logged_and_nothing_is_written()
    {
        using var unmatched = new MetricCollector<long>(null, FlowSdkDiagnostics.MeterName, FlowSdkDiagnostics.MessagesUnmatched);
        var deadLetters = WatchDeadLetters();
        await using var t = await StartAsync(o => o.SetUnmatchedMessages("order", UnmatchedMessagePolicy.Count));
        await t.SendAndSettleAsync(new OrderPlaced("o-1", 100));
        var revision = await t.RevisionAsync("o-1");

        await t.SendAndSettleAsync(new OrderPaid("o-1", 40));

        Assert.Equal(revision, await t.RevisionAsync("o-1"));
        Assert.Empty(deadLetters);
        Assert.Contains(t.Logs.GetSnapshot(), r => r.Level == LogLevel.Information && r.Message.Contains("counted (policy Count)", StringComparison.Ordinal));
        Assert.Contains(unmatched.GetMeasurementSnapshot(), m => Equals(m.Tags["flow"], "order") && Equals(m.Tags["outcome"], "counted"));
    }

    [Fact]
    public async Task A_bad_message_costs_one_escaped_warning_line_with_the_stack_only_at_debug()
    {
        await using var t = await StartAsync();

        var failure = await Assert.ThrowsAsync<FlowTestFailureException>(() => t.SendAndSettleAsync(new OrderPlaced("evil\r\nFAKE LOG LINE\0", 100), new OrderPlaced("o-1", 100)));

        var warning = Assert.Single(t.Logs.GetSnapshot(), r => r.Level >= LogLevel.Warning);
        Assert.Null(warning.Exception);
        Assert.Contains("dead-lettered", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', warning.Message);
        Assert.DoesNotContain('\n', warning.Message);
        Assert.DoesNotContain('\0', warning.Message);
        Assert.Contains("\\x0d\\x0aFAKE LOG LINE\\x00", warning.Message, StringComparison.Ordinal);
        Assert.Equal(LogLevel.Debug, Assert.Single(failure.Errors).Level);
    }

    [Fact]
    public async Task Bad_messages_beyond_the_rate_limit_cost_no_line_and_the_next_line_says_how_many_were_held_back()
    {
        await using var t = await StartAsync(o => o.MaxFailureLogsPerSecond = 2);
        await Assert.ThrowsAsync<FlowTestFailureException>(() => t.SendAndSettleAsync([.. Enumerable.Range(0, 12).Select(i => (object)new OrderPlaced($"evil\r\n{i}\0", 100))]));

        // The limit counts per second of the runtime's clock: the next second logs again, saying how many it held back.
        _time.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<FlowTestFailureException>(() => t.SendAndSettleAsync(new OrderPlaced("evil\n12", 100)));

        var warnings = t.Logs.GetSnapshot().Where(r => r.Level >= LogLevel.Warning).ToList();
        Assert.Equal(3, warnings.Count);
        var heldBack = warnings.Sum(w => int.Parse(System.Text.RegularExpressions.Regex.Match(w.Message, @"\((\d+) similar lines held back").Groups[1].Value is { Length: > 0 } n ? n : "0", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(10, heldBack);
        Assert.Equal(13, warnings.Count + heldBack);
        Assert.All(warnings, w =>
        {
            Assert.DoesNotContain('\r', w.Message);
            Assert.DoesNotContain('\n', w.Message);
            Assert.DoesNotContain('\0', w.Message);
            Assert.Null(w.Exception);
        });
    }

    [Fact]
    public async Task A_new_execution_is_created_and_first_updated_at_the_same_instant()
    {
        await using var t = await StartAsync(o => o.TimeProvider = new TickingTime());

        await t.SendAndSettleAsync(new OrderPlaced("o-1", 100));

        var execution = (await t.OrderAsync("o-1")).Execution();
        Assert.Equal(execution.CreatedAt, execution.UpdatedAt);
        Assert.Equal(execution.CreatedAt, execution.Timeline[0].At);
    }

    private DeadLetterWatch WatchDeadLetters()
    {
        var deadLetters = new DeadLetterWatch();
        _subscriptions.Add(System.ObservableExtensions.Subscribe(Infrastructure.Transport.Subscribe("flowsdk.deadletter.>"), deadLetters.Add));
        return deadLetters;
    }

    private readonly List<IDisposable> _subscriptions = [];

    private new Task<TestRuntime> StartAsync(Action<FlowRuntimeOptions>? configure = null) => base.StartAsync(o =>
    {
        o.TimeProvider = _time;
        configure?.Invoke(o);
    });

    /// <summary>
    /// Dead letters seen on the transport. They travel as core messages on NATS, so they may arrive
    /// after the runtime is idle: <see cref="WhenAnyAsync"/> waits for the first one itself.
    /// </summary>
    private sealed class DeadLetterWatch : IEnumerable<TransportMessage>
    {
        private readonly ConcurrentQueue<TransportMessage> _messages = new();
        private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Add(TransportMessage message)
        {
            _messages.Enqueue(message);
            _first.TrySetResult();
        }

        public Task WhenAnyAsync() => _first.Task.WaitAsync(TimeSpan.FromSeconds(10));

        public IEnumerator<TransportMessage> GetEnumerator() => _messages.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>A clock that moves one millisecond every time it is read, so two reads never agree.</summary>
    private sealed class TickingTime : TimeProvider
    {
        private long _ticks = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero).UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Add(ref _ticks, TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }
}

internal static class OrderExtensions
{
    public static ExecutionInfo Execution(this Order order) => ((IFlowState)order).Execution;
}
