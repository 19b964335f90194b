using Microsoft.Extensions.Time.Testing;
using PlanReviewSample;

namespace FlowSdk.Tests;

public sealed class PlanReviewScenarioTests
{
    [Fact]
    public async Task The_sample_drives_every_plan_to_its_expected_end()
    {
        var output = new StringWriter();

        var results = await PlanReviewScenario.RunAsync(output);

        Assert.Equal((ExecutionStatus.Completed, PlanPhase.Approved, 1), Outcome(results["plan-1"]));
        Assert.Equal((ExecutionStatus.Completed, PlanPhase.Approved, 2), Outcome(results["plan-2"]));
        Assert.Equal((ExecutionStatus.Completed, PlanPhase.Approved, 3), Outcome(results["plan-3"]));
        Assert.Equal((ExecutionStatus.Escalated, PlanPhase.Revising, 3), Outcome(results["plan-4"]));
        Assert.Equal((ExecutionStatus.Running, PlanPhase.InReview, 1), Outcome(results["plan-5"]));
        Assert.Contains("MaxIterations", results["plan-4"].StatusReason);
        Assert.Equal(
            ["Submit", "RequestRevision", "Resubmit", "RequestRevision", "Resubmit", "Approve"],
            results["plan-3"].Timeline.Select(e => e.Rule));
        Assert.Contains("## Risks", results["plan-3"].Content);
        Assert.Contains("## Rollback", results["plan-3"].Content);
        var report = output.ToString();
        Assert.Contains("plan-4 \"Big-bang launch\": Escalated", report);
        Assert.Contains("announced on plans.approved: plan-3 Completed", report);
        Assert.Contains("announced on plans.escalated: plan-4 Escalated", report);
    }

    [Fact]
    public async Task The_plan_on_hold_times_out_when_its_ten_minutes_pass()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 4, 12, 0, 0, TimeSpan.Zero));
        var output = new StringWriter();

        var results = await PlanReviewScenario.RunAsync(output, new FlowRuntimeOptions { TimeProvider = time }, async runtime =>
        {
            time.Advance(TimeSpan.FromMinutes(10));
            await runtime.WhenIdleAsync();
        });

        Assert.Equal(ExecutionStatus.TimedOut, results["plan-5"].Status);
        Assert.Equal(ExecutionStatus.Completed, results["plan-1"].Status);
        Assert.Contains("announced on plans.timed-out: plan-5 TimedOut", output.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task Without_FLOWSDK_NATS_URL_the_sample_runs_in_process(string? url)
    {
        var options = new FlowRuntimeOptions();

        var nats = await PlanReviewInfrastructure.ConfigureAsync(options, name => name == PlanReviewInfrastructure.NatsUrlVariable ? url : null);

        Assert.Null(nats);
        Assert.Null(options.Transport);
        Assert.Null(options.StateStore);
        Assert.Equal("FLOWSDK_NATS_URL", PlanReviewInfrastructure.NatsUrlVariable);
    }

    private static (ExecutionStatus, PlanPhase, int) Outcome(PlanReview plan) => (plan.Status, plan.Phase, plan.Iteration);
}
