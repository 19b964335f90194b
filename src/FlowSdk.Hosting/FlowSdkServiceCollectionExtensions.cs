using FlowSdk.State;
using FlowSdk.Transport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FlowSdk.Hosting;

/// <summary>Registers FlowSdk with a <see cref="IServiceCollection"/>.</summary>
public static class FlowSdkServiceCollectionExtensions
{
    /// <summary>
    /// Adds the FlowSdk runtime as a hosted service: it starts with the host and, on shutdown, stops
    /// taking messages and lets the rules that are running commit. Options are bound from the
    /// <c>FlowSdk</c> configuration section when an <see cref="IConfiguration"/> is registered.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>A builder to add flows and choose the transport.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddFlowSdk().AddFlows(AssemblyFlows.All);
    /// </code>
    /// </example>
    public static FlowSdkBuilder AddFlowSdk(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new FlowSdkBuilder(services);
        services.TryAddSingleton(builder);
        services.AddOptions<FlowSdkOptions>().Configure<IServiceProvider>((options, provider) =>
        {
            if (provider.GetService<IConfiguration>() is { } configuration)
            {
                configuration.GetSection(FlowSdkOptions.SectionName).Bind(options);
            }
        });
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider => CreateRuntime(provider));
        services.AddHostedService<FlowRuntimeHostedService>();
        return builder;
    }

    private static FlowRuntime CreateRuntime(IServiceProvider provider)
    {
        var builder = provider.GetRequiredService<FlowSdkBuilder>();
        if (builder.Flows.Count == 0)
        {
            throw new InvalidOperationException("AddFlowSdk() has no flows: add them with .AddFlows(AssemblyFlows.All) or .AddFlow(<State>Flow.Definition).");
        }

        var options = provider.GetRequiredService<IOptions<FlowSdkOptions>>().Value;
        var runtimeOptions = new FlowRuntimeOptions
        {
            Transport = builder.TransportFactory?.Invoke(provider),
            StateStore = builder.StateStoreFactory?.Invoke(provider),
            TimeProvider = provider.GetRequiredService<TimeProvider>(),
            LoggerFactory = provider.GetService<ILoggerFactory>(),
            MaxWriteAttempts = options.MaxWriteAttempts,
            MaxChainedFirings = options.MaxChainedFirings,
            Retention = options.Retention,
        };
        if (options.Lanes is { } lanes)
        {
            runtimeOptions.Lanes = lanes;
        }

        return new FlowRuntime(builder.Flows, runtimeOptions);
    }
}

/// <summary>Adds flows to a host and chooses their transport and state store.</summary>
public sealed class FlowSdkBuilder
{
    private readonly List<FlowDefinition> _flows = [];

    internal FlowSdkBuilder(IServiceCollection services) => Services = services;

    /// <summary>The services the builder adds to.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The flows added so far.</summary>
    public IReadOnlyList<FlowDefinition> Flows => _flows;

    internal Func<IServiceProvider, IMessageTransport>? TransportFactory { get; private set; }

    internal Func<IServiceProvider, IStateStore>? StateStoreFactory { get; private set; }

    /// <summary>Adds one flow: the generated <c>&lt;State&gt;Flow.Definition</c>.</summary>
    /// <param name="flow">The flow.</param>
    /// <returns>The builder.</returns>
    public FlowSdkBuilder AddFlow(FlowDefinition flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        _flows.Add(flow);
        return this;
    }

    /// <summary>Adds flows, typically the generated <c>FlowSdk.Generated.AssemblyFlows.All</c>.</summary>
    /// <param name="flows">The flows.</param>
    /// <returns>The builder.</returns>
    public FlowSdkBuilder AddFlows(IEnumerable<FlowDefinition> flows)
    {
        ArgumentNullException.ThrowIfNull(flows);
        foreach (var flow in flows)
        {
            AddFlow(flow);
        }

        return this;
    }

    /// <summary>Uses another transport than the embedded one (FlowSdk.Nats provides one). The runtime does not dispose it.</summary>
    /// <param name="factory">Creates the transport.</param>
    /// <returns>The builder.</returns>
    public FlowSdkBuilder UseTransport(Func<IServiceProvider, IMessageTransport> factory)
    {
        TransportFactory = factory ?? throw new ArgumentNullException(nameof(factory));
        return this;
    }

    /// <summary>Uses another state store than the embedded one (FlowSdk.Nats provides one). The runtime does not dispose it.</summary>
    /// <param name="factory">Creates the store.</param>
    /// <returns>The builder.</returns>
    public FlowSdkBuilder UseStateStore(Func<IServiceProvider, IStateStore> factory)
    {
        StateStoreFactory = factory ?? throw new ArgumentNullException(nameof(factory));
        return this;
    }
}

/// <summary>Starts the runtime with the host and stops it gracefully.</summary>
internal sealed partial class FlowRuntimeHostedService(FlowRuntime runtime, ILogger<FlowRuntimeHostedService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await runtime.StartAsync(cancellationToken).ConfigureAwait(false);
        var flows = string.Join(", ", runtime.Flows.Select(f => f.Id));
        var transport = runtime.Transport.GetType().Name;
        LogStarted(logger, flows, transport);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Stop taking messages and wait for the rules that are running to commit.
        await runtime.StopAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        LogStopped(logger);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "FlowSdk runtime started with flows {Flows} on {Transport}")]
    private static partial void LogStarted(ILogger logger, string flows, string transport);

    [LoggerMessage(Level = LogLevel.Information, Message = "FlowSdk runtime stopped; running rules committed")]
    private static partial void LogStopped(ILogger logger);
}
