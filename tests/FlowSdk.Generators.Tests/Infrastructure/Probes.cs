namespace FlowSdk.Generators.Tests.Infrastructure;

/// <summary>
/// Code compiled next to a case's sources and the generated code, as a user would write it: it runs
/// the flows on the embedded runtime through the generated clients and reports what happened.
/// </summary>
internal static class Probes
{
    public static SourceFile PlanReview { get; } = new("Probe.cs", """
        using FlowSdk;

        namespace PlanReviewSample;

        /// <summary>Runs two plans.</summary>
        public static class GeneratedCodeProbe
        {
            /// <summary>Runs two plans and describes how they ended.</summary>
            /// <returns>One line per plan and review desk execution.</returns>
            public static async Task<string> RunAsync()
            {
                await using var runtime = await FlowRuntime.StartAsync(PlanReviewFlow.Definition, ReviewDeskFlow.Definition);
                var plans = new PlanReviewClient(runtime);
                var desk = new ReviewDeskClient(runtime);
                await plans.SendAsync(new PlanSubmitted("ready", "Ready", "## Risks\n## Rollback"));
                await plans.SendAsync(new PlanSubmitted("no-rollback", "No rollback", "## Risks"));
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await runtime.WhenIdleAsync(timeout.Token);

                var lines = new List<string>();
                foreach (var id in new[] { "ready", "no-rollback" })
                {
                    var plan = await plans.GetAsync(id) ?? throw new InvalidOperationException("No plan " + id);
                    lines.Add($"plan {plan.Id}: {plan.Status} {plan.Phase} #{plan.Iteration} [{string.Join(", ", plan.Timeline.Select(e => e.Rule))}] {plan.Title}");
                    var review = await desk.GetAsync(id) ?? throw new InvalidOperationException("No desk " + id);
                    lines.Add($"desk {review.Id}: {review.Status} {review.Phase} rounds={review.Rounds}");
                }

                return string.Join("\n", lines);
            }
        }
        """);

    public static SourceFile Shipping { get; } = new("Probe.cs", """
        using FlowSdk;

        namespace Acme.Shipping;

        /// <summary>Runs two shipments.</summary>
        public static class GeneratedCodeProbe
        {
            /// <summary>Runs two shipments and describes how they ended.</summary>
            /// <returns>One line per shipment.</returns>
            public static async Task<string> RunAsync()
            {
                var post = new Guid("0f8fad5b-d9cb-469f-a165-70867728950e");
                var courier = new Guid("7c9e6679-7425-40de-944b-e07fc1f90ae7");
                await using var runtime = await FlowRuntime.StartAsync(ShipmentFlow.Definition);
                var shipments = new ShipmentClient(runtime);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

                await shipments.SendAsync(new ShipmentCreated(post, "1 Main St", Note: null, Priority.Express, 3));
                await shipments.SendAsync(new ShipmentCreated(courier, "2 Side St", "ring twice", Priority.Normal, 1));
                await runtime.WhenIdleAsync(timeout.Token);
                await shipments.SendAsync(new ShipmentPacked(post, Carrier.Post, Fragile: true));
                await shipments.SendAsync(new ShipmentPacked(courier, Carrier.Courier, Fragile: false));
                await runtime.WhenIdleAsync(timeout.Token);
                await shipments.SendAsync(new ParcelScanned { ShipmentId = post, Location = "Depot", At = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.FromHours(1)) });
                await runtime.WhenIdleAsync(timeout.Token);
                await shipments.SendAsync(new ParcelScanned { ShipmentId = post, Location = "Van", Comment = "final" });
                await runtime.WhenIdleAsync(timeout.Token);

                var lines = new List<string>();
                foreach (var id in new[] { post, courier })
                {
                    var s = await shipments.GetAsync(id.ToString()) ?? throw new InvalidOperationException("No shipment " + id);
                    lines.Add($"{s.Id}: {s.Status} {s.Phase} {s.Priority} scans={s.Scans} label={s.Label ?? "-"} last={s.LastLocation ?? "-"} note={s.Note ?? "-"} [{string.Join(", ", s.Timeline.Select(e => e.Rule))}]");
                }

                return string.Join("\n", lines);
            }
        }
        """);
}
