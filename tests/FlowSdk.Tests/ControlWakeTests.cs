using System.Reactive.Linq;
using FlowSdk.Semantics.Flows;
using FlowSdk.State;
using FlowSdk.Testing;
using FlowSdk.Transport;

namespace FlowSdk.Tests;

/// <summary>
/// An operator's control wakes the host through a watch that runs beside the execution's lane. The
/// wake must not read a cached state that the lane's work in flight puts back after the wake dropped it.
/// </summary>
public sealed class ControlWakeTests
{
    [Fact]
    public async Task A_resume_that_lands_while_the_parking_write_returns_still_releases_the_kept_message()
    {
        var store = new AfterWriteStore(new InMemoryStateStore());
        await using var host = await FlowTestHost.StartAsync([OrderFlow.Definition], o => o.StateStore = store);
        var orders = new OrderClient(host.Runtime);
        await orders.SendAsync(new OrderPlaced("r-1", 10));
        await host.SettleAsync();
        await host.Runtime.PauseAsync(OrderFlow.Definition, "r-1", by: "alice");
        await host.SettleAsync();

        // The payment is parked (the execution is paused). Between the parking write and its return to
        // the lane, the operator resumes and the wake reaches the host: the lane then caches the parked,
        // paused revision it wrote, which is older than the resumed one.
        store.AfterNextUpdateOf("order.r-1", async () =>
        {
            await host.Runtime.ResumeAsync(OrderFlow.Definition, "r-1", by: "bob");
            await store.WakeSeen.WaitAsync(TimeSpan.FromSeconds(10));
        });
        await orders.SendAsync(new OrderPaid("r-1", 10));
        await host.SettleAsync();

        var order = await host.GetAsync(OrderFlow.Definition, "r-1");
        Assert.Equal(OrderPhase.Paid, order.Phase);
        Assert.Equal(ExecutionStatus.Running, order.Execution().Status);
        Assert.Empty(order.Execution().Parked);
        Assert.Equal("normal;pay;", order.Path);
    }

    /// <summary>
    /// Runs a hook after one update has been written and before the writer learns it; reports when a
    /// control's wake, written after the hook was armed, was delivered to the watchers. Its pending
    /// watch deliveries count for the test host's settle, as the store it wraps reports them.
    /// </summary>
    private sealed class AfterWriteStore(InMemoryStateStore inner) : IStateStore, IIdleSignal
    {
        private TaskCompletionSource _wakeSeen = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private (string Key, Func<Task> Hook)? _after;

        public Task WakeSeen => Volatile.Read(ref _wakeSeen).Task;

        public long PendingMessages => inner.PendingMessages;

        public long Activity => inner.Activity;

        public Task WhenIdleAsync(CancellationToken cancellationToken = default) => inner.WhenIdleAsync(cancellationToken);

        public void AfterNextUpdateOf(string key, Func<Task> hook)
        {
            Volatile.Write(ref _wakeSeen, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            _after = (key, hook);
        }

        public ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) => inner.TryCreateAsync(key, value, cancellationToken);

        public async ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, CancellationToken cancellationToken = default)
        {
            var result = await inner.TryUpdateAsync(key, value, expectedRevision, cancellationToken);
            if (result.Succeeded && _after is { } after && after.Key == key)
            {
                _after = null;
                await after.Hook();
            }

            return result;
        }

        public IAsyncEnumerable<string> ListKeysAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListKeysAsync(prefix, cancellationToken);

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        /// <summary>The runtime's watchers see each entry first; a control's wake is reported once they have.</summary>
        public IObservable<StateEntry> Watch(string prefix) => Observable.Create<StateEntry>(observer => inner.Watch(prefix).Subscribe(
            entry =>
            {
                observer.OnNext(entry);
                if (entry.Key.StartsWith("_control.", StringComparison.Ordinal))
                {
                    Volatile.Read(ref _wakeSeen).TrySetResult();
                }
            },
            observer.OnError,
            observer.OnCompleted));

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
