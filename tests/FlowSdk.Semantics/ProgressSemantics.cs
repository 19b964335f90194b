using FlowSdk.Semantics.Flows;
using Microsoft.Extensions.Time.Testing;

namespace FlowSdk.Semantics;

/// <summary>
/// Progress counters: how many executions of a flow are in each status, kept by the store with the
/// writes that change a status. After every step they equal what a full listing of the executions
/// counts, on every back-end, also after conflicts, controls, retention and a restart.
/// </summary>
public abstract class ProgressSemantics(IFlowInfrastructureFactory factory) : SemanticsBase(factory)
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Counters_follow_every_status_and_equal_a_full_listing()
    {
        await using var h = await StartTicketsAsync();
        await AssertProgressAsync(h, new());

        // Times out first, so the others keep their deadline.
        await h.SendAsync(new TicketOpened("late", Priority: 0));
        _time.Advance(TimeSpan.FromHours(2));
        await h.SettleAsync();

        await h.SendAsync(
            new TicketOpened("run", Priority: 0),
            new TicketOpened("wait", Priority: 2),
            new TicketOpened("pause", Priority: 0),
            new TicketOpened("done", Priority: 0),
            new TicketOpened("fail", Priority: 0),
            new TicketOpened("escalate", Priority: 0),
            new TicketOpened("cancel", Priority: 0));
        await AssertProgressAsync(h, new() { [ExecutionStatus.Running] = 6, [ExecutionStatus.Waiting] = 1, [ExecutionStatus.TimedOut] = 1 });

        await h.SendAsync(new TicketJudged("done", "complete"), new TicketJudged("fail", "fail"), new TicketJudged("escalate", "escalate"));
        await h.Tickets.PauseAsync("pause");
        await h.Tickets.CancelAsync("cancel");
        await h.SettleAsync();
        await AssertProgressAsync(h, new()
        {
            [ExecutionStatus.Running] = 1,
            [ExecutionStatus.Waiting] = 1,
            [ExecutionStatus.Paused] = 1,
            [ExecutionStatus.Completed] = 1,
            [ExecutionStatus.Failed] = 1,
            [ExecutionStatus.Cancelled] = 1,
            [ExecutionStatus.Escalated] = 1,
            [ExecutionStatus.TimedOut] = 1,
        });

        await h.Tickets.RetryAsync("fail");
        await h.Tickets.RetryAsync("late");
        await h.Tickets.ResumeAsync("pause");
        await h.Tickets.PauseAsync("wait");
        await h.SettleAsync();
        await AssertProgressAsync(h, new()
        {
            [ExecutionStatus.Running] = 4,
            [ExecutionStatus.Paused] = 1,
            [ExecutionStatus.Completed] = 1,
            [ExecutionStatus.Cancelled] = 1,
            [ExecutionStatus.Escalated] = 1,
        });

        // A paused execution that waited for a reply is cancelled: Paused -> Cancelled.
        await h.Tickets.CancelAsync("wait");
        await h.SendAsync(new TicketJudged("run", "complete"));
        await AssertProgressAsync(h, new()
        {
            [ExecutionStatus.Running] = 3,
            [ExecutionStatus.Completed] = 2,
            [ExecutionStatus.Cancelled] = 2,
            [ExecutionStatus.Escalated] = 1,
        });
    }

    [Fact]
    public async Task A_new_runtime_on_the_same_store_reads_the_same_counters()
    {
        await using (var first = await StartTicketsAsync())
        {
            await first.SendAsync(new TicketOpened("a", Priority: 0), new TicketOpened("b", Priority: 2), new TicketOpened("c", Priority: 0), new TicketJudged("c", "fail"));
            await AssertProgressAsync(first, new() { [ExecutionStatus.Running] = 1, [ExecutionStatus.Waiting] = 1, [ExecutionStatus.Failed] = 1 });
        }

        await using var second = await StartTicketsAsync();
        await AssertProgressAsync(second, new() { [ExecutionStatus.Running] = 1, [ExecutionStatus.Waiting] = 1, [ExecutionStatus.Failed] = 1 });

        // And goes on from there.
        await second.Tickets.RetryAsync("c");
        await second.SendAsync(new TicketJudged("a", "complete"));
        await AssertProgressAsync(second, new() { [ExecutionStatus.Running] = 1, [ExecutionStatus.Waiting] = 1, [ExecutionStatus.Completed] = 1 });
    }

    [Fact]
    public async Task Retention_takes_removed_executions_out_of_the_counters()
    {
        await using var h = await StartTicketsAsync(o => o.Retention = TimeSpan.FromMinutes(30));
        await h.SendAsync(new TicketOpened("gone", Priority: 0), new TicketJudged("gone", "complete"), new TicketOpened("stays", Priority: 0));
        await AssertProgressAsync(h, new() { [ExecutionStatus.Running] = 1, [ExecutionStatus.Completed] = 1 });

        _time.Advance(TimeSpan.FromMinutes(30));
        await h.SettleAsync();
        Assert.Null(await h.Tickets.GetAsync("gone"));

        // "stays" timed out meanwhile? Its deadline is an hour: still Running.
        await AssertProgressAsync(h, new() { [ExecutionStatus.Running] = 1 });
    }

    [Fact]
    public async Task Counters_stay_exact_when_writes_conflict()
    {
        await using var t = await StartAsync(o => o.TimeProvider = _time);
        var ids = Enumerable.Range(1, 12).Select(i => $"o-{i}").ToList();
        foreach (var id in ids)
        {
            await t.Orders.SendAsync(new OrderPlaced(id, 100));
        }

        await t.SettleAsync();

        // Every other update meets a newer revision and is evaluated again: the counters move once per commit.
        t.Store.ConflictNextUpdates(8);
        foreach (var id in ids.Take(6))
        {
            await t.Orders.SendAsync(new OrderPaid(id, 100));
            await t.Orders.SendAsync(new OrderShipped(id));
        }

        await t.SettleAsync();

        // A rule that throws fails its execution; the host reports the error when the flows settle.
        await t.Orders.SendAsync(new OrderBroken("o-7"));
        var thrown = await Assert.ThrowsAsync<Testing.FlowTestFailureException>(t.SettleAsync);
        Assert.Contains("the warehouse is on fire", thrown.Message, StringComparison.Ordinal);
        await t.Runtime.PauseAsync(OrderFlow.Definition, "o-8");
        var cancelled = await t.Orders.ControlAllAsync(ExecutionControlAction.Cancel, ExecutionStatus.Running);
        Assert.Equal(4, cancelled.Count(r => r.Applied));
        Assert.True(t.Store.Conflicts >= 8, $"{t.Store.Conflicts} conflicts");

        var progress = await t.Orders.GetProgressAsync();
        Assert.Equal(
            new Dictionary<ExecutionStatus, long> { [ExecutionStatus.Completed] = 6, [ExecutionStatus.Failed] = 1, [ExecutionStatus.Paused] = 1, [ExecutionStatus.Cancelled] = 4 },
            NonZero(progress));
        Assert.Equal(await ListedAsync(t.Runtime, OrderFlow.Definition), NonZero(progress));
        Assert.Equal(12, progress.Total);
    }

    [Fact]
    public async Task Reading_progress_of_a_flow_the_runtime_does_not_run_names_the_flows_it_runs()
    {
        await using var t = await StartAsync();
        var error = await Assert.ThrowsAsync<ArgumentException>(() => t.Runtime.GetProgressAsync(TicketFlow.Definition));
        Assert.Contains("does not run flow 'ticket'; it runs order", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Checks the counters against <paramref name="expected"/> (statuses left out are zero) and against a full listing.</summary>
    private static async Task AssertProgressAsync(TicketHarness h, Dictionary<ExecutionStatus, long> expected)
    {
        var progress = await h.Tickets.GetProgressAsync();
        Assert.Equal("ticket", progress.Flow);
        Assert.Equal(expected.OrderBy(e => e.Key), NonZero(progress).OrderBy(e => e.Key));
        Assert.Equal(await ListedAsync(h.Runtime, TicketFlow.Definition), NonZero(progress));
        Assert.Equal(expected.Values.Sum(), progress.Total);
        Assert.Equal(ProgressCounts.Statuses.Count, progress.Counts.Count);
    }

    private static Dictionary<ExecutionStatus, long> NonZero(FlowProgress progress)
        => progress.Counts.Where(c => c.Value != 0).ToDictionary(c => c.Key, c => c.Value);

    /// <summary>What a full listing of the flow's executions counts per status.</summary>
    private static async Task<Dictionary<ExecutionStatus, long>> ListedAsync<TState>(FlowRuntime runtime, FlowDefinition<TState> flow)
        where TState : class, IFlowState, new()
    {
        var listed = new Dictionary<ExecutionStatus, long>();
        await foreach (var state in runtime.ListAsync(flow))
        {
            listed[state.Execution().Status] = listed.GetValueOrDefault(state.Execution().Status) + 1;
        }

        return listed;
    }

    private async Task<TicketHarness> StartTicketsAsync(Action<FlowRuntimeOptions>? configure = null)
    {
        var host = await Testing.FlowTestHost.StartAsync([TicketFlow.Definition], o =>
        {
            o.Transport = Infrastructure.Transport;
            o.StateStore = Infrastructure.Store;
            o.Time = _time;
            o.ConfigureRuntime = configure;
        });
        return await TicketHarness.StartAsync(host, replyWithOwner: null, ticketPrefix: "");
    }
}
