using System.CommandLine;
using FlowSdk.Dashboard;
using FlowSdk.Dashboard.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FlowSdk.Hosting;

/// <summary><c>run --dashboard [url]</c>: the host serves the dashboard (docs/dashboard.md).</summary>
public static partial class FlowCli
{
    private static Option<string?> DashboardOption() => new("--dashboard")
    {
        Description = $"Serve the dashboard (flows, executions, controls, health, HTTP triggers) on this URL, {FlowDashboardOptions.DefaultUrl} when none is given. "
            + $"Controls need the token of the configuration's {FlowDashboardOptions.SectionName}:Token (environment variable FlowSdk__Dashboard__Token); without it the dashboard is read-only.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    /// <summary>The dashboard's URL when <c>--dashboard</c> is given (with or without a URL); <see langword="null"/> otherwise.</summary>
    private static string? DashboardUrl(ParseResult result, Option<string?> option)
        => result.GetResult(option) is null ? null : result.GetValue(option) is { Length: > 0 } url ? url : FlowDashboardOptions.DefaultUrl;

    private static void AddDashboard(IServiceCollection services, string? url)
    {
        if (url is not null)
        {
            services.AddFlowSdkDashboard(o => o.Url = url);
        }
    }

    private static async Task PrintDashboardAsync(IHost host, FlowCliEnvironment env)
    {
        if (host.Services.GetService<DashboardServer>() is { } dashboard)
        {
            await env.Out.WriteLineAsync($"Dashboard on {string.Join(", ", dashboard.Addresses)}.").ConfigureAwait(false);
        }
    }
}
