using System.Diagnostics;
using FlowSdk.Dashboard.Internal;
using FlowSdk.State;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace FlowSdk.Dashboard.Tests;

/// <summary>The executions list at 100,000 executions: every page in order, none overlapping, filters counted exactly.</summary>
public sealed class ExecutionIndexTests(ITestOutputHelper output)
{
    private const int Executions = 100_000;

    [Fact]
    public async Task Pending_approvals_are_listed_oldest_first_by_flow_and_rule_and_leave_the_list_once_decided()
    {
        await using var store = new InMemoryStateStore();
        await using var index = new ExecutionIndex([OrdersSample.OrderFlow.Definition], store, NullLogger.Instance);
        var at = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        ExecutionSummary Waiting(string flow, string id, string rule, int minutes, ulong revision = 1) => new(
            flow, id, ExecutionStatus.WaitingForApproval, "New", 1, at, at.AddMinutes(minutes), null, null, null, revision,
            new PendingApproval(flow, id, id + ".approval.1", rule, at.AddMinutes(minutes), at.AddDays(2)));

        index.Put(Waiting("order", "b", "Pay", 5));
        index.Put(Waiting("order", "a", "Pay", 5));
        index.Put(Waiting("order", "c", "Refund", 1));
        index.Put(Waiting("refund", "r", "Pay", 3));
        index.Put(new ExecutionSummary("order", "d", ExecutionStatus.Running, "New", 1, at, at, null, null, null, 1));

        Assert.Equal(["order/c", "refund/r", "order/a", "order/b"], index.Approvals(null, null).Select(p => $"{p.Flow}/{p.ExecutionId}"));
        Assert.Equal(["order/c", "order/a", "order/b"], index.Approvals("order", null).Select(p => $"{p.Flow}/{p.ExecutionId}"));
        Assert.Equal(["refund/r", "order/a", "order/b"], index.Approvals(null, "Pay").Select(p => $"{p.Flow}/{p.ExecutionId}"));

        // Decided and applied: a newer revision without a pending request takes it off the list.
        index.Put(new ExecutionSummary("order", "a", ExecutionStatus.Completed, "Paid", 1, at, at.AddMinutes(9), null, null, null, 2));
        Assert.Equal(["order/c", "refund/r", "order/b"], index.Approvals(null, null).Select(p => $"{p.Flow}/{p.ExecutionId}"));
    }

    [Fact]
    public async Task Pages_of_100k_executions_cover_every_execution_once_in_list_order()
    {
        await using var store = new InMemoryStateStore();
        await using var index = new ExecutionIndex([OrdersSample.OrderFlow.Definition], store, NullLogger.Instance);
        var start = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var statuses = new[] { ExecutionStatus.Running, ExecutionStatus.Waiting, ExecutionStatus.Completed, ExecutionStatus.Failed, ExecutionStatus.Paused };
        var random = new Random(7);
        var expected = new List<ExecutionSummary>(Executions);
        for (var i = 0; i < Executions; i++)
        {
            // Many executions share an update time: the order must still be total (flow, then id).
            var updated = start.AddSeconds(random.Next(0, 20_000));
            expected.Add(new ExecutionSummary("order", $"o-{i:D6}", statuses[i % statuses.Length], i % 3 == 0 ? "Placed" : "Shipped", 1, start, updated, null, null, null, 1));
        }

        var watch = Stopwatch.StartNew();
        expected.ForEach(index.Put);

        var loaded = watch.Elapsed;
        Assert.Equal(Executions, index.Count);
        expected.Sort(static (a, b) => b.UpdatedAt != a.UpdatedAt ? b.UpdatedAt.CompareTo(a.UpdatedAt) : string.CompareOrdinal(a.Id, b.Id));

        // Pages of 1,000 through all of it: the deep ones sort every match, the first ten come from the bounded heap.
        watch.Restart();
        var paged = new List<ExecutionSummary>(Executions);
        for (var offset = 0; offset < Executions; offset += 1000)
        {
            var (total, items) = index.Query(new ExecutionQuery("order", null, null, null, offset, 1000));
            Assert.Equal(Executions, total);
            paged.AddRange(items);
        }

        var allPages = watch.Elapsed;
        Assert.Equal(expected.Select(e => e.Id), paged.Select(e => e.Id));

        // The first 10,000 in pages of 500 (the longest the API gives): the same as the full order.
        watch.Restart();
        var first = new List<ExecutionSummary>();
        for (var offset = 0; offset < ExecutionIndex.TopSelectionLimit; offset += 500)
        {
            first.AddRange(index.Query(new ExecutionQuery(null, null, null, null, offset, 500)).Items);
        }

        var firstPages = watch.Elapsed;
        Assert.Equal(expected.Take(ExecutionIndex.TopSelectionLimit).Select(e => e.Id), first.Select(e => e.Id));

        // Filters count exactly, and their pages are in the same order.
        var (waiting, waitingPage) = index.Query(new ExecutionQuery("order", ExecutionStatus.Waiting, "Placed", null, 100, 50));
        var waitingAll = expected.Where(e => e is { Status: ExecutionStatus.Waiting, Phase: "Placed" }).ToList();
        Assert.Equal(waitingAll.Count, waiting);
        Assert.Equal(waitingAll.Skip(100).Take(50).Select(e => e.Id), waitingPage.Select(e => e.Id));
        var (searched, _) = index.Query(new ExecutionQuery(null, null, null, "O-0999", 0, 50));
        Assert.Equal(100, searched);
        var (past, none) = index.Query(new ExecutionQuery(null, null, null, null, Executions + 10, 50));
        Assert.Equal((Executions, 0), (past, none.Count));

        output.WriteLine($"{Executions} executions: put {loaded.TotalMilliseconds:F0} ms; 100 pages of 1000 {allPages.TotalMilliseconds:F0} ms; the first 10,000 in 20 pages of 500 {firstPages.TotalMilliseconds:F0} ms");
    }
}
