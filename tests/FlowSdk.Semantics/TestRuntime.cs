using FlowSdk.Semantics.Flows;
using FlowSdk.State;
using FlowSdk.Testing;
using FlowSdk.Transport;

namespace FlowSdk.Semantics;

/// <summary>
/// The order flow on a <see cref="FlowTestHost"/> (the FlowSdk.Testing kit): virtual time, every
/// published message recorded, a store that injects conflicts, errors surfaced when the flows settle.
/// </summary>
public sealed class TestRuntime : IAsyncDisposable
{
    private TestRuntime(FlowTestHost host)
    {
        Host = host;
        Orders = new OrderClient(host.Runtime);
    }

    public FlowTestHost Host { get; }

    public FlowRuntime Runtime => Host.Runtime;

    public OrderClient Orders { get; }

    /// <summary>Everything the runtime logged (Debug and above), oldest first.</summary>
    public LogView Logs => new(Host);

    /// <summary>The store, which injects conflicts on request.</summary>
    public FaultInjectingStateStore Store => Host.Store;

    /// <summary>Subjects of every message seen on the transport, in delivery order.</summary>
    public IReadOnlyList<string> Published => Host.Messages.Subjects;

    public static async Task<TestRuntime> StartAsync(IFlowInfrastructure infrastructure, Action<FlowRuntimeOptions>? configure = null, Microsoft.Extensions.Time.Testing.FakeTimeProvider? time = null)
    {
        var host = await FlowTestHost.StartAsync([OrderFlow.Definition], o =>
        {
            o.Transport = infrastructure.Transport;
            o.StateStore = infrastructure.Store;
            o.ConfigureRuntime = configure;
            o.Time = time;
        });
        return new TestRuntime(host);
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

    public Task SettleAsync() => Host.SettleAsync();

    public Task<Order> OrderAsync(string id) => Host.GetAsync(OrderFlow.Definition, id);

    public async Task<ulong> RevisionAsync(string id) =>
        (await Runtime.Store.GetAsync("order." + id))?.Revision ?? 0;

    public ValueTask DisposeAsync() => Host.DisposeAsync();

    /// <summary>The host's log entries, read when asked.</summary>
    public readonly struct LogView(FlowTestHost host)
    {
        public IReadOnlyList<FlowLogEntry> GetSnapshot() => host.Logs;
    }
}

/// <summary>A transport and a state store for one test: in memory, or on a NATS server.</summary>
public interface IFlowInfrastructure : IAsyncDisposable
{
    IMessageTransport Transport { get; }

    IStateStore Store { get; }

    /// <summary>
    /// A second client of the same broker and store, as another host would connect. By default the
    /// same transport and store, not disposed with the second client; NATS connects anew.
    /// </summary>
    Task<IFlowInfrastructure> ConnectAnotherAsync() => Task.FromResult<IFlowInfrastructure>(new SharedInfrastructure(Transport, Store));
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

/// <summary>Another host's view of a transport and store it shares and does not own.</summary>
public sealed class SharedInfrastructure(IMessageTransport transport, IStateStore store) : IFlowInfrastructure
{
    public IMessageTransport Transport { get; } = transport;

    public IStateStore Store { get; } = store;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
