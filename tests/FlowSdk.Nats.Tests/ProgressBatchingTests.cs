using FlowSdk.Nats.Tests.Infrastructure;
using FlowSdk.State;

namespace FlowSdk.Nats.Tests;

/// <summary>
/// Concurrent writes of one store move a flow's counter key together: the status changes committed
/// while a move is on its way are written by the next one, so the store never conflicts with itself
/// on the key, and every write still returns only once the key counts its change.
/// </summary>
public sealed class ProgressBatchingTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>
{
    [Fact]
    public async Task Concurrent_creations_of_one_store_move_the_counter_key_in_batches_without_conflicts()
    {
        const int count = 200;
        await using var connection = await Connections.OpenAsync(server.Url);
        await using var store = new NatsStateStore(connection, NatsInfrastructureFactory.Options(server.Url));
        await store.InitializeAsync();
        await store.InitializeProgressAsync("batched", "batched.", _ => ExecutionStatus.Running);

        var writes = await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            var created = await store.TryCreateAsync($"batched.e{i}", new byte[] { 1 }, new StatusChange("batched", null, ExecutionStatus.Running));

            // Returned only after the counter key counts this creation.
            var counted = (await store.ReadProgressAsync("batched"))![ExecutionStatus.Running];
            return (created.Succeeded, counted);
        }));

        Assert.All(writes, w => Assert.True(w.Succeeded));
        Assert.All(writes, w => Assert.True(w.counted >= 1));
        Assert.Equal(count, (await store.ReadProgressAsync("batched"))![ExecutionStatus.Running]);
        Assert.Equal(0, store.ProgressConflicts);
        Assert.InRange(store.ProgressWrites, 1, count - 1);
    }

    [Fact]
    public async Task A_move_of_the_counter_key_starts_from_the_value_the_store_wrote_last_and_reads_again_after_another_writer()
    {
        await using var connection = await Connections.OpenAsync(server.Url);
        var options = NatsInfrastructureFactory.Options(server.Url);
        await using var store = new NatsStateStore(connection, options);
        await using var other = new NatsStateStore(connection, options);
        await store.InitializeAsync();
        await store.InitializeProgressAsync("kept", "kept.", _ => ExecutionStatus.Running);

        // One after another: each creation is a move of its own.
        for (var i = 0; i < 10; i++)
        {
            Assert.True((await store.TryCreateAsync($"kept.e{i}", new byte[] { 1 }, new StatusChange("kept", null, ExecutionStatus.Running))).Succeeded);
        }

        Assert.Equal(10, store.ProgressWrites);
        Assert.Equal(1, store.ProgressReads);

        // Another host (a store of its own on the same bucket) moves the key: the next move of the first conflicts once, reads, and counts on.
        Assert.True((await other.TryCreateAsync("kept.x", new byte[] { 1 }, new StatusChange("kept", null, ExecutionStatus.Running))).Succeeded);
        Assert.True((await store.TryCreateAsync("kept.e10", new byte[] { 1 }, new StatusChange("kept", null, ExecutionStatus.Running))).Succeeded);

        Assert.Equal(2, store.ProgressReads);
        Assert.Equal(1, store.ProgressConflicts);
        Assert.Equal(12, (await store.ReadProgressAsync("kept"))![ExecutionStatus.Running]);
    }

    [Fact]
    public async Task Changes_of_different_flows_move_their_own_keys()
    {
        await using var connection = await Connections.OpenAsync(server.Url);
        await using var store = new NatsStateStore(connection, NatsInfrastructureFactory.Options(server.Url));
        await store.InitializeAsync();
        await store.InitializeProgressAsync("one", "one.", _ => ExecutionStatus.Running);
        await store.InitializeProgressAsync("two", "two.", _ => ExecutionStatus.Running);

        var created = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => i % 3 == 0
            ? store.TryCreateAsync($"two.e{i}", new byte[] { 1 }, new StatusChange("two", null, ExecutionStatus.Running)).AsTask()
            : store.TryCreateAsync($"one.e{i}", new byte[] { 1 }, new StatusChange("one", null, ExecutionStatus.Running)).AsTask()));
        var completed = await store.TryUpdateAsync("one.e1", new byte[] { 2 }, created[1].Revision, new StatusChange("one", ExecutionStatus.Running, ExecutionStatus.Completed));

        Assert.True(completed.Succeeded);
        var one = (await store.ReadProgressAsync("one"))!;
        var two = (await store.ReadProgressAsync("two"))!;
        Assert.Equal(19, one[ExecutionStatus.Running]);
        Assert.Equal(1, one[ExecutionStatus.Completed]);
        Assert.Equal(10, two[ExecutionStatus.Running]);
        Assert.Equal(0, two[ExecutionStatus.Completed]);
    }
}
