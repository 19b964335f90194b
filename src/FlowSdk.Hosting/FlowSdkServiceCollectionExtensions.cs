using FlowSdk.Sqlite;
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
            MaxHandlingAttempts = options.MaxHandlingAttempts,
            HandlingRetryDelay = options.HandlingRetryDelay,
            TransientRetryLimit = options.TransientRetryLimit,
            StateCacheCapacity = options.StateCacheCapacity,
            MaxTimelineEntries = options.MaxTimelineEntries,
            AutoDeploy = options.AutoDeploy,
        };
        if (options.Lanes is { } lanes)
        {
            runtimeOptions.Lanes = lanes;
        }

        SetApprovalPolicies(runtimeOptions, options, builder.Flows);

        return new FlowRuntime(builder.Flows, runtimeOptions);
    }

    /// <summary>Hands the configuration's approval policies to the runtime; one that names no approval rule of the host's flows is refused, naming its key.</summary>
    private static void SetApprovalPolicies(FlowRuntimeOptions runtimeOptions, FlowSdkOptions options, IReadOnlyList<FlowDefinition> flows)
    {
        foreach (var (flowId, rules) in options.Approvals)
        {
            var flow = flows.FirstOrDefault(f => string.Equals(f.Id, flowId, StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"{FlowSdkOptions.SectionName}:Approvals:{flowId} names no flow of this host; its flows are {string.Join(", ", flows.Select(f => f.Id))}.");
            foreach (var (rule, policy) in rules)
            {
                if (rule != "*" && !flow.Rules.Any(r => r.Approval is not null && string.Equals(r.Name, rule, StringComparison.Ordinal)))
                {
                    var approval = flow.Rules.Where(r => r.Approval is not null).Select(r => r.Name).ToList();
                    throw new InvalidOperationException($"{FlowSdkOptions.SectionName}:Approvals:{flowId}:{rule} names no rule of flow '{flowId}' that requires approval; {(approval.Count == 0 ? "none of its rules does" : "those that do: " + string.Join(", ", approval) + " (or * for all)")}.");
                }

                runtimeOptions.SetApprovalPolicy(flowId, policy, rule);
            }
        }
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

    /// <summary>
    /// Keeps executions and queued messages in a local SQLite file (FlowSdk.Sqlite) instead of
    /// memory, so they survive a restart and other processes (the generated command line's
    /// <c>send</c>, <c>executions</c>, <c>inspect</c>) reach them. The file is
    /// <see cref="SqliteFlowOptions.Path"/>, else the configuration's <c>FlowSdk:Sqlite:Path</c>, else
    /// <c>flowsdk.db</c>. When the runtime is created the host takes the file's runner lease; if another
    /// process runs the flows on the file, creating the runtime fails with a <see cref="SqliteFlowStoreException"/>
    /// that names it. The container disposes the lease and the file after the runtime.
    /// </summary>
    /// <param name="configure">Adjusts the options (path, poll interval, redelivery); the defaults when <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public FlowSdkBuilder UseSqlite(Action<SqliteFlowOptions>? configure = null)
    {
        Services.TryAddSingleton(provider =>
        {
            var options = new SqliteFlowOptions();
            if (provider.GetService<IConfiguration>()?[FlowCli.SqlitePathKey] is { } path && !string.IsNullOrWhiteSpace(path))
            {
                options.Path = path.Trim();
            }

            configure?.Invoke(options);
            return SqliteFlowDatabase.Open(options);
        });
        Services.TryAddSingleton(provider =>
        {
            var database = provider.GetRequiredService<SqliteFlowDatabase>();
            return database.TryAcquireRunnerLease() ?? throw new SqliteFlowStoreException(
                database.Path,
                $"Another process runs the flows on {database.Path} ({database.RunnerLeaseHolder()?.Holder ?? "its lease is being released"}): one process runs the flows on a database file at a time. Stop that one, or give this host a file of its own (FlowSdk:Sqlite:Path).");
        });
        UseTransport(provider =>
        {
            _ = provider.GetRequiredService<SqliteRunnerLease>();
            return provider.GetRequiredService<SqliteFlowDatabase>().Transport;
        });
        return UseStateStore(provider => provider.GetRequiredService<SqliteFlowDatabase>().Store);
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
