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
        Assert.Contains("MaxIterations", results["plan-4"].StatusReason);
        Assert.Equal(
            ["Submit", "RequestRevision", "Resubmit", "RequestRevision", "Resubmit", "Approve"],
            results["plan-3"].Timeline.Select(e => e.Rule));
        Assert.Contains("## Risks", results["plan-3"].Content);
        Assert.Contains("## Rollback", results["plan-3"].Content);
        Assert.Contains("plan-4 \"Big-bang launch\": Escalated", output.ToString());
    }

    private static (ExecutionStatus, PlanPhase, int) Outcome(PlanReview plan) => (plan.Status, plan.Phase, plan.Iteration);
}
