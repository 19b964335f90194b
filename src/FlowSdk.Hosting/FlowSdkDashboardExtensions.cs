using FlowSdk.Dashboard;
using FlowSdk.Dashboard.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FlowSdk.Hosting;

/// <summary>Adds the FlowSdk dashboard (docs/dashboard.md) to a host that runs flows.</summary>
public static class FlowSdkDashboardExtensions
{
    /// <summary>
    /// Serves the dashboard from this host: flows with their graphs and progress, the live list of
    /// executions, each execution's timeline, state and outbox, the controls (behind
    /// <see cref="FlowDashboardOptions.Token"/>), health endpoints (<c>/health/live</c>,
    /// <c>/health/ready</c>) and HTTP triggers for the input ports. It listens on its own address
    /// (<see cref="FlowDashboardOptions.Url"/>, the loopback interface by default) and starts after the
    /// runtime. Options are bound from the <c>FlowSdk:Dashboard</c> configuration section, then
    /// <paramref name="configure"/> runs. Call it after <c>AddFlowSdk()</c>.
    /// </summary>
    /// <param name="services">The services, with <c>AddFlowSdk()</c> already added.</param>
    /// <param name="configure">Sets options in code, after the configuration's.</param>
    /// <returns>The services.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddFlowSdk().AddFlows(AssemblyFlows.All);
    /// builder.Services.AddFlowSdkDashboard(o => o.Url = "http://localhost:5080");
    /// </code>
    /// </example>
    public static IServiceCollection AddFlowSdkDashboard(this IServiceCollection services, Action<FlowDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<FlowDashboardOptions>().Configure<IServiceProvider>((options, provider) =>
        {
            if (provider.GetService<IConfiguration>() is { } configuration)
            {
                configuration.GetSection(FlowDashboardOptions.SectionName).Bind(options);
            }

            configure?.Invoke(options);
        });
        services.TryAddSingleton<IDashboardHostServices, HostingDashboardServices>();
        services.TryAddSingleton(_ => DashboardControls.Default);
        services.TryAddSingleton<DashboardServer>();
        services.AddHostedService(provider => provider.GetRequiredService<DashboardServer>());
        return services;
    }

    /// <summary>
    /// Serves the health endpoints alone on a listener of their own, for an orchestrator's probes when
    /// the dashboard is not wanted (or listens on another address): <c>/health/live</c> answers while the
    /// process runs; <c>/health/ready</c> is 200 while the state store answers and the flows'
    /// subscriptions are live (on NATS: the connection and the consumers), 503 otherwise. Both return
    /// a JSON report. The same checks as the dashboard's. Call it after <c>AddFlowSdk()</c>.
    /// </summary>
    /// <param name="services">The services, with <c>AddFlowSdk()</c> already added.</param>
    /// <param name="url">The URL to listen on, for example <c>http://0.0.0.0:8081</c> (reachable by a
    /// kubelet) or <c>http://127.0.0.1:0</c> (a free port on the loopback interface).</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddFlowSdkHealthEndpoints(this IServiceCollection services, string url)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"'{url}' is not an http or https URL to listen on (for example http://0.0.0.0:8081).", nameof(url));
        }

        services.AddSingleton(new HealthListenerOptions(url));
        services.TryAddSingleton<HealthServer>();
        services.AddHostedService(provider => provider.GetRequiredService<HealthServer>());
        return services;
    }
}

/// <summary>The command line's graph, port lookup and JSON conversions, for the dashboard: one implementation of each.</summary>
internal sealed class HostingDashboardServices : IDashboardHostServices
{
    public string GraphJson(IReadOnlyCollection<FlowDefinition> flows) => FlowGraph.Render(flows, "json");

    public IInputPort FindPort(IReadOnlyList<FlowDefinition> flows, string name)
    {
        try
        {
            return FlowCli.FindPort(flows, name);
        }
        catch (FlowCliException ex)
        {
            throw new DashboardRequestException(404, ex.Message);
        }
    }

    public byte[] Encode(IInputPort port, string json)
    {
        try
        {
            return JsonMessages.Encode(port, json);
        }
        catch (FlowCliException ex)
        {
            throw new DashboardRequestException(400, ex.Message);
        }
    }

    public string Example(IInputPort port) => JsonMessages.Example(port);

    public string ToJson(ReadOnlyMemory<byte> bytes) => JsonMessages.ToJson(bytes);
}
