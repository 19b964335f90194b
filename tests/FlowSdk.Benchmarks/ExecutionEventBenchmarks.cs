using BenchmarkDotNet.Attributes;
using FlowSdk.Benchmarks.Firing;
using FlowSdk.State;
using FlowSdk.Transport;

namespace FlowSdk.Benchmarks;

/// <summary>
/// What lifecycle events cost per event (<c>--only lifecycle</c>): one order through the embedded
/// runtime (its Placed state written, a payment and a shipment published, both rules fired and
/// committed, <see cref="FlowRuntime.WhenIdleAsync"/>) on the same flow with an <c>Events</c> prefix
/// (two step events and an ended event committed in the outbox, published, and the outbox emptied by
/// a second write) and without (the baseline: its rules publish nothing, so each commit is one write).
/// </summary>
[BenchmarkCategory("Lifecycle")]
public class ExecutionEventBenchmarks
{
    private static readonly FlowDefinition<Order> WithEvents = Copy(OrderFlow.Definition, OrderFlow.Definition.Lifecycle with { Events = "bench.orders.events" });

    private FlowRuntime _events = null!;
    private FlowRuntime _plain = null!;
    private int _next;
    private int _published;

    /// <summary>Starts both runtimes, each on its own transport and store, and checks that only one publishes events.</summary>
    [GlobalSetup]
    public void SetUp()
    {
        _events = FlowRuntime.StartAsync([WithEvents], new FlowRuntimeOptions { Transport = new InMemoryTransport(), StateStore = new InMemoryStateStore(), DisposeSuppliedTransportAndStore = true }).GetAwaiter().GetResult();
        _plain = FlowRuntime.StartAsync([OrderFlow.Definition], new FlowRuntimeOptions { Transport = new InMemoryTransport(), StateStore = new InMemoryStateStore(), DisposeSuppliedTransportAndStore = true }).GetAwaiter().GetResult();
        using var counting = _events.Transport.Subscribe("bench.orders.events.*").Subscribe(_ => Interlocked.Increment(ref _published));
        OneOrderAsync(_events, WithEvents).GetAwaiter().GetResult();
        OneOrderAsync(_plain, OrderFlow.Definition).GetAwaiter().GetResult();
        if (Volatile.Read(ref _published) != 3)
        {
            throw new InvalidOperationException($"One order published {_published} events, not 3 (two steps and the end).");
        }

        // Both runtimes, in turns, until the JIT has settled (as in LifecycleBenchmarks).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(2))
        {
            OneOrderAsync(_events, WithEvents).GetAwaiter().GetResult();
            OneOrderAsync(_plain, OrderFlow.Definition).GetAwaiter().GetResult();
        }
    }

    /// <summary>Stops both runtimes.</summary>
    [GlobalCleanup]
    public async Task CleanUp()
    {
        await _events.DisposeAsync();
        await _plain.DisposeAsync();
    }

    /// <summary>The flow with lifecycle events.</summary>
    [Benchmark]
    public Task<string> WithExecutionEvents() => OneOrderAsync(_events, WithEvents);

    /// <summary>The baseline: the same flow without them.</summary>
    [Benchmark(Baseline = true)]
    public Task<string> WithoutExecutionEvents() => OneOrderAsync(_plain, OrderFlow.Definition);

    private async Task<string> OneOrderAsync(FlowRuntime runtime, FlowDefinition<Order> flow)
    {
        var id = "o-" + Interlocked.Increment(ref _next);
        var placed = flow.Start(id, DateTimeOffset.UnixEpoch);
        placed.Total = 42m;
        await runtime.Store.TryCreateAsync("bench-order." + id, FlowSerializer.Serialize(flow.StateFormatter, placed));
        await runtime.PublishAsync(OrderFlow.Ports.PaymentReceived, new PaymentReceived(id, 42m));
        await runtime.PublishAsync(OrderFlow.Ports.OrderShipped, new OrderShipped(id));
        await runtime.WhenIdleAsync();
        return id;
    }

    private static FlowDefinition<Order> Copy(FlowDefinition<Order> flow, LifecycleSubjects lifecycle) => new(
        flow.Id, flow.Phases, flow.TerminalPhases, flow.MaxIterations, flow.StateFormatter, flow.Inputs, flow.StateRules, flow.Timeout, lifecycle, flow.Schedules, flow.FanOuts);
}
