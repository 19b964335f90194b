using System.Collections.Concurrent;
using System.Reactive.Linq;
using FlowSdk.State;
using FlowSdk.Semantics.Flows;
using FlowSdk.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace FlowSdk.Semantics;

/// <summary>A started runtime for the test flows, with captured logs and published messages.</summary>
public sealed class TestRuntime : IAsyncDisposable
{
    private readonly IDisposable _tap;

    private TestRuntime(FlowRuntime runtime, FakeLogCollector logs, ILoggerFactory loggerFactory)
    {
        Runtime = runtime;
        Logs = logs;
        LoggerFactory = loggerFactory;
        Orders = new OrderClient(runtime);
        _tap = runtime.Transport.Subscribe(">").Subscribe(m => Published.Enqueue(m.Subject));
    }

    public FlowRuntime Runtime { get; }

    public OrderClient Orders { get; }

    public FakeLogCollector Logs { get; }

    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Subjects of every message seen on the transport, in delivery order.</summary>
    public ConcurrentQueue<string> Published { get; } = new();

    public static async Task<TestRuntime> StartAsync(IFlowInfrastructure infrastructure, Action<FlowRuntimeOptions>? configure = null)
    {
        var collector = new FakeLogCollector();
        var loggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(collector)));
        var options = new FlowRuntimeOptions { LoggerFactory = loggerFactory, Transport = infrastructure.Transport, StateStore = infrastructure.Store };
        configure?.Invoke(options);
        var runtime = await FlowRuntime.StartAsync([OrderFlow.Definition], options);
        return new TestRuntime(runtime, collector, loggerFactory);
    }

    public async Task SendAndSettleAsync(params object[] messages)
    {
        foreach (var message in messages)
        {
            await (message switch
            {
                OrderPlaced m => Orders.SendAsync(m),
                OrderPaid m => Orders.SendAsync(m),
                OrderShipped m => Orders.SendAsync(m),
                OrderBroken m => Orders.SendAsync(m),
                _ => throw new ArgumentException($"No port for {message.GetType().Name}"),
            });
        }

        await SettleAsync();
    }

    public async Task SettleAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await Runtime.WhenIdleAsync(timeout.Token);
    }

    public async Task<Order> OrderAsync(string id) =>
        await Orders.GetAsync(id) ?? throw new Xunit.Sdk.XunitException($"No execution '{id}'.");

    public async Task<ulong> RevisionAsync(string id) =>
        (await Runtime.Store.GetAsync("order." + id))?.Revision ?? 0;

    public async ValueTask DisposeAsync()
    {
        _tap.Dispose();
        await Runtime.DisposeAsync();
        LoggerFactory.Dispose();
    }
}

/// <summary>A transport and a state store for one test: in memory, or on a NATS server.</summary>
public interface IFlowInfrastructure : IAsyncDisposable
{
    IMessageTransport Transport { get; }

    IStateStore Store { get; }
}

/// <summary>Makes a fresh, isolated <see cref="IFlowInfrastructure"/> for each test.</summary>
public interface IFlowInfrastructureFactory
{
    Task<IFlowInfrastructure> CreateAsync();
}

/// <summary>The embedded transport and store.</summary>
public sealed class InMemoryInfrastructure : IFlowInfrastructure, IFlowInfrastructureFactory
{
    public IMessageTransport Transport { get; } = new InMemoryTransport();

    public IStateStore Store { get; } = new InMemoryStateStore();

    public Task<IFlowInfrastructure> CreateAsync() => Task.FromResult<IFlowInfrastructure>(new InMemoryInfrastructure());

    public async ValueTask DisposeAsync()
    {
        await Transport.DisposeAsync();
        await Store.DisposeAsync();
    }
}

/// <summary>A state store that lets a test act between a rule's read and its compare-and-set write.</summary>
public sealed class InterceptingStore(IStateStore inner) : IStateStore
{
    private readonly IStateStore _inner = inner;

    public Func<IStateStore, string, Task>? BeforeUpdate { get; set; }

    public bool AlwaysConflict { get; set; }

    public int UpdateAttempts;

    public int Conflicts;

    public ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default) => _inner.GetAsync(key, cancellationToken);

    public ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) => _inner.TryCreateAsync(key, value, cancellationToken);

    public async ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref UpdateAttempts);
        if (BeforeUpdate is { } interfere)
        {
            BeforeUpdate = null;
            await interfere(_inner, key);
        }

        var result = AlwaysConflict
            ? new StateWriteResult(false, expectedRevision + 1)
            : await _inner.TryUpdateAsync(key, value, expectedRevision, cancellationToken);
        if (!result.Succeeded)
        {
            Interlocked.Increment(ref Conflicts);
        }

        return result;
    }

    public IAsyncEnumerable<string> ListKeysAsync(string prefix, CancellationToken cancellationToken = default) => _inner.ListKeysAsync(prefix, cancellationToken);

    public IObservable<StateEntry> Watch(string prefix) => _inner.Watch(prefix);

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => _inner.DeleteAsync(key, cancellationToken);

    public ValueTask DisposeAsync() => _inner.DisposeAsync();
}
