using System.Collections.Concurrent;
using FlowSdk.Nats.Tests.Infrastructure;
using FlowSdk.State;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace FlowSdk.Nats.Tests;

public sealed class NatsStateStoreTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>, IAsyncLifetime
{
    private NatsConnection _connection = null!;
    private NatsStateStore _store = null!;
    private NatsFlowOptions _options = null!;

    public async Task InitializeAsync()
    {
        _connection = await Connections.OpenAsync(server.Url);
        _options = NatsInfrastructureFactory.Options(server.Url);
        _store = new NatsStateStore(_connection, _options);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _connection.DisposeAsync();
    }

    [Fact]
    public async Task The_bucket_is_created_when_missing_with_history_one()
    {
        await _store.InitializeAsync();

        var status = await new NatsKVContext(new NatsJSContext(_connection)).GetStoreAsync(_options.StateBucket);
        var info = await status.GetStatusAsync();
        Assert.Equal(1, info.Info.Config.MaxMsgsPerSubject);
        Assert.Equal(_options.StateBucket, _store.Bucket);
    }

    [Fact]
    public async Task Create_succeeds_once_and_updates_succeed_only_from_the_revision_read()
    {
        var created = await _store.TryCreateAsync("f.a", new byte[] { 1 });
        var again = await _store.TryCreateAsync("f.a", new byte[] { 2 });
        var stale = await _store.TryUpdateAsync("f.a", new byte[] { 3 }, created.Revision + 5);
        var updated = await _store.TryUpdateAsync("f.a", new byte[] { 4 }, created.Revision);
        var replayed = await _store.TryUpdateAsync("f.a", new byte[] { 5 }, created.Revision);
        var missing = await _store.TryUpdateAsync("f.b", new byte[] { 6 }, 1);

        Assert.True(created.Succeeded);
        Assert.Equal(new StateWriteResult(false, created.Revision), again);
        Assert.Equal(new StateWriteResult(false, created.Revision), stale);
        Assert.True(updated.Succeeded);
        Assert.True(updated.Revision > created.Revision);
        Assert.Equal(new StateWriteResult(false, updated.Revision), replayed);
        Assert.Equal(new StateWriteResult(false, 0), missing);
        var entry = await _store.GetAsync("f.a");
        Assert.Equal(new byte[] { 4 }, entry!.Value.ToArray());
        Assert.Equal(updated.Revision, entry.Revision);
    }

    [Fact]
    public async Task Code_after_a_store_call_never_runs_on_the_connection_reading_loop()
    {
        // After each call, block the thread it resumed on until another call on the same connection
        // gets its reply. On the connection's reading loop that reply could never be read.
        var others = 0;
        void BlockUntilAnotherReply(string after)
        {
            var other = Task.Run(async () => await _store.GetAsync("hop.other" + Interlocked.Increment(ref others)));
            Assert.True(other.Wait(TimeSpan.FromSeconds(10)), $"Code after {after} ran where it blocked the connection's replies.");
        }

        // ConfigureAwait(false) on purpose: each check must run where the store's call resumed, not on
        // the test framework's context.
#pragma warning disable xUnit1030
        var created = await _store.TryCreateAsync("hop.a", new byte[] { 1 }).ConfigureAwait(false);
        BlockUntilAnotherReply("a create");
        var notCreated = await _store.TryCreateAsync("hop.a", new byte[] { 1 }).ConfigureAwait(false);
        BlockUntilAnotherReply("a create that conflicted");
        var updated = await _store.TryUpdateAsync("hop.a", new byte[] { 2 }, created.Revision).ConfigureAwait(false);
        BlockUntilAnotherReply("an update");
        var read = await _store.GetAsync("hop.a").ConfigureAwait(false);
        BlockUntilAnotherReply("a read");
        var counted = await _store.TryUpdateAsync("hop.a", new byte[] { 3 }, updated.Revision, new StatusChange("hop", ExecutionStatus.Running, ExecutionStatus.Completed)).ConfigureAwait(false);
        BlockUntilAnotherReply("an update that moves the counters");
        var deleted = await _store.DeleteAsync("hop.a", counted.Revision, new StatusChange("hop", ExecutionStatus.Completed, null)).ConfigureAwait(false);
        BlockUntilAnotherReply("a delete");
#pragma warning restore xUnit1030

        Assert.True(created.Succeeded && !notCreated.Succeeded && updated.Succeeded && counted.Succeeded && deleted);
        Assert.Equal(new byte[] { 2 }, read!.Value.ToArray());
    }

    [Fact]
    public async Task A_deleted_key_reads_as_missing_and_can_be_created_again()
    {
        await _store.TryCreateAsync("f.a", new byte[] { 1 });

        Assert.True(await _store.DeleteAsync("f.a"));
        Assert.False(await _store.DeleteAsync("f.a"));
        Assert.Null(await _store.GetAsync("f.a"));
        Assert.Equal(new StateWriteResult(false, 0), await _store.TryUpdateAsync("f.a", new byte[] { 2 }, 1));
        var recreated = await _store.TryCreateAsync("f.a", new byte[] { 3 });

        Assert.True(recreated.Succeeded);
        Assert.Equal(new byte[] { 3 }, (await _store.GetAsync("f.a"))!.Value.ToArray());
    }

    [Fact]
    public async Task Keys_are_listed_by_prefix_without_deleted_ones()
    {
        foreach (var key in (string[])["order.o-1", "order.o-2", "order.o-3", "orders.x", "ticket.t-1"])
        {
            await _store.TryCreateAsync(key, new byte[] { 1 });
        }

        await _store.DeleteAsync("order.o-2");

        Assert.Equal(["order.o-1", "order.o-3"], (await ToListAsync(_store.ListKeysAsync("order."))).Order());
        Assert.Equal(["order.o-1", "order.o-3", "orders.x"], (await ToListAsync(_store.ListKeysAsync("order"))).Order());
        Assert.Equal(5 - 1, (await ToListAsync(_store.ListKeysAsync(""))).Count);
        Assert.Empty(await ToListAsync(_store.ListKeysAsync("nothing.")));
    }

    [Fact]
    public async Task A_watch_delivers_the_writes_after_it_starts_in_revision_order_and_no_deletes()
    {
        await _store.TryCreateAsync("order.before", new byte[] { 0 });
        var seen = new ConcurrentQueue<StateEntry>();
        using var watch = _store.Watch("order.").Subscribe(seen.Enqueue);

        var first = await _store.TryCreateAsync("order.o-1", new byte[] { 1 });
        var other = await _store.TryCreateAsync("ticket.t-1", new byte[] { 9 });
        var second = await _store.TryCreateAsync("order.o-2", new byte[] { 2 });
        await _store.DeleteAsync("order.before");
        var third = await _store.TryUpdateAsync("order.o-1", new byte[] { 3 }, first.Revision);
        await _store.WhenIdleAsync(Timeout());

        Assert.Equal(
            [("order.o-1", first.Revision, (byte)1), ("order.o-2", second.Revision, (byte)2), ("order.o-1", third.Revision, (byte)3)],
            seen.Select(e => (e.Key, e.Revision, e.Value.Span[0])));
        Assert.True(other.Succeeded);
        Assert.Equal(0, _store.PendingMessages);
    }

    [Fact]
    public async Task A_watch_always_delivers_the_latest_revision_of_a_key_written_in_quick_succession()
    {
        // The bucket keeps one revision per key (StateHistory 1): a revision replaced before the
        // watch received it may be skipped, the latest never is.
        var seen = new ConcurrentQueue<StateEntry>();
        using var watch = _store.Watch("order.").Subscribe(seen.Enqueue);

        var revision = (await _store.TryCreateAsync("order.o-1", new byte[] { 0 })).Revision;
        for (byte i = 1; i <= 20; i++)
        {
            revision = (await _store.TryUpdateAsync("order.o-1", new byte[] { i }, revision)).Revision;
        }

        await _store.WhenIdleAsync(Timeout());

        var last = seen.Last();
        Assert.Equal((revision, (byte)20), (last.Revision, last.Value.Span[0]));
        Assert.Equal(seen.Select(e => e.Revision).Order(), seen.Select(e => e.Revision));
    }

    [Fact]
    public async Task With_more_history_a_watch_delivers_every_revision_of_a_key()
    {
        var options = NatsInfrastructureFactory.Options(server.Url);
        options.StateHistory = 32;
        await using var store = new NatsStateStore(_connection, options);
        var seen = new ConcurrentQueue<StateEntry>();
        using var watch = store.Watch("order.").Subscribe(seen.Enqueue);

        var revision = (await store.TryCreateAsync("order.o-1", new byte[] { 0 })).Revision;
        for (byte i = 1; i <= 20; i++)
        {
            revision = (await store.TryUpdateAsync("order.o-1", new byte[] { i }, revision)).Revision;
        }

        await store.WhenIdleAsync(Timeout());

        Assert.Equal(Enumerable.Range(0, 21).Select(i => (byte)i), seen.Select(e => e.Value.Span[0]));
    }

    [Fact]
    public async Task Concurrent_writers_with_compare_and_set_lose_no_increment()
    {
        const int writers = 6;
        const int increments = 20;
        await _store.TryCreateAsync("counter.c", BitConverter.GetBytes(0));

        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < increments; i++)
            {
                while (true)
                {
                    var entry = (await _store.GetAsync("counter.c"))!;
                    var next = BitConverter.ToInt32(entry.Value.Span) + 1;
                    if ((await _store.TryUpdateAsync("counter.c", BitConverter.GetBytes(next), entry.Revision)).Succeeded)
                    {
                        break;
                    }
                }
            }
        })));

        Assert.Equal(writers * increments, BitConverter.ToInt32((await _store.GetAsync("counter.c"))!.Value.Span));
    }

    [Fact]
    public async Task Values_are_copied_in_and_out()
    {
        var value = new byte[] { 1, 2 };
        await _store.TryCreateAsync("f.a", value);
        value[0] = 9;

        var read = (await _store.GetAsync("f.a"))!.Value.ToArray();
        read[1] = 9;

        Assert.Equal(new byte[] { 1, 2 }, (await _store.GetAsync("f.a"))!.Value.ToArray());
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;

    private static async Task<List<string>> ToListAsync(IAsyncEnumerable<string> source)
    {
        var list = new List<string>();
        await foreach (var item in source)
        {
            list.Add(item);
        }

        return list;
    }
}
