using System.Collections.Concurrent;
using System.Reactive.Linq;
using FlowSdk.State;
using FlowSdk.Semantics.Flows;
using FlowSdk.Transport;
using Microsoft.Extensions.Time.Testing;

namespace FlowSdk.Sqlite.Tests;

/// <summary>What the file keeps across a restart, and what two databases open on one file see of each other.</summary>
public sealed class DurabilityTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private SqliteFlowDatabase Open(Action<SqliteFlowOptions>? configure = null)
    {
        var options = SqliteInfrastructureFactory.Options(_folder.File());
        configure?.Invoke(options);
        return SqliteFlowDatabase.Open(options);
    }

    [Fact]
    public async Task State_and_revisions_survive_a_reopen_and_compare_and_set_holds_across_it()
    {
        ulong revision;
        await using (var first = Open())
        {
            var created = await first.Store.TryCreateAsync("order.o-1", new byte[] { 1 });
            Assert.True(created.Succeeded);
            Assert.Equal(new StateWriteResult(false, created.Revision), await first.Store.TryCreateAsync("order.o-1", new byte[] { 9 }));
            revision = (await first.Store.TryUpdateAsync("order.o-1", new byte[] { 2 }, created.Revision)).Revision;
            Assert.True(revision > created.Revision);
        }

        await using var second = Open();
        var entry = await second.Store.GetAsync("order.o-1");
        Assert.Equal(new byte[] { 2 }, entry!.Value.ToArray());
        Assert.Equal(revision, entry.Revision);
        Assert.Equal(new StateWriteResult(false, revision), await second.Store.TryUpdateAsync("order.o-1", new byte[] { 3 }, revision - 1));
        var next = await second.Store.TryUpdateAsync("order.o-1", new byte[] { 3 }, revision);
        Assert.True(next.Succeeded);
        Assert.True(next.Revision > revision);
        Assert.Equal(["order.o-1"], await second.Store.ListKeysAsync("order.").ToListAsync());
        Assert.Empty(await second.Store.ListKeysAsync("orders").ToListAsync());
    }

    [Fact]
    public async Task A_watch_sees_writes_another_process_commits_to_the_file_in_revision_order()
    {
        await using var watcher = Open();
        await using var writer = Open();
        var seen = new ConcurrentQueue<StateEntry>();
        using var watch = watcher.Store.Watch("order.").Subscribe(seen.Enqueue);

        var a = await writer.Store.TryCreateAsync("order.a", new byte[] { 1 });
        await writer.Store.TryCreateAsync("ticket.x", new byte[] { 1 });
        var b = await writer.Store.TryCreateAsync("order.b", new byte[] { 2 });

        await WaitUntilAsync(() => seen.Count >= 2);
        Assert.Equal([("order.a", a.Revision), ("order.b", b.Revision)], seen.Select(e => (e.Key, e.Revision)));
    }

    [Fact]
    public async Task A_message_sent_before_the_flow_runs_is_kept_and_handled_when_it_starts()
    {
        // What 'send' does from another terminal before any host ran on the file.
        await using (var sender = Open())
        {
            sender.Transport.CaptureFlows([OrderFlow.Definition]);
            await sender.Transport.PublishAsync(OrderFlow.Ports.OrderPlaced.Subject, OrderFlow.Ports.OrderPlaced.Serialize(new OrderPlaced("o-1", 10)));
            Assert.Equal(1, sender.Transport.CountQueued("flowsdk.order"));
        }

        await using var database = Open();
        await using var runtime = await FlowRuntime.StartAsync([OrderFlow.Definition], new FlowRuntimeOptions().UseSqlite(database));
        var orders = new OrderClient(runtime);
        await WaitUntilAsync(async () => (await orders.GetAsync("o-1"))?.Phase == OrderPhase.Placed);
        await runtime.WhenIdleAsync();
        Assert.Equal(0, database.Transport.CountQueued("flowsdk.order"));
    }

    [Fact]
    public async Task A_message_delivered_but_not_acknowledged_before_a_crash_is_delivered_again_after_it()
    {
        var first = Open();
        var got = new TaskCompletionSource<TransportMessage>();
        using (first.Transport.Subscribe("test.orders.>", new SubscribeOptions { QueueGroup = "flowsdk.order", ManualAck = true }).Subscribe(m => got.TrySetResult(m)))
        {
            await first.Transport.PublishAsync("test.orders.placed", new byte[] { 7 });
            Assert.Equal(1, (await got.Task.WaitAsync(TimeSpan.FromSeconds(10))).DeliveryCount);
        }

        // Closed without acknowledging, as a killed process would leave it.
        await first.DisposeAsync();

        await using var second = Open();
        var again = new TaskCompletionSource<TransportMessage>();
        using var subscription = second.Transport.Subscribe("test.orders.>", new SubscribeOptions { QueueGroup = "flowsdk.order", ManualAck = true }).Subscribe(m => again.TrySetResult(m));
        var message = await again.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new byte[] { 7 }, message.Payload.ToArray());
        await message.AckAsync();
        await second.Transport.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, second.Transport.CountQueued("flowsdk.order"));
    }

    [Fact]
    public async Task A_message_id_is_remembered_in_the_file_so_a_replay_after_a_restart_is_dropped()
    {
        var headers = new Dictionary<string, string> { ["Nats-Msg-Id"] = "order.o-1.1.1" };
        await using (var first = Open())
        {
            first.Transport.Capture("flowsdk.order", ["test.orders.>"]);
            await first.Transport.PublishAsync("test.orders.placed", new byte[] { 1 }, headers);
            await first.Transport.PublishAsync("test.orders.placed", new byte[] { 1 }, headers);
            Assert.Equal(1, first.Transport.CountQueued("flowsdk.order"));
        }

        await using var second = Open();
        await second.Transport.PublishAsync("test.orders.placed", new byte[] { 1 }, headers);
        await second.Transport.PublishAsync("test.orders.placed", new byte[] { 2 }, new Dictionary<string, string> { ["Nats-Msg-Id"] = "order.o-1.2.1" });
        Assert.Equal(2, second.Transport.CountQueued("flowsdk.order"));
    }

    [Fact]
    public async Task A_message_that_keeps_failing_ends_in_the_dead_letter_table_with_the_reason()
    {
        await using var database = Open(o => o.MaxDeliver = 3);
        var deliveries = new ConcurrentQueue<int>();
        var published = new ConcurrentQueue<TransportMessage>();
        using var deadLetters = database.Transport.Subscribe("flowsdk.deadletter.>").Subscribe(published.Enqueue);
        using var subscription = database.Transport.Subscribe("test.orders.paid", new SubscribeOptions { QueueGroup = "flowsdk.order", ManualAck = true })
            .Subscribe(m =>
            {
                deliveries.Enqueue(m.DeliveryCount);
                _ = m.NakAsync("the payment service is down").AsTask();
            });

        await database.Transport.PublishAsync("test.orders.paid", new byte[] { 4, 2 });
        await database.Transport.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([1, 2, 3], deliveries);
        var letter = Assert.Single(database.ReadDeadLetters());
        Assert.Equal(("flowsdk.order", "test.orders.paid", "the payment service is down", 3), (letter.Consumer, letter.Subject, letter.Reason, letter.Deliveries));
        Assert.Equal(new byte[] { 4, 2 }, letter.Payload.ToArray());
        var message = Assert.Single(published);
        Assert.Equal("flowsdk.deadletter.test.orders.paid", message.Subject);
        Assert.Equal("the payment service is down", message.Headers["FlowSdk-DeadLetter-Reason"]);
        Assert.Equal(0, database.Transport.CountQueued("flowsdk.order"));
    }

    [Fact]
    public async Task Rows_no_subscription_takes_do_not_hide_the_rows_behind_them()
    {
        await using var database = Open(o => o.MaxAckPending = 10);

        // The consumer once took test.old.> too (a flow that had another input): 300 rows wait for it.
        database.Transport.Capture("flowsdk.order", ["test.old.>", "test.orders.>"]);
        for (var i = 0; i < 300; i++)
        {
            await database.Transport.PublishAsync("test.old.thing", new byte[] { 1 });
        }

        await database.Transport.PublishAsync("test.orders.placed", new byte[] { 2 });
        var got = new TaskCompletionSource<TransportMessage>();
        using var subscription = database.Transport.Subscribe("test.orders.>", new SubscribeOptions { QueueGroup = "flowsdk.order", ManualAck = true }).Subscribe(m => got.TrySetResult(m));

        var message = await got.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("test.orders.placed", message.Subject);
        await message.AckAsync();
        Assert.Equal(300, database.Transport.CountQueued("flowsdk.order"));
    }

    [Fact]
    public async Task A_rejected_message_goes_to_the_dead_letter_table_at_once()
    {
        await using var database = Open();
        using var subscription = database.Transport.Subscribe("test.orders.paid", new SubscribeOptions { QueueGroup = "flowsdk.order", ManualAck = true })
            .Subscribe(m => _ = m.RejectAsync("not MessagePack").AsTask());

        await database.Transport.PublishAsync("test.orders.paid", new byte[] { 0xc1 });
        await database.Transport.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));

        var letter = Assert.Single(database.ReadDeadLetters());
        Assert.Equal(("not MessagePack", 1), (letter.Reason, letter.Deliveries));
    }

    [Fact]
    public async Task A_message_acknowledged_before_its_publish_returns_does_not_stay_pending()
    {
        // The consumer loop may deliver a row, and the subscriber acknowledge it, between the
        // publish's commit and the publish returning (a publishing thread descheduled under load).
        // The publish holds here until that has happened: the transport must still come to idle.
        await using var database = Open();
        var acknowledged = new ManualResetEventSlim();
        using var subscription = database.Transport.Subscribe("test.orders.paid", new SubscribeOptions { QueueGroup = "flowsdk.order", ManualAck = true })
            .Subscribe(m =>
            {
                m.AckAsync().AsTask().GetAwaiter().GetResult();
                acknowledged.Set();
            });
        var held = false;
        database.Transport.PublishCommitted = _ => held = acknowledged.Wait(TimeSpan.FromSeconds(10));

        await database.Transport.PublishAsync("test.orders.paid", new byte[] { 1 });

        Assert.True(held, "the consumer did not acknowledge the row while the publish was held after its commit");
        await database.Transport.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, database.Transport.PendingMessages);
    }

    [Fact]
    public async Task One_process_at_a_time_holds_the_runner_lease_and_an_expired_one_can_be_taken()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = Open(o => { o.TimeProvider = time; o.LeaseDuration = TimeSpan.FromSeconds(15); });
        await using var b = Open(o => { o.TimeProvider = time; o.LeaseDuration = TimeSpan.FromSeconds(15); });

        var lease = a.TryAcquireRunnerLease("host a");
        Assert.NotNull(lease);
        Assert.Null(b.TryAcquireRunnerLease("host b"));
        Assert.Equal("host a", b.RunnerLeaseHolder()!.Holder);

        // Renewed while held: still a's after three lease durations.
        for (var i = 0; i < 9; i++)
        {
            time.Advance(TimeSpan.FromSeconds(5));
        }

        Assert.Null(b.TryAcquireRunnerLease("host b"));
        await lease!.DisposeAsync();
        Assert.Null(b.RunnerLeaseHolder());
        var taken = b.TryAcquireRunnerLease("host b");
        Assert.NotNull(taken);

        // A holder that died stops renewing; once expired, another may take the lease.
        await using var c = Open(o => { o.TimeProvider = new FakeTimeProvider(time.GetUtcNow() + TimeSpan.FromSeconds(16)); });
        Assert.NotNull(c.TryAcquireRunnerLease("host c"));
    }

    [Fact]
    public async Task A_lease_whose_holder_process_on_this_machine_is_gone_is_taken_at_once()
    {
        await using var database = Open();
        using var finished = System.Diagnostics.Process.Start("true")!;
        await finished.WaitForExitAsync();
        using (var raw = DatabaseFileTests.Raw(database.Path))
        {
            var expires = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeMilliseconds();
            DatabaseFileTests.Execute(raw, $"INSERT INTO leases (name, owner, holder, machine, pid, expires_at) VALUES ('runner', 'x', 'a killed host', '{Environment.MachineName}', {finished.Id}, {expires})");
            DatabaseFileTests.Execute(raw, $"INSERT INTO leases (name, owner, holder, machine, pid, expires_at) VALUES ('other', 'y', 'a live host', '{Environment.MachineName}', {Environment.ProcessId}, {expires})");
        }

        Assert.Equal("a killed host", database.RunnerLeaseHolder()!.Holder);
        await using var lease = database.TryAcquireRunnerLease("the restarted host");

        Assert.NotNull(lease);
        Assert.Equal("the restarted host", database.RunnerLeaseHolder()!.Holder);
    }

    [Fact]
    public async Task A_deadline_fires_after_the_file_is_reopened_by_a_new_process()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero));
        await using (var first = Open())
        {
            await using var runtime = await FlowRuntime.StartAsync([TicketFlow.Definition], new FlowRuntimeOptions { TimeProvider = time }.UseSqlite(first));
            await runtime.PublishAsync(TicketFlow.Ports.TicketOpened, new TicketOpened("t-1", Priority: 2));
            await WaitUntilAsync(async () => (await runtime.GetAsync(TicketFlow.Definition, "t-1"))?.Status == ExecutionStatus.Waiting);
            await runtime.WhenIdleAsync();
        }

        time.Advance(TimeSpan.FromHours(2));
        await using var second = Open();
        await using var restarted = await FlowRuntime.StartAsync([TicketFlow.Definition], new FlowRuntimeOptions { TimeProvider = time }.UseSqlite(second));
        await restarted.WhenIdleAsync();
        var ticket = await restarted.GetAsync(TicketFlow.Definition, "t-1");
        Assert.Equal(ExecutionStatus.TimedOut, ticket!.Status);
        Assert.Equal(("Timeout", TriggerKind.Timer), (ticket.Timeline[^1].Rule, ticket.Timeline[^1].Trigger));
    }

    internal static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (!await condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
