using System.Collections.Concurrent;
using System.Reactive.Linq;
using FlowSdk.State;
using FlowSdk.Transport;

namespace FlowSdk.Tests;

public sealed class InMemoryInfrastructureTests
{
    [Fact]
    public async Task The_store_creates_once_and_updates_only_from_the_revision_read()
    {
        await using var store = new InMemoryStateStore();

        var created = await store.TryCreateAsync("f.a", new byte[] { 1 });
        var again = await store.TryCreateAsync("f.a", new byte[] { 2 });
        var stale = await store.TryUpdateAsync("f.a", new byte[] { 3 }, created.Revision + 5);
        var updated = await store.TryUpdateAsync("f.a", new byte[] { 4 }, created.Revision);
        var missing = await store.TryUpdateAsync("f.b", new byte[] { 5 }, 1);

        Assert.True(created.Succeeded);
        Assert.Equal(new StateWriteResult(false, created.Revision), again);
        Assert.Equal(new StateWriteResult(false, created.Revision), stale);
        Assert.True(updated.Succeeded);
        Assert.True(updated.Revision > created.Revision);
        Assert.Equal(new StateWriteResult(false, 0), missing);
        var entry = await store.GetAsync("f.a");
        Assert.Equal(new byte[] { 4 }, entry!.Value.ToArray());
        Assert.Equal(updated.Revision, entry.Revision);
    }

    [Fact]
    public async Task The_store_copies_values_in_and_out()
    {
        await using var store = new InMemoryStateStore();
        var value = new byte[] { 1, 2 };
        await store.TryCreateAsync("f.a", value);
        value[0] = 9;

        var read = (await store.GetAsync("f.a"))!.Value.ToArray();
        read[1] = 9;

        Assert.Equal(new byte[] { 1, 2 }, (await store.GetAsync("f.a"))!.Value.ToArray());
    }

    /// <summary>
    /// A write of a key whose value fits its buffer overwrites the buffer instead of allocating a new
    /// array (which, with many live keys, would be promoted by the garbage collector before it dies).
    /// </summary>
    [Fact]
    public async Task An_update_that_fits_the_keys_buffer_allocates_no_copy_of_the_value()
    {
        await using var store = new InMemoryStateStore();
        var first = new byte[1_000];
        var second = new byte[1_000];
        second.AsSpan().Fill(7);
        var revision = (await store.TryCreateAsync("f.a", first)).Revision;
        revision = (await store.TryUpdateAsync("f.a", first, revision)).Revision;

        var before = GC.GetAllocatedBytesForCurrentThread();
        var updated = await store.TryUpdateAsync("f.a", second, revision);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(updated.Succeeded);
        Assert.True(allocated < second.Length, $"the update allocated {allocated} bytes");
        Assert.Equal(second, (await store.GetAsync("f.a"))!.Value.ToArray());
    }

    /// <summary>
    /// Values that shrink a little, shrink a lot or grow read back exactly, and what a reader or a
    /// watcher got is not changed by the later writes that overwrite the key's buffer, even when they
    /// come before the watcher is handed the earlier revisions.
    /// </summary>
    [Fact]
    public async Task Overwritten_buffers_change_neither_what_was_read_nor_what_watchers_are_handed()
    {
        await using var store = new InMemoryStateStore();
        var delivered = new ConcurrentQueue<StateEntry>();
        var release = new ManualResetEventSlim();
        using var subscription = store.Watch("f.").Subscribe(entry =>
        {
            // Holds the first delivery until every write is done, so later writes overwrite the buffer first.
            release.Wait(TimeSpan.FromSeconds(10));
            delivered.Enqueue(entry);
        });
        byte[] Value(int length, byte fill) => Enumerable.Repeat(fill, length).ToArray();
        var values = new[] { Value(100, 1), Value(100, 2), Value(60, 3), Value(10, 4), Value(200, 5), Value(150, 6) };
        var revision = (await store.TryCreateAsync("f.a", values[0])).Revision;
        var read = (await store.GetAsync("f.a"))!;
        foreach (var value in values.Skip(1))
        {
            revision = (await store.TryUpdateAsync("f.a", value, revision)).Revision;
            Assert.Equal(value, (await store.GetAsync("f.a"))!.Value.ToArray());
        }

        release.Set();
        await store.WhenIdleAsync();

        Assert.Equal(values[0], read.Value.ToArray());
        Assert.Equal(values, delivered.Select(e => e.Value.ToArray()));
        Assert.Equal(revision, delivered.Last().Revision);
    }

    [Fact]
    public async Task The_transport_delivers_by_pattern_and_splits_queue_groups()
    {
        await using var transport = new InMemoryTransport();
        var all = new ConcurrentQueue<string>();
        var group = new ConcurrentQueue<string>();
        using var s1 = transport.Subscribe("orders.>").Subscribe(m => all.Enqueue(m.Subject));
        using var s2 = transport.Subscribe("orders.*", new SubscribeOptions { QueueGroup = "workers" }).Subscribe(m => group.Enqueue("a:" + m.Subject));
        using var s3 = transport.Subscribe("orders.*", new SubscribeOptions { QueueGroup = "workers" }).Subscribe(m => group.Enqueue("b:" + m.Subject));

        await transport.PublishAsync("orders.placed", new byte[] { 1 });
        await transport.PublishAsync("orders.paid", new byte[] { 2 });
        await transport.PublishAsync("orders.paid.late", new byte[] { 3 });
        await transport.PublishAsync("invoices.sent", new byte[] { 4 });
        await transport.WhenIdleAsync();

        Assert.Equal(["orders.placed", "orders.paid", "orders.paid.late"], all);
        Assert.Equal(2, group.Count);
        Assert.Single(group, g => g.StartsWith("a:", StringComparison.Ordinal));
        Assert.Single(group, g => g.StartsWith("b:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_transport_is_idle_only_once_manually_acknowledged_messages_are_acknowledged()
    {
        await using var transport = new InMemoryTransport();
        var received = new TaskCompletionSource<TransportMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var s = transport.Subscribe("jobs", new SubscribeOptions { ManualAck = true }).Subscribe(m => received.TrySetResult(m));

        await transport.PublishAsync("jobs", new byte[] { 1 });
        var message = await received.Task;
        var idle = transport.WhenIdleAsync();

        Assert.False(idle.IsCompleted);
        Assert.Equal(1, transport.PendingMessages);
        await message.AckAsync();
        await idle;
        Assert.Equal(0, transport.PendingMessages);
    }

    [Fact]
    public async Task The_transport_drops_a_message_id_seen_within_the_duplicate_window_as_jetstream_does()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var transport = new InMemoryTransport(time);
        var received = new ConcurrentQueue<byte>();
        using var s = transport.Subscribe("jobs").Subscribe(m => received.Enqueue(m.Payload.Span[0]));
        var id = new Dictionary<string, string> { [MessageHeaders.MessageId] = "job-1" };

        await transport.PublishAsync("jobs", new byte[] { 1 }, id);
        await transport.PublishAsync("jobs", new byte[] { 2 }, id);
        await transport.PublishAsync("jobs", new byte[] { 3 });
        time.Advance(transport.DuplicateWindow);
        await transport.PublishAsync("jobs", new byte[] { 4 }, id);
        await transport.WhenIdleAsync();

        Assert.Equal(new byte[] { 1, 3, 4 }, received);
    }

    [Fact]
    public async Task A_message_given_back_is_delivered_again_up_to_max_deliver_then_becomes_a_dead_letter()
    {
        await using var transport = new InMemoryTransport { MaxDeliver = 3 };
        var deliveries = new ConcurrentQueue<int>();
        var deadLetters = new ConcurrentQueue<TransportMessage>();
        using var dead = transport.Subscribe("flowsdk.deadletter.>").Subscribe(deadLetters.Enqueue);
        using var s = transport.Subscribe("jobs", new SubscribeOptions { ManualAck = true }).Subscribe(m =>
        {
            deliveries.Enqueue(m.DeliveryCount);
            m.NakAsync("the printer is out of paper").AsTask().GetAwaiter().GetResult();
        });

        await transport.PublishAsync("jobs", new byte[] { 7 });
        await transport.WhenIdleAsync();

        Assert.Equal([1, 2, 3], deliveries);
        var letter = Assert.Single(deadLetters);
        Assert.Equal("flowsdk.deadletter.jobs", letter.Subject);
        Assert.Equal(new byte[] { 7 }, letter.Payload.ToArray());
        Assert.Equal("the printer is out of paper", letter.Headers[InMemoryTransport.DeadLetterReasonHeader]);
        Assert.Equal("jobs", letter.Headers[InMemoryTransport.DeadLetterSubjectHeader]);
        Assert.Equal("3", letter.Headers[InMemoryTransport.DeadLetterDeliveriesHeader]);
    }

    [Fact]
    public async Task A_rejected_message_goes_straight_to_the_dead_letter_subject()
    {
        await using var transport = new InMemoryTransport();
        var deliveries = 0;
        var deadLetters = new ConcurrentQueue<string>();
        using var dead = transport.Subscribe("flowsdk.deadletter.>").Subscribe(m => deadLetters.Enqueue(m.Headers[InMemoryTransport.DeadLetterReasonHeader]));
        using var s = transport.Subscribe("jobs", new SubscribeOptions { ManualAck = true }).Subscribe(m =>
        {
            Interlocked.Increment(ref deliveries);
            m.RejectAsync("not a job").AsTask().GetAwaiter().GetResult();
        });

        await transport.PublishAsync("jobs", new byte[] { 1 });
        await transport.WhenIdleAsync();

        Assert.Equal(1, deliveries);
        Assert.Equal(["not a job"], deadLetters);
    }

    [Fact]
    public async Task The_transport_rejects_a_publish_to_a_wildcard_subject()
    {
        await using var transport = new InMemoryTransport();

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await transport.PublishAsync("orders.*", new byte[] { 1 }));

        Assert.Contains("only a subscription may use", error.Message);
    }

    [Fact]
    public async Task A_runtime_refuses_two_flows_with_one_id()
    {
        var error = Assert.Throws<ArgumentException>(() => new FlowRuntime([FlowSdk.Semantics.Flows.OrderFlow.Definition, FlowSdk.Semantics.Flows.OrderFlow.Definition]));
        Assert.Contains("'order'", error.Message);
        await Task.CompletedTask;
    }
}
