using FlowSdk.State;

namespace FlowSdk.Tests;

/// <summary>The counting logic and its edge cases: text form, unreadable executions, a store that reads slowly.</summary>
[Collection(ProgressMetricsTests.Collection)]
public sealed class ProgressTests
{
    [Fact]
    public void Counts_move_by_status_changes_and_read_back_from_their_text()
    {
        var counts = new ProgressCounts();
        counts.Apply(new StatusChange("f", null, ExecutionStatus.Running));
        counts.Apply(new StatusChange("f", null, ExecutionStatus.Running));
        counts.Apply(new StatusChange("f", ExecutionStatus.Running, ExecutionStatus.Waiting));
        counts.Apply(new StatusChange("f", ExecutionStatus.Waiting, ExecutionStatus.Waiting));
        counts.Apply(new StatusChange("f", ExecutionStatus.Running, ExecutionStatus.Completed));
        counts.Apply(new StatusChange("f", ExecutionStatus.Completed, null));

        Assert.Equal("Running=0,Waiting=1,Paused=0,WaitingForApproval=0,Completed=0,Failed=0,Cancelled=0,Escalated=0,TimedOut=0", counts.ToString());
        Assert.Equal(1, counts.Total);
        Assert.Equal(counts.ToString(), ProgressCounts.Parse(counts.ToString(), "test").ToString());

        var error = Assert.Throws<FormatException>(() => ProgressCounts.Parse("Running=1,Sleeping=2", "key '_progress.f'"));
        Assert.Equal("The progress counters in key '_progress.f' are not Status=count pairs separated by commas: 'Sleeping=2' in 'Running=1,Sleeping=2'.", error.Message);
    }

    [Fact]
    public async Task An_unreadable_execution_does_not_stop_the_runtime_and_reading_progress_names_the_flow()
    {
        var store = new InMemoryStateStore();
        await store.TryCreateAsync("meter-probe.broken", new byte[] { 0xc1, 0x00 });
        await using var runtime = await FlowRuntime.StartAsync([ProbeFlow.Definition], new FlowRuntimeOptions { StateStore = store });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => runtime.GetProgressAsync(ProbeFlow.Definition));
        Assert.Contains("A stored execution of flow 'meter-probe' (2 bytes) is not a state of this flow", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_recount_counts_an_execution_written_past_the_counters()
    {
        var store = new InMemoryStateStore();
        await using var runtime = await FlowRuntime.StartAsync([ProbeFlow.Definition], new FlowRuntimeOptions { StateStore = store });
        await runtime.PublishAsync(ProbeFlow.Ports.ProbeStarted, new ProbeStarted("r-1", Ask: false));
        await runtime.WhenIdleAsync();

        // A write without its status change, as a tool writing the store directly would make.
        var copy = (await store.GetAsync("meter-probe.r-1"))!;
        Assert.True((await store.TryCreateAsync("meter-probe.r-2", copy.Value)).Succeeded);
        Assert.Equal(1, (await runtime.GetProgressAsync(ProbeFlow.Definition))[ExecutionStatus.Running]);

        var recounted = await FlowProgress.RecountAsync(store, ProbeFlow.Definition);
        Assert.Equal((2L, 2L), (recounted[ExecutionStatus.Running], recounted.Total));
        Assert.Equal(2, (await runtime.GetProgressAsync(ProbeFlow.Definition))[ExecutionStatus.Running]);
    }

    [Fact]
    public async Task A_store_without_counters_says_so()
    {
        await using var runtime = await FlowRuntime.StartAsync([ProbeFlow.Definition], new FlowRuntimeOptions { StateStore = new PlainStore(new InMemoryStateStore()) });
        var error = await Assert.ThrowsAsync<NotSupportedException>(() => runtime.GetProgressAsync(ProbeFlow.Definition));
        Assert.Equal("The state store PlainStore keeps no progress counters for flow 'meter-probe'; the in-memory, SQLite and NATS stores do.", error.Message);
    }

    [Fact]
    public async Task A_gauge_collection_never_waits_on_the_store_and_the_next_one_reports_what_the_slow_read_found()
    {
        var inner = new InMemoryStateStore();
        var slow = new SlowProgressStore(inner);
        await using (var runtime = await FlowRuntime.StartAsync([ProbeFlow.Definition], new FlowRuntimeOptions { StateStore = slow }))
        {
            await runtime.PublishAsync(ProbeFlow.Ports.ProbeStarted, new ProbeStarted("s-1", Ask: false));
            await runtime.WhenIdleAsync();

            // The read is under way and has not completed: this collection has nothing to report yet, and returns.
            Assert.Empty(ProgressMetricsTests.ObserveGauge());
            Assert.Equal(1, slow.Reads);

            // Meanwhile collections do not start a second read.
            Assert.Empty(ProgressMetricsTests.ObserveGauge());
            Assert.Equal(1, slow.Reads);

            // The release completes the read on this thread, and the gauge keeps its result as it completes.
            var read = slow.WhenReadAsync();
            slow.Release();
            await read;

            // A collection from then on reports it.
            var measured = ProgressMetricsTests.ObserveGauge();

            Assert.Equal(1, measured["Running"]);
            Assert.Equal(9, measured.Count);
        }
    }

    /// <summary>An in-memory store whose progress reads complete only once the test releases them.</summary>
    private sealed class SlowProgressStore(InMemoryStateStore inner) : IStateStore
    {
        // Continuations run on the releasing thread: the read, and the gauge's keeping of its result, complete inside Release().
        private readonly TaskCompletionSource _released = new();
        private TaskCompletionSource _read = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public void Release() => _released.TrySetResult();

        /// <summary>Completes when the next progress read completes.</summary>
        public Task WhenReadAsync() => Volatile.Read(ref _read).Task.WaitAsync(TimeSpan.FromSeconds(10));

        public async ValueTask<ProgressCounts?> ReadProgressAsync(string flow, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _reads);
            await _released.Task.ConfigureAwait(false);
            var counts = await inner.ReadProgressAsync(flow, cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _read, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return counts;
        }

        public ValueTask InitializeProgressAsync(string flow, string keyPrefix, Func<ReadOnlyMemory<byte>, ExecutionStatus> statusOf, CancellationToken cancellationToken = default)
            => inner.InitializeProgressAsync(flow, keyPrefix, statusOf, cancellationToken);

        public ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, StatusChange change, CancellationToken cancellationToken = default) => inner.TryCreateAsync(key, value, change, cancellationToken);

        public ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, StatusChange change, CancellationToken cancellationToken = default) => inner.TryUpdateAsync(key, value, expectedRevision, change, cancellationToken);

        public ValueTask<bool> DeleteAsync(string key, ulong expectedRevision, StatusChange change, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, expectedRevision, change, cancellationToken);

        public ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) => inner.TryCreateAsync(key, value, cancellationToken);

        public ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, CancellationToken cancellationToken = default) => inner.TryUpdateAsync(key, value, expectedRevision, cancellationToken);

        public IAsyncEnumerable<string> ListKeysAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListKeysAsync(prefix, cancellationToken);

        public IObservable<StateEntry> Watch(string prefix) => inner.Watch(prefix);

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    /// <summary>A store that implements only the required members, as a custom store would.</summary>
    private sealed class PlainStore(IStateStore inner) : IStateStore
    {
        public ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public ValueTask<StateWriteResult> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) => inner.TryCreateAsync(key, value, cancellationToken);

        public ValueTask<StateWriteResult> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, CancellationToken cancellationToken = default) => inner.TryUpdateAsync(key, value, expectedRevision, cancellationToken);

        public IAsyncEnumerable<string> ListKeysAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListKeysAsync(prefix, cancellationToken);

        public IObservable<StateEntry> Watch(string prefix) => inner.Watch(prefix);

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
