using System.CommandLine;
using FlowSdk.Dashboard;
using FlowSdk.Dashboard.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FlowSdk.Hosting;

/// <summary><c>run --dashboard [url]</c> and <c>run --health-port &lt;port&gt;</c>: the host serves the dashboard, the health endpoints alone, or both (docs/dashboard.md).</summary>
public static partial class FlowCli
{
    private static Option<string?> DashboardOption() => new("--dashboard")
    {
        Description = $"Serve the dashboard (flows, executions, controls, health, HTTP triggers) on this URL, {FlowDashboardOptions.DefaultUrl} when none is given. "
            + $"Controls need the token of the configuration's {FlowDashboardOptions.SectionName}:Token (environment variable FlowSdk__Dashboard__Token); without it the dashboard is read-only.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static Option<int?> HealthPortOption()
    {
        var option = new Option<int?>("--health-port")
        {
            Description = "Serve only the health endpoints (/health/live, /health/ready) on this port, on every interface, for an orchestrator's probes. 0 picks a free port.",
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is { } port && (port < 0 || port > 65535))
            {
                result.AddError($"--health-port: {port} is not a port; use a number from 0 to 65535.");
            }
        });
        return option;
    }

    /// <summary>What <c>run</c> serves over HTTP besides the flows: the dashboard and the health port, each optional.</summary>
    private sealed record WebListeners(string? DashboardUrl, string? HealthUrl);

    /// <summary>The dashboard's URL when <c>--dashboard</c> is given (with or without a URL), and the health port's.</summary>
    private static WebListeners Listeners(ParseResult result, Option<string?> dashboard, Option<int?> healthPort) => new(
        result.GetResult(dashboard) is null ? null : result.GetValue(dashboard) is { Length: > 0 } url ? url : FlowDashboardOptions.DefaultUrl,
        result.GetValue(healthPort) is { } port ? $"http://0.0.0.0:{port}" : null);

    private static void AddWebListeners(IServiceCollection services, WebListeners? listeners)
    {
        if (listeners?.DashboardUrl is { } dashboard)
        {
            services.AddFlowSdkDashboard(o => o.Url = dashboard);
        }

        if (listeners?.HealthUrl is { } health)
        {
            services.AddFlowSdkHealthEndpoints(health);
        }
    }

    private static async Task PrintWebListenersAsync(IHost host, FlowCliEnvironment env)
    {
        if (host.Services.GetService<DashboardServer>() is { } dashboard)
        {
            await env.Out.WriteLineAsync($"Dashboard on {string.Join(", ", dashboard.Addresses)}.").ConfigureAwait(false);
        }

        if (host.Services.GetService<HealthServer>() is { } health)
        {
            await env.Out.WriteLineAsync($"Health endpoints on {string.Join(", ", health.Addresses)} ({HealthEndpoints.LivePath}, {HealthEndpoints.ReadyPath}).").ConfigureAwait(false);
        }
    }
}
