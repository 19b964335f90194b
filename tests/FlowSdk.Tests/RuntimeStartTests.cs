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
