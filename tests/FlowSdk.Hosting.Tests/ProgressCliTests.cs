using System.Text.Json;

namespace FlowSdk.Hosting.Tests;

/// <summary><c>progress</c> on the command line: the store's counters per flow and status, as a table, as JSON, and watched.</summary>
public sealed class ProgressCliTests : IDisposable
{
    private static readonly FlowDefinition[] Flows = [OrdersSample.OrderFlow.Definition];

    private readonly string _folder = Directory.CreateTempSubdirectory("flowsdk-progress-cli-").FullName;

    private string Database => Path.Combine(_folder, "orders.db");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Progress_prints_the_counters_of_the_file_as_a_table_and_as_json()
    {
        Assert.Equal((0, $"No executions in {Database}: the file does not exist yet (run or send creates it; --db names another).\n", ""), await RunAsync("progress"));

        foreach (var id in new[] { "p-1", "p-2", "p-3" })
        {
            Assert.Equal(0, (await RunAsync("send", "orders.placed", $$"""{"OrderId": "{{id}}", "Total": 10}""")).Code);
        }

        await RunAsync("pause", "p-2");
        await RunAsync("cancel", "p-3");

        var table = await RunAsync("progress");
        Assert.Equal(0, table.Code);
        var lines = table.Output.Split('\n');
        Assert.Matches(@"^FLOW\s+RUNNING\s+WAITING\s+PAUSED\s+WAITINGFORAPPROVAL\s+COMPLETED\s+FAILED\s+CANCELLED\s+ESCALATED\s+TIMEDOUT\s+TOTAL$", lines[0]);
        Assert.Matches(@"^order\s+1\s+0\s+1\s+0\s+0\s+0\s+1\s+0\s+0\s+3$", lines[1]);
        Assert.StartsWith("As of ", lines[2], StringComparison.Ordinal);

        var json = await RunAsync("progress", "--json", "--flow", "order");
        Assert.Equal(0, json.Code);
        using var document = JsonDocument.Parse(json.Output);
        var order = Assert.Single(document.RootElement.GetProperty("flows").EnumerateArray());
        Assert.Equal("order", order.GetProperty("flow").GetString());
        Assert.Equal(3, order.GetProperty("total").GetInt64());
        var counts = order.GetProperty("counts");
        Assert.Equal((1, 1, 1, 0), (counts.GetProperty("Running").GetInt64(), counts.GetProperty("Paused").GetInt64(), counts.GetProperty("Cancelled").GetInt64(), counts.GetProperty("Completed").GetInt64()));
        Assert.Equal(9, counts.EnumerateObject().Count());

        // Counters that are off are repaired by --recount, which counts the executions in the file.
        using (var raw = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Database};Pooling=False"))
        {
            raw.Open();
            using var command = raw.CreateCommand();
            command.CommandText = $"UPDATE progress SET count = 42 WHERE flow = 'order' AND status = {(int)ExecutionStatus.Paused}";
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        Assert.Matches(@"(?m)^order\s+1\s+0\s+42\s", (await RunAsync("progress")).Output);
        var recounted = await RunAsync("progress", "--recount");
        Assert.Equal(0, recounted.Code);
        Assert.Matches(@"(?m)^order\s+1\s+0\s+1\s+0\s+0\s+0\s+1\s+0\s+0\s+3$", recounted.Output);
        Assert.Matches(@"(?m)^order\s+1\s+0\s+1\s", (await RunAsync("progress")).Output);
    }

    [Fact]
    public async Task Progress_watch_reads_again_until_its_count_and_bad_options_say_what_is_wrong()
    {
        await RunAsync("send", "orders.placed", """{"OrderId": "w-1", "Total": 10}""");

        var watched = await RunAsync("progress", "--watch", "0.05", "--count", "3");
        Assert.Equal(0, watched.Code);
        Assert.Equal(3, watched.Output.Split('\n').Count(l => l.StartsWith("FLOW", StringComparison.Ordinal)));
        Assert.Equal(3, watched.Output.Split('\n').Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^order\s+1\s")));

        var lines = (await RunAsync("progress", "--json", "--watch", "0.05", "--count", "2")).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.Equal(1, JsonDocument.Parse(l).RootElement.GetProperty("flows")[0].GetProperty("counts").GetProperty("Running").GetInt64()));

        var both = await RunAsync("progress", "--recount", "--watch");
        Assert.Equal(FlowCli.UsageError, both.Code);
        Assert.Contains("--recount counts once; it does not go with --watch.", both.Error, StringComparison.Ordinal);

        var noWatch = await RunAsync("progress", "--count", "2");
        Assert.Equal(FlowCli.UsageError, noWatch.Code);
        Assert.Contains("--count goes with --watch", noWatch.Error, StringComparison.Ordinal);

        var zero = await RunAsync("progress", "--watch", "0");
        Assert.Equal(FlowCli.UsageError, zero.Code);
        Assert.Contains("--watch takes a number of seconds greater than 0, not 0.", zero.Error, StringComparison.Ordinal);

        var unknown = await RunAsync("progress", "--flow", "nope");
        Assert.Equal(FlowCli.UsageError, unknown.Code);
        Assert.Contains("No flow 'nope'. The flows are: order.", unknown.Error, StringComparison.Ordinal);

        // A recount that meets a value that is not an order says so, and exits with 1.
        using (var raw = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Database};Pooling=False"))
        {
            raw.Open();
            using var command = raw.CreateCommand();
            command.CommandText = "INSERT INTO state (key, value, revision) VALUES ('order.broken', x'c100', 1000000)";
            command.ExecuteNonQuery();
        }

        var broken = await RunAsync("progress", "--recount");
        Assert.Equal(FlowCli.Failed, broken.Code);
        Assert.Contains("error: A stored execution of flow 'order' (2 bytes) is not a state of this flow", broken.Error, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await FlowCli.RunAsync(args, Flows, new FlowCliEnvironment { Out = output, Error = error, LiveStatus = false, DatabasePath = Database });
        return (code, output.ToString(), error.ToString());
    }
}
