using FlowSdk.Nats.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using PlanReviewSample;

namespace FlowSdk.Nats.Tests;

/// <summary>
/// The plan-review sample on NATS, chosen the way <c>dotnet run</c> chooses it: FLOWSDK_NATS_URL
/// names the server, and the scenario itself is unchanged. Every plan must end as it does in process
/// (FlowSdk.Tests' PlanReviewScenarioTests).
/// </summary>
public sealed class SampleOnNatsTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>
{
    [Fact]
    public async Task With_FLOWSDK_NATS_URL_the_sample_runs_on_NATS_and_every_plan_ends_as_in_process()
    {
        await using var cleanup = new StreamCleanup(server.Url, PlanReviewInfrastructure.NatsOptions(server.Url));
        var options = new FlowRuntimeOptions();
        await using var nats = await PlanReviewInfrastructure.ConfigureAsync(options, Environment);
        var output = new StringWriter();

        var results = await PlanReviewScenario.RunAsync(output, options);

        Assert.NotNull(nats);
        Assert.Same(nats.Transport, options.Transport);
        Assert.Same(nats.Store, options.StateStore);
        Assert.Equal((ExecutionStatus.Completed, PlanPhase.Approved, 1), Outcome(results["plan-1"]));
        Assert.Equal((ExecutionStatus.Completed, PlanPhase.Approved, 2), Outcome(results["plan-2"]));
        Assert.Equal((ExecutionStatus.Completed, PlanPhase.Approved, 3), Outcome(results["plan-3"]));
        Assert.Equal((ExecutionStatus.Escalated, PlanPhase.Revising, 3), Outcome(results["plan-4"]));
        Assert.Equal((ExecutionStatus.Running, PlanPhase.InReview, 1), Outcome(results["plan-5"]));
        Assert.Contains("MaxIterations", results["plan-4"].StatusReason);
        Assert.Equal(
            ["Submit", "RequestRevision", "Resubmit", "RequestRevision", "Resubmit", "Approve"],
            results["plan-3"].Timeline.Select(e => e.Rule));
        var report = output.ToString();
        Assert.Contains("plan-4 \"Big-bang launch\": Escalated", report);
        Assert.Contains("announced on plans.approved: plan-3 Completed", report);
        Assert.Contains("announced on plans.escalated: plan-4 Escalated", report);

        // The executions live in the sample's bucket, where any NATS client can read them.
        Assert.Equal("planreview-state", nats.Store.Bucket);
        Assert.NotNull(await nats.Store.GetAsync("plan-review.plan-3"));
    }

    [Fact]
    public async Task On_NATS_the_plan_on_hold_times_out_after_ten_minutes_and_the_next_run_starts_from_scratch()
    {
        await using var cleanup = new StreamCleanup(server.Url, PlanReviewInfrastructure.NatsOptions(server.Url));
        var firstStart = new DateTimeOffset(2026, 5, 4, 12, 0, 0, TimeSpan.Zero);
        var first = await RunAsync(new FakeTimeProvider(firstStart), advance: TimeSpan.FromMinutes(10));

        Assert.Equal(ExecutionStatus.TimedOut, first.Results["plan-5"].Status);
        Assert.Equal(ExecutionStatus.Completed, first.Results["plan-1"].Status);
        Assert.Contains("announced on plans.timed-out: plan-5 TimedOut", first.Output);

        // A second run on the same server: the first run's executions, acknowledged messages and
        // message ids are gone, so the plans start again (and plan 5 is waiting, not timed out).
        var secondStart = firstStart.AddDays(1);
        var second = await RunAsync(new FakeTimeProvider(secondStart), advance: null);

        Assert.Equal((ExecutionStatus.Running, PlanPhase.InReview, 1), Outcome(second.Results["plan-5"]));
        Assert.Equal((ExecutionStatus.Completed, PlanPhase.Approved, 3), Outcome(second.Results["plan-3"]));
        Assert.All(second.Results.Values, plan => Assert.Equal(secondStart, plan.CreatedAt));
    }

    private Func<string, string?> Environment => name => name == PlanReviewInfrastructure.NatsUrlVariable ? server.Url : null;

    private async Task<(IReadOnlyDictionary<string, PlanReview> Results, string Output)> RunAsync(FakeTimeProvider time, TimeSpan? advance)
    {
        var options = new FlowRuntimeOptions { TimeProvider = time };
        await using var nats = await PlanReviewInfrastructure.ConfigureAsync(options, Environment);
        Assert.NotNull(nats);
        var output = new StringWriter();
        var results = await PlanReviewScenario.RunAsync(output, options, advance is not { } by ? null : async runtime =>
        {
            time.Advance(by);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await runtime.WhenIdleAsync(timeout.Token);
        });
        return (results, output.ToString());
    }

    private static (ExecutionStatus, PlanPhase, int) Outcome(PlanReview plan) => (plan.Status, plan.Phase, plan.Iteration);
}
