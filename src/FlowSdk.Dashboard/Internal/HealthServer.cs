using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FlowSdk.Dashboard.Internal;

/// <summary>Where the health endpoints listen without the dashboard (<c>run --health-port</c>).</summary>
internal sealed record HealthListenerOptions(string Url);

/// <summary>
/// The health endpoints alone, on a listener of their own: <c>/health/live</c> and <c>/health/ready</c>
/// with the same checks and JSON as the dashboard's, for an orchestrator's probes. Nothing else is
/// served there: no UI, no API, no trigger.
/// </summary>
internal sealed partial class HealthServer(FlowRuntime runtime, HealthListenerOptions options, ILoggerFactory? loggerFactory = null) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The addresses the health endpoints listen on, once started (port 0 resolved).</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var loggers = loggerFactory ?? NullLoggerFactory.Instance;
        var builder = WebListener.CreateBuilder(options.Url, runtime, loggers);
        HealthEndpoints.AddChecks(builder.Services);
        var app = builder.Build();
        HealthEndpoints.Map(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        Addresses = WebListener.Addresses(app);
        var addresses = string.Join(", ", Addresses);
        var logger = loggers.CreateLogger("FlowSdk.Health");
        LogListening(logger, addresses);
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
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Health endpoints listening on {Addresses}.")]
    private static partial void LogListening(ILogger logger, string addresses);
}
