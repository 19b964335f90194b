using FlowSdk;

namespace PlanReviewSample;

/// <summary>Drives a few plans through review on the embedded runtime and reports how each ended.</summary>
public static class PlanReviewScenario
{
    /// <summary>The plans the scenario submits.</summary>
    public static IReadOnlyList<PlanSubmitted> Plans { get; } =
    [
        new("plan-1", "Ship v1", "## Goal\nShip.\n## Risks\nNone known.\n## Rollback\nRedeploy v0."),
        new("plan-2", "Migrate the database", "## Goal\nMove to the new cluster.\n## Risks\nDowntime."),
        new("plan-3", "Rewrite the billing service", "## Goal\nOne service instead of three."),
        new("plan-4", "Big-bang launch", "## Goal\nEverything at once. No changes."),
    ];

    /// <summary>Runs the scenario and writes each execution's timeline and final status.</summary>
    /// <param name="output">Where to write the report.</param>
    /// <param name="options">Runtime options; the embedded defaults when <see langword="null"/>.</param>
    /// <returns>The final state of each plan, by plan id.</returns>
    public static async Task<IReadOnlyDictionary<string, PlanReview>> RunAsync(TextWriter output, FlowRuntimeOptions? options = null)
    {
        await using var runtime = await FlowRuntime.StartAsync([PlanReviewFlow.Definition, ReviewDeskFlow.Definition], options);
        var plans = new PlanReviewClient(runtime);
        foreach (var plan in Plans)
        {
            await plans.SendAsync(plan);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await runtime.WhenIdleAsync(timeout.Token);

        var results = new Dictionary<string, PlanReview>(StringComparer.Ordinal);
        foreach (var submitted in Plans)
        {
            var plan = await plans.GetAsync(submitted.PlanId)
                ?? throw new InvalidOperationException($"No execution was created for {submitted.PlanId}.");
            results[plan.Id] = plan;
            output.WriteLine($"{plan.Id} \"{plan.Title}\": {plan.Status} in phase {plan.Phase} after {plan.Iteration} iteration(s){(plan.StatusReason is null ? "" : " - " + plan.StatusReason)}");
            foreach (var entry in plan.Timeline)
            {
                output.WriteLine($"  {entry.At:HH:mm:ss.fff}  #{entry.Iteration}  {entry.Rule,-16} {entry.PhaseBefore,-9} -> {entry.PhaseAfter,-9} {entry.Action,-8} on {entry.Source}");
            }
        }

        return results;
    }
}
