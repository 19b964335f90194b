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
        new("plan-5", "Office move", "## Goal\nNew floor. (on hold)"),
    ];

    /// <summary>The subjects the plan flow announces ended plans on.</summary>
    public static IReadOnlyList<string> LifecycleSubjects { get; } = ["plans.approved", "plans.escalated", "plans.timed-out"];

    /// <summary>Runs the scenario and writes each execution's timeline and final status.</summary>
    /// <param name="output">Where to write the report.</param>
    /// <param name="options">Runtime options; the embedded defaults when <see langword="null"/>.</param>
    /// <param name="afterIdle">Runs once the flows are quiescent, before the report (a test advances its clock here).</param>
    /// <returns>The final state of each plan, by plan id.</returns>
    public static async Task<IReadOnlyDictionary<string, PlanReview>> RunAsync(TextWriter output, FlowRuntimeOptions? options = null, Func<FlowRuntime, Task>? afterIdle = null)
    {
        await using var runtime = await FlowRuntime.StartAsync([PlanReviewFlow.Definition, ReviewDeskFlow.Definition], options);
        var plans = new PlanReviewClient(runtime);
        var announcements = new List<string>();
        using var announced = new System.Reactive.Disposables.CompositeDisposable(LifecycleSubjects.Select(subject =>
            ObservableExtensions.Subscribe(runtime.Transport.Subscribe(subject), m =>
            {
                var ended = ExecutionEnded.Port(subject).Deserialize(m.Payload);
                lock (announcements)
                {
                    announcements.Add($"{subject}: {ended.ExecutionId} {ended.Status}");
                }
            })));
        foreach (var plan in Plans)
        {
            await plans.SendAsync(plan);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await runtime.WhenIdleAsync(timeout.Token);

        if (afterIdle is not null)
        {
            await afterIdle(runtime);
        }

        var results = new Dictionary<string, PlanReview>(StringComparer.Ordinal);
        foreach (var submitted in Plans)
        {
            var plan = await plans.GetAsync(submitted.PlanId)
                ?? throw new InvalidOperationException($"No execution was created for {submitted.PlanId}.");
            results[plan.Id] = plan;
            var waiting = plan.Status.IsTerminal() ? "" : $", times out at {((IFlowState)plan).Execution.Deadline:HH:mm:ss}";
            output.WriteLine($"{plan.Id} \"{plan.Title}\": {plan.Status} in phase {plan.Phase} after {plan.Iteration} iteration(s){waiting}{(plan.StatusReason is null ? "" : " - " + plan.StatusReason)}");
            foreach (var entry in plan.Timeline)
            {
                output.WriteLine($"  {entry.At:HH:mm:ss.fff}  #{entry.Iteration}  {entry.Rule,-16} {entry.PhaseBefore,-9} -> {entry.PhaseAfter,-9} {entry.Action,-8} on {entry.Source}");
            }
        }

        lock (announcements)
        {
            foreach (var announcement in announcements.Order(StringComparer.Ordinal))
            {
                output.WriteLine("announced on " + announcement);
            }
        }

        return results;
    }
}
