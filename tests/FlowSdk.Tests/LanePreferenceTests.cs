using FlowSdk.State;
using FlowSdk.Transport;

namespace FlowSdk.Tests;

/// <summary>How many lanes a runtime runs each flow with: FlowRuntimeOptions.Lanes when set, else what the transport or store prefers (ILanePreference).</summary>
public sealed class LanePreferenceTests
{
    [Fact]
    public async Task Without_a_preference_the_options_default_of_twice_the_processors_is_used()
    {
        await using var transport = new InMemoryTransport();
        await using var store = new InMemoryStateStore();

        Assert.Equal(Environment.ProcessorCount * 2, FlowRuntime.LanesFor(new FlowRuntimeOptions(), transport, store));
    }

    [Fact]
    public async Task The_larger_preference_of_the_transport_and_the_store_is_used_when_the_options_leave_lanes_unset()
    {
        await using var transport = new InMemoryTransport();
        await using var store = new PreferringStore(new InMemoryStateStore(), 48);

        Assert.Equal(48, FlowRuntime.LanesFor(new FlowRuntimeOptions(), transport, store));
    }

    [Fact]
    public async Task Lanes_set_in_the_options_win_over_a_preference()
    {
        await using var transport = new InMemoryTransport();
        await using var store = new PreferringStore(new InMemoryStateStore(), 48);

        Assert.Equal(3, FlowRuntime.LanesFor(new FlowRuntimeOptions { Lanes = 3 }, transport, store));
    }

    [Fact]
    public async Task A_preference_below_one_is_ignored()
    {
        await using var transport = new InMemoryTransport();
        await using var store = new PreferringStore(new InMemoryStateStore(), 0);

        Assert.Equal(Environment.ProcessorCount * 2, FlowRuntime.LanesFor(new FlowRuntimeOptions(), transport, store));
    }

    private sealed class PreferringStore(IStateStore inner, int lanes) : IStateStore, ILanePreference
    {
        public int PreferredLanes => lanes;

        public ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) => inner.TryCreateAsync(key, value, cancellationToken);

        public ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, CancellationToken cancellationToken = default)
            => inner.TryUpdateAsync(key, value, expectedRevision, cancellationToken);

        public IAsyncEnumerable<string> ListKeysAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListKeysAsync(prefix, cancellationToken);

        public IObservable<StateEntry> Watch(string prefix) => inner.Watch(prefix);

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
