using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FlowSdk.Dashboard.Internal;

/// <summary>
/// A small Kestrel listener inside the host that runs the flows (ASP.NET Core's slim builder, Native
/// AOT-safe): the dashboard's and the health port's. The outer host owns the process, its logging and
/// its signals; the listener serves the host's <see cref="FlowRuntime"/>.
/// </summary>
internal static class WebListener
{
    public static WebApplicationBuilder CreateBuilder(string url, FlowRuntime runtime, ILoggerFactory loggers)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory, EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.WebHost.UseUrls(url);
        builder.Services.AddSingleton(runtime);

        // The outer host owns the process: Ctrl+C and SIGTERM stop it, and it stops this listener.
        builder.Services.AddSingleton<IHostLifetime, OwnedLifetime>();
        return builder;
    }

    /// <summary>The addresses a started listener listens on (port 0 resolved).</summary>
    public static IReadOnlyList<string> Addresses(WebApplication app)
        => [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []];

    /// <summary>A lifetime that waits for nothing and hooks no signal: the host that runs the flows has those.</summary>
    private sealed class OwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
