using FlowSdk.Nats.Tests.Infrastructure;
using PlanReviewSample;

namespace FlowSdk.Nats.Tests;

/// <summary>The plan-review sample, unchanged, on NATS: the only difference is the one UseNatsAsync call.</summary>
public sealed class SampleOnNatsTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>
{
    [Fact]
    public async Task The_plan_review_sample_runs_on_NATS_with_one_setting()
    {
        var nats = NatsInfrastructureFactory.Options(server.Url);
        await using var cleanup = new StreamCleanup(server.Url, nats);
        var options = new FlowRuntimeOptions();
        await using var infrastructure = await options.UseNatsAsync(nats, [PlanReviewFlow.Definition, ReviewDeskFlow.Definition]);
        var output = new StringWriter();

        var results = await PlanReviewScenario.RunAsync(output, options);

        Assert.Equal(ExecutionStatus.Completed, results["plan-1"].Status);
        Assert.Equal(ExecutionStatus.Completed, results["plan-2"].Status);
        Assert.Equal(ExecutionStatus.Completed, results["plan-3"].Status);
        Assert.Equal(ExecutionStatus.Escalated, results["plan-4"].Status);
        Assert.Equal(ExecutionStatus.Running, results["plan-5"].Status);
        Assert.Equal(
            ["Submit", "RequestRevision", "Resubmit", "RequestRevision", "Resubmit", "Approve"],
            results["plan-3"].Timeline.Select(e => e.Rule));
        Assert.Contains("announced on plans.escalated: plan-4 Escalated", output.ToString());

        // The executions live in the bucket, where any NATS client can read them.
        Assert.NotNull(await infrastructure.Store.GetAsync("plan-review.plan-3"));
    }
}
