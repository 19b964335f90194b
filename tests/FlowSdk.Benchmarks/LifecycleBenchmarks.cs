using BenchmarkDotNet.Attributes;
using FlowSdk.Benchmarks.Firing;
using FlowSdk.State;
using FlowSdk.Transport;

namespace FlowSdk.Benchmarks;

/// <summary>
/// What the deployment lifecycle costs per event (<c>--only lifecycle</c>): one order through the
/// embedded runtime (its Placed state written, a payment and a shipment published, both rules fired
/// and committed, <see cref="FlowRuntime.WhenIdleAsync"/>), on a runtime that watches the deployment
/// records as every runtime does, against the baseline of the same runtime whose store hides that
/// watch (it never sees a record change, so no convergence machinery is live). The ratio is the
/// watch's cost per event: the per-event path does not look at deployments.
/// </summary>
[BenchmarkCategory("Lifecycle")]
public class LifecycleBenchmarks
{
    private FlowRuntime _watching = null!;
    private FlowRuntime _blind = null!;
    private int _next;

    /// <summary>Starts both runtimes, each on its own transport and store.</summary>
    [GlobalSetup]
    public void SetUp()
    {
        _watching = FlowRuntime.StartAsync([OrderFlow.Definition], new FlowRuntimeOptions { Transport = new InMemoryTransport(), StateStore = new PassThroughStateStore(new InMemoryStateStore()), DisposeSuppliedTransportAndStore = true }).GetAwaiter().GetResult();
        _blind = FlowRuntime.StartAsync([OrderFlow.Definition], new FlowRuntimeOptions { Transport = new InMemoryTransport(), StateStore = new NoDeploymentWatchStore(new InMemoryStateStore()), DisposeSuppliedTransportAndStore = true }).GetAwaiter().GetResult();
        if (!_watching.IsFlowRunning(OrderFlow.Definition) || !_blind.IsFlowRunning(OrderFlow.Definition))
        {
            throw new InvalidOperationException("Both runtimes must run the flow.");
        }

        // Each operation takes an order from Placed to Shipped on both runtimes.
        foreach (var runtime in new[] { _watching, _blind })
        {
            var id = OneOrderAsync(runtime).GetAwaiter().GetResult();
            var order = runtime.GetAsync(OrderFlow.Definition, id).AsTask().GetAwaiter().GetResult();
            if (order?.Phase != OrderPhase.Shipped)
            {
                throw new InvalidOperationException($"Order {id} ended in {order?.Phase.ToString() ?? "nothing"}, not Shipped.");
            }
        }

        // Both runtimes, in turns, until the JIT has settled: whichever case ran first measured two
        // to three times slower than the same case run later in the process.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(2))
        {
            OneOrderAsync(_watching).GetAwaiter().GetResult();
            OneOrderAsync(_blind).GetAwaiter().GetResult();
        }
    }

    /// <summary>Stops both runtimes.</summary>
    [GlobalCleanup]
    public async Task CleanUp()
    {
        await _watching.DisposeAsync();
        await _blind.DisposeAsync();
    }

    /// <summary>The runtime as it is: the deployment records watched.</summary>
    [Benchmark]
    public Task<string> WithDeploymentWatch() => OneOrderAsync(_watching);

    /// <summary>The baseline: the same runtime, the deployment watch hidden by its store.</summary>
    [Benchmark(Baseline = true)]
    public Task<string> WithoutDeploymentWatch() => OneOrderAsync(_blind);

    private async Task<string> OneOrderAsync(FlowRuntime runtime)
    {
        var id = "o-" + Interlocked.Increment(ref _next);
        var placed = OrderFlow.Definition.Start(id, DateTimeOffset.UnixEpoch);
        placed.Total = 42m;
        await runtime.Store.TryCreateAsync("bench-order." + id, FlowSerializer.Serialize(OrderFlow.Definition.StateFormatter, placed));
        await runtime.PublishAsync(OrderFlow.Ports.PaymentReceived, new PaymentReceived(id, 42m));
        await runtime.PublishAsync(OrderFlow.Ports.OrderShipped, new OrderShipped(id));
        await runtime.WhenIdleAsync();
        return id;
    }

    /// <summary>The in-memory store with every call passed through, except that a watch of the deployment records never delivers.</summary>
    private sealed class NoDeploymentWatchStore(InMemoryStateStore inner) : PassThroughStateStore(inner)
    {
        public override IObservable<StateEntry> Watch(string prefix) => prefix.StartsWith(FlowDeployments.KeyPrefix, StringComparison.Ordinal)
            ? System.Reactive.Linq.Observable.Never<StateEntry>()
            : base.Watch(prefix);
    }
}
