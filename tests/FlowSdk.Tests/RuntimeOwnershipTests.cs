using FlowSdk.State;
using FlowSdk.Semantics.Flows;
using FlowSdk.Transport;

namespace FlowSdk.Tests;

/// <summary>What disposing a runtime disposes: what it created, and what it was given only when told to.</summary>
public sealed class RuntimeOwnershipTests
{
    [Fact]
    public async Task By_default_a_transport_and_store_the_runtime_was_given_stay_open_after_it_is_disposed()
    {
        await using var transport = new CountingTransport(new InMemoryTransport());
        await using var store = new CountingStore(new InMemoryStateStore());
        var options = new FlowRuntimeOptions { Transport = transport, StateStore = store };
        Assert.False(options.DisposeSuppliedTransportAndStore);

        var runtime = await FlowRuntime.StartAsync([OrderFlow.Definition], options);
        await runtime.DisposeAsync();

        Assert.Equal(0, transport.Disposals);
        Assert.Equal(0, store.Disposals);

        // Still usable by whoever created them, for example the next runtime.
        Assert.False(await IsDisposedAsync(transport));
        Assert.True((await store.TryCreateAsync("order.o-2", new byte[] { 1 })).Succeeded);
    }

    [Fact]
    public async Task With_DisposeSuppliedTransportAndStore_the_runtime_disposes_what_it_was_given_once()
    {
        var transport = new CountingTransport(new InMemoryTransport());
        var store = new CountingStore(new InMemoryStateStore());

        var runtime = await FlowRuntime.StartAsync(
            [OrderFlow.Definition],
            new FlowRuntimeOptions { Transport = transport, StateStore = store, DisposeSuppliedTransportAndStore = true });
        await runtime.DisposeAsync();
        await runtime.DisposeAsync();

        Assert.Equal(1, transport.Disposals);
        Assert.Equal(1, store.Disposals);
        Assert.True(await IsDisposedAsync(transport));
    }

    [Fact]
    public async Task The_in_memory_transport_and_store_the_runtime_creates_are_disposed_with_it()
    {
        var runtime = await FlowRuntime.StartAsync([OrderFlow.Definition], new FlowRuntimeOptions());
        var transport = runtime.Transport;

        await runtime.DisposeAsync();

        Assert.True(await IsDisposedAsync(transport));
    }

    [Fact]
    public async Task Only_the_one_it_created_is_disposed_when_the_runtime_was_given_the_other()
    {
        await using var store = new CountingStore(new InMemoryStateStore());

        var runtime = await FlowRuntime.StartAsync([OrderFlow.Definition], new FlowRuntimeOptions { StateStore = store });
        var transport = runtime.Transport;
        await runtime.DisposeAsync();

        Assert.Equal(0, store.Disposals);
        Assert.True(await IsDisposedAsync(transport));
    }

    /// <summary>The in-memory transport refuses a message for a subscriber once it is disposed.</summary>
    private static async Task<bool> IsDisposedAsync(IMessageTransport transport)
    {
        using var subscription = transport.Subscribe("test.ownership.probe").Subscribe(_ => { });
        try
        {
            await transport.PublishAsync("test.ownership.probe", new byte[] { 1 });
            return false;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }

    private sealed class CountingTransport(IMessageTransport inner) : IMessageTransport
    {
        private int _disposals;

        public int Disposals => Volatile.Read(ref _disposals);

        public ValueTask PublishAsync(string subject, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default)
            => inner.PublishAsync(subject, payload, headers, cancellationToken);

        public IObservable<TransportMessage> Subscribe(string pattern, SubscribeOptions? options = null) => inner.Subscribe(pattern, options);

        public ValueTask DisposeAsync()
        {
            Interlocked.Increment(ref _disposals);
            return inner.DisposeAsync();
        }
    }

    private sealed class CountingStore(IStateStore inner) : IStateStore
    {
        private int _disposals;

        public int Disposals => Volatile.Read(ref _disposals);

        public ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) => inner.TryCreateAsync(key, value, cancellationToken);

        public ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, CancellationToken cancellationToken = default)
            => inner.TryUpdateAsync(key, value, expectedRevision, cancellationToken);

        public IAsyncEnumerable<string> ListKeysAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListKeysAsync(prefix, cancellationToken);

        public IObservable<StateEntry> Watch(string prefix) => inner.Watch(prefix);

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public ValueTask DisposeAsync()
        {
            Interlocked.Increment(ref _disposals);
            return inner.DisposeAsync();
        }
    }
}
