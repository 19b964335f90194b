using FlowSdk.Semantics.Flows;
using FlowSdk.Transport;

namespace FlowSdk.Tests;

/// <summary>StartAsync returns once the transport's subscriptions are live (IMessageTransport.WhenSubscribedAsync).</summary>
public sealed class RuntimeStartTests
{
    [Fact]
    public async Task StartAsync_returns_only_once_the_transport_says_its_subscriptions_are_live()
    {
        await using var transport = new BackgroundSubscribingTransport(new InMemoryTransport());

        var start = FlowRuntime.StartAsync([OrderFlow.Definition], new FlowRuntimeOptions { Transport = transport });
        await transport.Asked.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.False(start.IsCompleted);
        transport.GoLive();
        await using var runtime = await start;
        await new OrderClient(runtime).SendAsync(new OrderPlaced("o-1", 5));
        await runtime.WhenIdleAsync();
        Assert.Equal(OrderPhase.Placed, (await new OrderClient(runtime).GetAsync("o-1"))!.Phase);
    }

    [Fact]
    public void On_the_in_memory_transport_a_flow_that_fans_out_to_a_flow_not_run_is_refused_with_both_ids()
    {
        var error = Assert.Throws<ArgumentException>(() => new FlowRuntime([FanBatchFlow.Definition]));

        Assert.Equal("flows", error.ParamName);
        Assert.StartsWith("Flow 'fanout-batch' fans out to flow 'fanout-item' (group 'all'), which this runtime does not run", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_another_transport_a_flow_that_fans_out_to_a_flow_not_run_here_starts_and_says_so_once_per_group()
    {
        // Another host may run the child flow; this one warns at start, once per group.
        var logs = new Microsoft.Extensions.Logging.Testing.FakeLogCollector();
        using var loggers = new Microsoft.Extensions.Logging.LoggerFactory([new Microsoft.Extensions.Logging.Testing.FakeLoggerProvider(logs)]);
        await using var transport = new BackgroundSubscribingTransport(new InMemoryTransport());
        transport.GoLive();

        await using var runtime = await FlowRuntime.StartAsync([FanBatchFlow.Definition], new FlowRuntimeOptions { Transport = transport, LoggerFactory = loggers });

        var warnings = logs.GetSnapshot().Where(r => r.Message.Contains("fans out to flow", StringComparison.Ordinal)).ToList();
        Assert.Equal(FanBatchFlow.Definition.FanOuts.Count, warnings.Count);
        Assert.All(warnings, w => Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, w.Level));
        Assert.Contains(warnings, w => w.Message == "Flow fanout-batch fans out to flow fanout-item (group timed), which this host does not run: its children start only if another host runs flow fanout-item, and the group waits for them until its timeout (or forever without one)");
    }

    [Fact]
    public async Task A_flow_that_fans_out_to_a_flow_run_by_the_same_runtime_starts_without_a_warning()
    {
        var logs = new Microsoft.Extensions.Logging.Testing.FakeLogCollector();
        using var loggers = new Microsoft.Extensions.Logging.LoggerFactory([new Microsoft.Extensions.Logging.Testing.FakeLoggerProvider(logs)]);

        await using var runtime = await FlowRuntime.StartAsync([FanBatchFlow.Definition, FanItemFlow.Definition], new FlowRuntimeOptions { LoggerFactory = loggers });

        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Message.Contains("fans out to flow", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_transport_whose_subscriptions_are_live_at_once_keeps_the_default_which_completes_at_once()
    {
        await using var transport = new InMemoryTransport();

        var subscribed = ((IMessageTransport)transport).WhenSubscribedAsync();

        Assert.True(subscribed.IsCompletedSuccessfully);
        await subscribed;
    }

    /// <summary>Subscriptions that become live only when the test says so, as a broker's would after some round trips.</summary>
    private sealed class BackgroundSubscribingTransport(InMemoryTransport inner) : IMessageTransport, IIdleSignal
    {
        private readonly TaskCompletionSource _asked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _live = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when someone awaits <see cref="WhenSubscribedAsync"/>.</summary>
        public Task Asked => _asked.Task;

        public long PendingMessages => inner.PendingMessages;

        public long Activity => inner.Activity;

        public void GoLive() => _live.TrySetResult();

        public async ValueTask WhenSubscribedAsync(CancellationToken cancellationToken = default)
        {
            _asked.TrySetResult();
            await _live.Task.WaitAsync(cancellationToken);
        }

        public ValueTask PublishAsync(string subject, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default)
            => inner.PublishAsync(subject, payload, headers, cancellationToken);

        public IObservable<TransportMessage> Subscribe(string pattern, SubscribeOptions? options = null) => inner.Subscribe(pattern, options);

        public Task WhenIdleAsync(CancellationToken cancellationToken = default) => inner.WhenIdleAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
