using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FlowSdk.Dashboard.Internal;

/// <summary>
/// The dashboard as a hosted service of the host that runs the flows: its own small Kestrel
/// listener (ASP.NET Core's slim builder, Native AOT-safe) over the host's <see cref="FlowRuntime"/>.
/// It starts after the runtime and stops before it.
/// </summary>
internal sealed partial class DashboardServer(
    FlowRuntime runtime,
    IOptions<FlowDashboardOptions> options,
    IDashboardHostServices hostServices,
    DashboardControls controls,
    ILoggerFactory? loggerFactory = null) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;
    private ExecutionIndex? _index;
    private IDisposable? _deployments;

    /// <summary>The addresses the dashboard listens on, once started (port 0 resolved).</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var loggers = loggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggers.CreateLogger("FlowSdk.Dashboard");
        var flows = runtime.Flows.OrderBy(f => f.Id, StringComparer.Ordinal).ToList();
        _index = new ExecutionIndex(flows, runtime.Store, logger);
        await _index.StartAsync(cancellationToken).ConfigureAwait(false);

        var builder = WebListener.CreateBuilder(settings.Url, runtime, loggers);
        builder.Services.AddSingleton(settings);

        // Anti-forgery tokens from a key of this process: they last as long as the dashboard (nothing is written to disk).
        builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
        builder.Services.AddAntiforgery(o =>
        {
            o.HeaderName = DashboardAccess.AntiforgeryHeader;
            o.Cookie.Name = "flowsdk-antiforgery";
            o.Cookie.SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Strict;
        });
        // Nothing loads or writes a persistent key ring at start (ASP.NET Core's data-protection start-up service would).
        foreach (var service in builder.Services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "DataProtectionHostedService").ToList())
        {
            builder.Services.Remove(service);
        }

        builder.Services.AddSingleton<DashboardAccess>();
        HealthEndpoints.AddChecks(builder.Services);

        var app = builder.Build();
        HealthEndpoints.Map(app);
        var endpoints = new DashboardEndpoints(runtime, flows, _index, app.Services.GetRequiredService<DashboardAccess>(), app.Services.GetRequiredService<IAntiforgery>(), hostServices, controls);
        endpoints.Map(app);

        // Deployment records change from any process (the command line, another host's dashboard): the flows page hears of it live.
        _deployments = runtime.Store.Watch(FlowDeployments.KeyPrefix).Subscribe(endpoints.OnDeploymentChanged, ex => LogDeploymentWatchFailed(logger, ex));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        Addresses = WebListener.Addresses(app);
        var access = settings.Token is { Length: > 0 } ? "controls need the token" : "read-only: no token configured";
        var addresses = string.Join(", ", Addresses);
        LogListening(logger, addresses, access);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _deployments?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        if (_index is not null)
        {
            await _index.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The dashboard's watch of the deployment records ended: the flows page no longer shows their changes live")]
    private static partial void LogDeploymentWatchFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard listening on {Addresses} ({Access}).")]
    private static partial void LogListening(ILogger logger, string addresses, string access);
}
