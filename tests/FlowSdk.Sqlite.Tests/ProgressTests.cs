using FlowSdk.Semantics.Flows;
using static FlowSdk.Sqlite.Tests.DatabaseFileTests;

namespace FlowSdk.Sqlite.Tests;

/// <summary>Progress counters in the file: kept across a reopen, and computed once for a file from before they existed.</summary>
public sealed class ProgressTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Counters_survive_closing_and_reopening_the_file()
    {
        var path = _folder.File("flows.db");
        await using (var database = SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = path }))
        {
            await RunOrdersAsync(database);
        }

        await using var reopened = SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = path });
        var progress = await FlowProgress.ReadAsync(reopened.Store, OrderFlow.Definition);
        Assert.Equal((2L, 1L, 1L, 4L), (progress[ExecutionStatus.Running], progress[ExecutionStatus.Completed], progress[ExecutionStatus.Cancelled], progress.Total));
    }

    [Fact]
    public async Task A_file_from_schema_version_1_gets_its_counters_computed_once_from_the_state_rows()
    {
        var path = _folder.File("old.db");
        await using (var database = SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = path }))
        {
            await RunOrdersAsync(database);
        }

        // What version 1 of the schema had: no progress tables.
        using (var raw = Raw(path))
        {
            Execute(raw, "DROP TABLE progress");
            Execute(raw, "DROP TABLE progress_flows");
            Execute(raw, "PRAGMA user_version = 1");
        }

        await using var migrated = SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = path });
        using (var raw = Raw(path))
        {
            Assert.Equal(2L, Scalar(raw, "PRAGMA user_version"));
            Assert.Equal(0L, Scalar(raw, "SELECT count(*) FROM progress"));
        }

        await using var runtime = await FlowRuntime.StartAsync([OrderFlow.Definition], new FlowRuntimeOptions().UseSqlite(migrated));
        var orders = new OrderClient(runtime);
        var progress = await orders.GetProgressAsync();
        Assert.Equal((2L, 1L, 1L, 4L), (progress[ExecutionStatus.Running], progress[ExecutionStatus.Completed], progress[ExecutionStatus.Cancelled], progress.Total));

        // Counted once: from then on the writes move them.
        await orders.SendAsync(new OrderPaid("r-1", 10));
        await orders.SendAsync(new OrderShipped("r-1"));
        await runtime.WhenIdleAsync();
        progress = await orders.GetProgressAsync();
        Assert.Equal((1L, 2L, 4L), (progress[ExecutionStatus.Running], progress[ExecutionStatus.Completed], progress.Total));
        using (var raw = Raw(path))
        {
            Assert.Equal(1L, Scalar(raw, "SELECT count(*) FROM progress_flows WHERE flow = 'order'"));
        }
    }

    [Fact]
    public async Task A_recount_replaces_counters_that_are_off_with_what_the_state_rows_say()
    {
        var path = _folder.File("recount.db");
        await using var database = SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = path });
        await RunOrdersAsync(database);
        using (var raw = Raw(path))
        {
            Execute(raw, $"UPDATE progress SET count = 99 WHERE flow = 'order' AND status = {(int)ExecutionStatus.Running}");
        }

        Assert.Equal(99, (await FlowProgress.ReadAsync(database.Store, OrderFlow.Definition))[ExecutionStatus.Running]);
        var recounted = await FlowProgress.RecountAsync(database.Store, OrderFlow.Definition);
        Assert.Equal((2L, 1L, 1L, 4L), (recounted[ExecutionStatus.Running], recounted[ExecutionStatus.Completed], recounted[ExecutionStatus.Cancelled], recounted.Total));
        Assert.Equal(2, (await FlowProgress.ReadAsync(database.Store, OrderFlow.Definition))[ExecutionStatus.Running]);
    }

    /// <summary>Four orders: two Running, one Completed, one Cancelled.</summary>
    private static async Task RunOrdersAsync(SqliteFlowDatabase database)
    {
        await using var runtime = await FlowRuntime.StartAsync([OrderFlow.Definition], new FlowRuntimeOptions().UseSqlite(database));
        var orders = new OrderClient(runtime);
        foreach (var id in new[] { "r-1", "r-2", "done", "gone" })
        {
            await orders.SendAsync(new OrderPlaced(id, 10));
        }

        await orders.SendAsync(new OrderPaid("done", 10));
        await orders.SendAsync(new OrderShipped("done"));
        await runtime.WhenIdleAsync();
        await orders.CancelAsync("gone");
    }
}
