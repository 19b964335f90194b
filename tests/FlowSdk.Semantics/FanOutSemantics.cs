using FlowSdk.Semantics.Flows;
using FlowSdk.Testing;
using FlowSdk.Transport;
using Microsoft.Extensions.Time.Testing;

namespace FlowSdk.Semantics;

/// <summary>
/// Fan-out / fan-in: a rule starts child executions with typed inputs, the parent waits for the group
/// (All, First, AnyError, with a timeout) and a rule reads the children's typed results once it
/// finishes. The group lives in the parent's state, committed with the messages that start the
/// children; children report their end on the parent flow's fan-in subject.
/// </summary>
public abstract class FanOutSemantics(IFlowInfrastructureFactory factory) : SemanticsBase(factory)
{
    private static readonly DateTimeOffset Start = new(2026, 4, 1, 8, 0, 0, TimeSpan.Zero);

    private Task<FlowTestHost> HostAsync(IFlowInfrastructure? infrastructure = null, FakeTimeProvider? time = null, params FlowDefinition[] flows) =>
        FlowTestHost.StartAsync(flows.Length == 0 ? [FanBatchFlow.Definition, FanItemFlow.Definition] : flows, o =>
        {
            o.Transport = (infrastructure ?? Infrastructure).Transport;
            o.StateStore = (infrastructure ?? Infrastructure).Store;
            o.Time = time ?? new FakeTimeProvider(Start);
        });

    private static string Child(string batch, string group, int index) => FanOutGroup.ChildId("fanout-batch", batch, group, index);

    /// <summary>
    /// The distinct ids of the children's start messages recorded: a publish that is repeated (an
    /// outbox published again after a commit raced its emptying) carries the same id, and the
    /// transport's duplicate window drops it; a second fan-out would carry new ones.
    /// </summary>
    private static List<string> StartMessageIds(FlowTestHost host) =>
        host.Messages.Matching(new SubjectPattern("test.fanout.item.started"))
            .Select(m => m.Headers[MessageHeaders.MessageId])
            .Distinct(StringComparer.Ordinal)
            .ToList();

    private static Task<FanBatch> BatchAsync(FlowTestHost host, string id) => host.GetAsync(FanBatchFlow.Definition, id);

    [Fact]
    public async Task All_starts_one_child_per_input_and_the_fan_in_rule_reads_their_typed_results()
    {
        await using var host = await HostAsync();
        await host.SendAsync(FanBatchFlow.Ports.BatchStarted, new BatchStarted("b-1", "all", [1, 2, 3]));
        await host.SettleAsync();

        var batch = await BatchAsync(host, "b-1");
        Assert.Equal((BatchPhase.Collected, "AllEnded", 1), (batch.Phase, batch.Outcome, batch.Collections));
        Assert.Equal([2, 4, 6], batch.Results);
        var results = FanBatchFlow.FanOuts.All.Results(batch)!;
        Assert.Equal((3, 3, 0), (results.Expected, results.Count, results.LateResults));
        Assert.All(results, r => Assert.Equal((ExecutionStatus.Completed, "Done"), (r.Status, r.Phase)));
        Assert.Equal([Child("b-1", "all", 0), Child("b-1", "all", 1), Child("b-1", "all", 2)], results.OrderBy(r => r.Index).Select(r => r.ExecutionId));
        Assert.Equal("fanout-batch=b-1=all=1", Child("b-1", "all", 1));
        for (var i = 0; i < 3; i++)
        {
            var item = await host.GetAsync(FanItemFlow.Definition, Child("b-1", "all", i));
            Assert.Equal((ExecutionStatus.Completed, ItemPhase.Done), (item.Status, item.Phase));
        }

        Assert.Equal(["Start", "Collect"], batch.Timeline.Select(e => e.Rule));
    }

    [Fact]
    public async Task An_empty_fan_out_finishes_at_once()
    {
        await using var host = await HostAsync();
        await host.SendAsync(FanBatchFlow.Ports.BatchStarted, new BatchStarted("b-2", "all", []));
        await host.SettleAsync();

        var batch = await BatchAsync(host, "b-2");
        Assert.Equal((BatchPhase.Collected, "AllEnded", 1), (batch.Phase, batch.Outcome, batch.Collections));
        Assert.Empty(batch.Results);
        Assert.Equal(0, FanBatchFlow.FanOuts.All.Results(batch)!.Expected);
        Assert.DoesNotContain("test.fanout.item.started", host.Messages.Subjects);
    }

    [Fact]
    public async Task First_finishes_at_the_first_child_that_completes_and_a_later_result_is_dropped_and_counted()
    {
        await using var host = await HostAsync();
        await host.SendAsync(FanBatchFlow.Ports.BatchStarted, new BatchStarted("b-3", "first", [1, 2, 3], "manual"));
        await host.SettleAsync();
        Assert.Equal(BatchPhase.Waiting, (await BatchAsync(host, "b-3")).Phase);

        // A child that fails does not finish a First group; the next that completes does.
        await host.SendAsync(FanItemFlow.Ports.ItemFinished, new ItemFinished(Child("b-3", "first", 0), Ok: false));
        await host.SettleAsync();
        Assert.Equal(BatchPhase.Waiting, (await BatchAsync(host, "b-3")).Phase);
        await host.SendAsync(FanItemFlow.Ports.ItemFinished, new ItemFinished(Child("b-3", "first", 2), Ok: true));
        await host.SettleAsync();

        var batch = await BatchAsync(host, "b-3");
        Assert.Equal((BatchPhase.Collected, "FirstCompleted", 1), (batch.Phase, batch.Outcome, batch.NotCompleted));
        Assert.Equal([6], batch.Results);

        // Child 1 ends after the group finished: its result is dropped, and counted.
        await host.SendAsync(FanItemFlow.Ports.ItemFinished, new ItemFinished(Child("b-3", "first", 1), Ok: true));
        await host.SettleAsync();
        batch = await BatchAsync(host, "b-3");
        var results = FanBatchFlow.FanOuts.First.Results(batch)!;
        Assert.Equal((1, 2), (results.LateResults, results.Count));
        Assert.Equal(1, batch.Collections);
        Assert.Equal([6], batch.Results);
        Assert.Contains(host.Logs, l => l.Message.Contains("after the group finished: its result was dropped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnyError_fails_fast_at_the_first_child_that_does_not_complete()
    {
        await using var host = await HostAsync();
        await host.SendAsync(FanBatchFlow.Ports.BatchStarted, new BatchStarted("b-4", "fail-fast", [1, 2, 3], "manual"));
        await host.SettleAsync();
        await host.SendAsync(FanItemFlow.Ports.ItemFinished, new ItemFinished(Child("b-4", "fail-fast", 0), Ok: true));
        await host.SettleAsync();
        Assert.Equal(BatchPhase.Waiting, (await BatchAsync(host, "b-4")).Phase);

        await host.SendAsync(FanItemFlow.Ports.ItemFinished, new ItemFinished(Child("b-4", "fail-fast", 1), Ok: false));
        await host.SettleAsync();
        var batch = await BatchAsync(host, "b-4");
        Assert.Equal((BatchPhase.Collected, "ChildFailed", 1), (batch.Phase, batch.Outcome, batch.NotCompleted));
        Assert.Equal([2], batch.Results);
        var failed = Assert.Single(FanBatchFlow.FanOuts.FailFast.Results(batch)!.NotCompleted);
        Assert.Equal((1, ExecutionStatus.Failed, "finished with an error"), (failed.Index, failed.Status, failed.Reason));
        Assert.Null(failed.Result);
    }

    [Fact]
    public async Task A_group_that_times_out_finishes_with_the_results_in_so_far()
    {
        await using var host = await HostAsync();
        await host.SendAsync(FanBatchFlow.Ports.BatchStarted, new BatchStarted("b-5", "timed", [5, 6], "manual"));
        await host.SettleAsync();
        await host.SendAsync(FanItemFlow.Ports.ItemFinished, new ItemFinished(Child("b-5", "timed", 1), Ok: true));
        await host.AdvanceAsync(TimeSpan.FromMinutes(9) + TimeSpan.FromSeconds(59));
        Assert.Equal(BatchPhase.Waiting, (await BatchAsync(host, "b-5")).Phase);

        await host.AdvanceAsync(TimeSpan.FromSeconds(1));
        var batch = await BatchAsync(host, "b-5");
        Assert.Equal((BatchPhase.Collected, "TimedOut", 0), (batch.Phase, batch.Outcome, batch.NotCompleted));
        Assert.Equal([12], batch.Results);
        Assert.Equal(Start + TimeSpan.FromMinutes(10), FanBatchFlow.FanOuts.Timed.Results(batch)!.FinishedAt);

        await host.SendAsync(FanItemFlow.Ports.ItemFinished, new ItemFinished(Child("b-5", "timed", 0), Ok: true));
        await host.SettleAsync();
        Assert.Equal(1, FanBatchFlow.FanOuts.Timed.Results(await BatchAsync(host, "b-5"))!.LateResults);
    }

    [Fact]
    public async Task A_parent_never_fans_out_a_group_twice_and_awaiting_a_finished_group_returns_its_results_at_once()
    {
        await using var host = await HostAsync();

        // The start message arrives twice (a redelivery): the second is a duplicate.
        host.Transport.RedeliverNext(new SubjectPattern("test.fanout.batch.started"));
        await host.SendAsync(FanBatchFlow.Ports.BatchStarted, new BatchStarted("b-6", "all", [1, 2]));
        await host.SettleAsync();
        Assert.Equal(1, host.Transport.Redeliveries);
        var batch = await BatchAsync(host, "b-6");
        Assert.Equal((BatchPhase.Collected, 1), (batch.Phase, batch.Collections));

        // The rule fans the same group out again (four items this time): nothing starts, the results are
        // back at once, and the four children asked for again are counted as repeated.
        using var children = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(FlowSdkDiagnostics.Meter, FlowSdkDiagnostics.FanOutChildren);
        await host.SendAsync(FanBatchFlow.Ports.BatchRestarted, new BatchRestarted("b-6"));
        await host.SettleAsync();
        batch = await BatchAsync(host, "b-6");
        Assert.Equal((BatchPhase.Collected, 2), (batch.Phase, batch.Collections));
        Assert.Equal([2, 4], batch.Results);
        Assert.Equal(2, StartMessageIds(host).Count);
        Assert.Equal(["flowsdk-fanout.fanout-batch.b-6.all.0", "flowsdk-fanout.fanout-batch.b-6.all.1"], StartMessageIds(host).Order(StringComparer.Ordinal));
        Assert.Null(await host.FindAsync(FanItemFlow.Definition, Child("b-6", "all", 2)));
        Assert.Contains(children.GetMeasurementSnapshot(), m => m.Value == 4 && (string?)m.Tags["outcome"] == "repeated" && (string?)m.Tags["flow"] == "fanout-batch");
    }

    [Fact]
    public async Task A_retried_parent_keeps_its_group_and_takes_the_results_in()
    {
        await using var host = await HostAsync();
        await host.SendAsync(FanBatchFlow.Ports.BatchStarted, new BatchStarted("b-7", "all", [1, 2], "manual"));
        await host.SettleAsync();
        await host.SendAsync(FanBatchFlow.Ports.BatchBroken, new BatchBroken("b-7"));
        await host.SendAsync(FanItemFlow.Ports.ItemFinished, new ItemFinished(Child("b-7", "all", 0), Ok: true));
        await host.SettleAsync();
        Assert.Equal(ExecutionStatus.Failed, (await BatchAsync(host, "b-7")).Status);
        Assert.Contains(host.Logs, l => l.Message.Contains($"child {Child("b-7", "all", 0)} of fan-out group all of execution b-7 ended (Completed) after its parent ended (Failed)", StringComparison.Ordinal));

        await host.Runtime.RetryAsync(FanBatchFlow.Definition, "b-7", by: "ops");
        await host.SendAsync(FanItemFlow.Ports.ItemFinished, new ItemFinished(Child("b-7", "all", 1), Ok: true));
        await host.SettleAsync();

        var batch = await BatchAsync(host, "b-7");
        Assert.Equal((ExecutionStatus.Running, BatchPhase.Collected, "AllEnded"), (batch.Status, batch.Phase, batch.Outcome));
        Assert.Equal([2, 4], batch.Results);
        Assert.Equal(2, StartMessageIds(host).Count);
    }

    [Fact]
    public async Task A_failed_child_is_counted_once_when_it_reports_again()
    {
        await using var host = await HostAsync();
        await host.SendAsync(FanBatchFlow.Ports.BatchStarted, new BatchStarted("b-8", "all", [1, 2], "manual"));
        await host.SettleAsync();

        // Child 0 fails, its report is delivered twice, then it is retried and fails again (a second report).
        host.Transport.RedeliverNext(new SubjectPattern(FanOutGroup.ReportSubject("fanout-batch")));
        await host.SendAsync(FanItemFlow.Ports.ItemFinished, new ItemFinished(Child("b-8", "all", 0), Ok: false));
        await host.SettleAsync();
        await host.Runtime.RetryAsync(FanItemFlow.Definition, Child("b-8", "all", 0), by: "ops");
        await host.SendAsync(FanItemFlow.Ports.ItemFinished, new ItemFinished(Child("b-8", "all", 0), Ok: false));
        await host.SettleAsync();
        Assert.Equal(BatchPhase.Waiting, (await BatchAsync(host, "b-8")).Phase);

        await host.SendAsync(FanItemFlow.Ports.ItemFinished, new ItemFinished(Child("b-8", "all", 1), Ok: true));
        await host.SettleAsync();
        var batch = await BatchAsync(host, "b-8");
        Assert.Equal((BatchPhase.Collected, "AllEnded", 1), (batch.Phase, batch.Outcome, batch.NotCompleted));
        Assert.Equal([4], batch.Results);
        Assert.Equal(2, FanBatchFlow.FanOuts.All.Results(batch)!.Count);
    }

    [Fact]
    public async Task A_child_cancelled_by_an_operator_reports_to_its_group()
    {
        await using var host = await HostAsync();
        await host.SendAsync(FanBatchFlow.Ports.BatchStarted, new BatchStarted("b-12", "all", [1, 2], "manual"));
        await host.SettleAsync();

        await host.Runtime.CancelAsync(FanItemFlow.Definition, Child("b-12", "all", 0), reason: "supplier gone", by: "ops");
        await host.SettleAsync();
        await host.SendAsync(FanItemFlow.Ports.ItemFinished, new ItemFinished(Child("b-12", "all", 1), Ok: true));
        await host.SettleAsync();

        // Without its report the group would wait for the cancelled child until its timeout.
        var batch = await BatchAsync(host, "b-12");
        Assert.Equal((BatchPhase.Collected, "AllEnded", 1), (batch.Phase, batch.Outcome, batch.NotCompleted));
        var cancelled = Assert.Single(FanBatchFlow.FanOuts.All.Results(batch)!, r => !r.Completed);
        Assert.Equal((0, ExecutionStatus.Cancelled, "Cancelled by ops: supplier gone"), (cancelled.Index, cancelled.Status, cancelled.Reason));
    }

    [Fact]
    public async Task Children_run_on_another_host_and_report_back()
    {
        // One host runs the parent flow only, the other the child flow only: every result crosses hosts.
        await using var other = await Infrastructure.ConnectAnotherAsync();
        await using var parents = await HostAsync(flows: FanBatchFlow.Definition);
        await using var children = await HostAsync(other, flows: FanItemFlow.Definition);
        await parents.SendAsync(FanBatchFlow.Ports.BatchStarted, new BatchStarted("b-9", "all", [1, 2, 3, 4, 5]));

        // Polls the shared store: each host settles only its own work.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        FanBatch batch;
        do
        {
            await children.SettleAsync();
            await parents.SettleAsync();
            batch = await BatchAsync(parents, "b-9");
        }
        while (batch.Phase != BatchPhase.Collected && DateTime.UtcNow < deadline);

        Assert.Equal((BatchPhase.Collected, "AllEnded"), (batch.Phase, batch.Outcome));
        Assert.Equal([2, 4, 6, 8, 10], batch.Results);
        Assert.Equal(5, children.Logs.Count(l => l.Message.Contains("committed CompleteAtOnce at revision", StringComparison.Ordinal)));
        Assert.DoesNotContain(parents.Logs, l => l.Message.Contains("committed CompleteAtOnce at revision", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_hosts_running_both_flows_take_each_child_and_each_report_once()
    {
        await using var other = await Infrastructure.ConnectAnotherAsync();
        await using var a = await HostAsync();
        await using var b = await HostAsync(other);
        await a.SendAsync(FanBatchFlow.Ports.BatchStarted, new BatchStarted("b-10", "all", [1, 2, 3, 4, 5, 6]));

        // Polls the shared store: each host settles only its own work.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        FanBatch batch;
        do
        {
            await a.SettleAsync();
            await b.SettleAsync();
            batch = await BatchAsync(a, "b-10");
        }
        while (batch.Phase != BatchPhase.Collected && DateTime.UtcNow < deadline);

        Assert.Equal((BatchPhase.Collected, "AllEnded", 1), (batch.Phase, batch.Outcome, batch.Collections));
        Assert.Equal([2, 4, 6, 8, 10, 12], batch.Results);
        static int Children(FlowTestHost host) => host.Logs.Count(l => l.Message.Contains("committed CompleteAtOnce at revision", StringComparison.Ordinal));
        Assert.Equal(6, Children(a) + Children(b));
    }

    [Fact]
    public async Task A_report_for_no_waiting_group_is_dropped_and_one_that_cannot_be_read_is_dead_lettered()
    {
        // The unreadable report is logged with its exception: not a failure of the test.
        await using var host = await FlowTestHost.StartAsync([FanBatchFlow.Definition, FanItemFlow.Definition], o =>
        {
            o.Transport = Infrastructure.Transport;
            o.StateStore = Infrastructure.Store;
            o.ThrowOnErrors = false;
        });
        var subject = FanOutGroup.ReportSubject("fanout-batch");
        var end = new FanOutChildEnd(0, Child("nobody", "all", 0), ExecutionStatus.Completed, "Done", null, Start, null);
        var stray = new FanOutReport(new FanOutParent("fanout-batch", "nobody", "all", 0), "fanout-item", end, []);
        await host.Transport.PublishAsync(subject, FanOutReport.Port("fanout-batch").Serialize(stray));
        await host.Transport.PublishAsync(subject, new byte[] { 0xc1 });
        await host.SettleAsync();

        Assert.Null(await host.FindAsync(FanBatchFlow.Definition, "nobody"));
        Assert.Contains(host.Logs, l => l.Message.Contains("which no such group waits for: dropped", StringComparison.Ordinal));
        Assert.Single(host.Messages.DeadLetters, d => d.Subject == subject);
    }
}
