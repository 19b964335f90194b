using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FlowSdk.Dashboard.Internal;

/// <summary>
/// Readiness: the state store answers a read (on NATS, the key/value bucket through the NATS
/// connection; on the embedded default, the SQLite file), within five seconds.
/// </summary>
internal sealed class StoreHealthCheck(FlowRuntime runtime) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var kind = runtime.Store.GetType().Name;
        try
        {
            // A key no execution has: the answer (none) proves the store and its connection work.
            await runtime.Store.GetAsync("flowsdk-health-probe", timeout.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"The state store ({kind}) answers.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"The state store ({kind}) did not answer within 5 s.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"The state store ({kind}) failed: {ex.GetType().Name}.");
        }
    }
}

/// <summary>
/// Readiness: the flows' subscriptions (on NATS, their JetStream consumers) are live, within five seconds.
/// </summary>
internal sealed class SubscriptionsHealthCheck(FlowRuntime runtime) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var kind = runtime.Transport.GetType().Name;
        try
        {
            await runtime.Transport.WhenSubscribedAsync(timeout.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"The subscriptions of {runtime.Flows.Count} flow(s) on {kind} are live.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"The subscriptions on {kind} are not live within 5 s.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"The subscriptions on {kind} failed: {ex.GetType().Name}.");
        }
    }
}

/// <summary>Writes a health report as JSON: the overall status and each check's.</summary>
internal static class HealthJson
{
    public const string ReadyTag = "ready";

    public static Task Write(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var checks = report.Entries.ToDictionary(e => e.Key, e => new HealthEntry(e.Value.Status.ToString(), e.Value.Description, e.Value.Duration.TotalMilliseconds), StringComparer.Ordinal);
        return context.Response.WriteAsJsonAsync(new HealthResponse(report.Status.ToString(), checks), DashboardJson.Context.HealthResponse);
    }
}

/// <summary>
/// The health endpoints, one implementation for the dashboard's listener and the health port's:
/// <c>/health/live</c> (the process answers; no check runs) and <c>/health/ready</c> (the store and
/// the subscriptions checks), 200 when healthy and 503 when not, with a JSON report.
/// </summary>
internal static class HealthEndpoints
{
    public const string LivePath = "/health/live";

    public const string ReadyPath = "/health/ready";

    public static void AddChecks(IServiceCollection services) => services.AddHealthChecks()
        .AddCheck<StoreHealthCheck>("store", tags: [HealthJson.ReadyTag])
        .AddCheck<SubscriptionsHealthCheck>("subscriptions", tags: [HealthJson.ReadyTag]);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthJson.Write });
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(HealthJson.ReadyTag), ResponseWriter = HealthJson.Write });
    }
}
