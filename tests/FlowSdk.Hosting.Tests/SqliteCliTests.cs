using FlowSdk.Sqlite;
using PlanReviewSample;

namespace FlowSdk.Hosting.Tests;

/// <summary>The command line on its default store, a SQLite file: commands see each other's executions through it.</summary>
public sealed class SqliteCliTests : IDisposable
{
    private static readonly FlowDefinition[] PlanFlows = [PlanReviewFlow.Definition, ReviewDeskFlow.Definition];

    private readonly string _database = FlowCliTests.FreshDatabase();

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path.GetDirectoryName(_database)!, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task What_send_did_is_kept_in_the_file_for_executions_and_inspect()
    {
        var sent = await RunAsync("send", "plans.submitted", """{"planId": "plan-9", "title": "Ship", "content": "## Risks\nnone\n## Rollback\nundo"}""");
        Assert.Equal(FlowCli.Success, sent.Code);
        Assert.Contains("plan-review/plan-9: Completed in phase Approved, iteration 1", sent.Output);

        var listed = await RunAsync("executions");
        Assert.Equal(FlowCli.Success, listed.Code);
        Assert.Contains("plan-9", listed.Output);
        Assert.Contains("2 execution(s).", listed.Output);

        var inspected = await RunAsync("inspect", "plan-9", "--flow", "plan-review");
        Assert.Equal(FlowCli.Success, inspected.Code);
        Assert.Contains("Approve: InReview -> Approved", inspected.Output);

        // A second send prints only what it did, not the executions of the first.
        var second = await RunAsync("send", "plans.submitted", """{"planId": "plan-10", "title": "Ship", "content": "## Risks\nnone\n## Rollback\nundo"}""");
        Assert.Contains("plan-review/plan-10", second.Output);
        Assert.DoesNotContain("plan-9", second.Output);
        Assert.Contains("4 execution(s).", (await RunAsync("executions")).Output);
    }

    [Fact]
    public async Task While_a_host_runs_the_flows_send_queues_the_message_and_run_refuses_to_start_a_second_one()
    {
        await using (var database = SqliteFlowDatabase.Open(new SqliteFlowOptions { Path = _database }))
        {
            await using var lease = database.TryAcquireRunnerLease("the test's host");
            Assert.NotNull(lease);

            var sent = await RunAsync("send", "plans.submitted", """{"planId": "plan-q", "title": "t", "content": "c"}""");
            Assert.Equal(FlowCli.Success, sent.Code);
            Assert.Contains($"queued in {_database} for the host that runs the flows there (the test's host)", sent.Output);
            Assert.Equal(1, database.Transport.CountQueued("flowsdk.plan-review"));

            var run = await RunAsync("run");
            Assert.Equal(FlowCli.Failed, run.Code);
            Assert.Contains($"Another process runs the flows on {_database} (the test's host", run.Error);
            Assert.Contains("give this one a file of its own (--db <path>)", run.Error);
        }

        // Once the lease is released, the next command that runs the flows handles the queued message too.
        var next = await RunAsync("send", "plans.submitted", """{"planId": "plan-r", "title": "t", "content": "c"}""");
        Assert.Contains("plan-review/plan-q", next.Output);
        Assert.Contains("plan-review/plan-r", next.Output);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_an_error_and_stays_as_it_was()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_database)!);
        await File.WriteAllTextAsync(_database, string.Concat(Enumerable.Repeat("meeting notes ", 500)));

        var (code, _, error) = await RunAsync("executions");

        Assert.Equal(FlowCli.Failed, code);
        Assert.Contains($"'{_database}' is not a FlowSdk database", error);
        Assert.StartsWith("meeting notes", await File.ReadAllTextAsync(_database));
    }

    [Theory]
    [InlineData("--in-memory", "--db", "x.db")]
    [InlineData("--db", "x.db", "--nats", "nats://127.0.0.1:4222")]
    public async Task Conflicting_store_options_are_a_usage_error(params string[] options)
    {
        var (code, _, error) = await RunAsync(["send", "plans.submitted", """{"PlanId": "p"}""", .. options]);

        Assert.Equal(FlowCli.UsageError, code);
        Assert.Contains("cannot be combined", error);
    }

    [Fact]
    public async Task The_database_path_comes_from_db_before_the_default()
    {
        var other = Path.Combine(Path.GetDirectoryName(_database)!, "other.db");
        await RunAsync("send", "plans.submitted", """{"planId": "plan-o", "title": "t", "content": "c"}""", "--db", other);

        Assert.True(File.Exists(other));
        Assert.False(File.Exists(_database));
        Assert.Contains("plan-o", (await RunAsync("executions", "--db", other)).Output);
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await FlowCli.RunAsync(args, PlanFlows, new FlowCliEnvironment { Out = output, Error = error, LiveStatus = false, DatabasePath = _database });
        return (code, output.ToString(), error.ToString());
    }
}
