using System.Text.Json;
using FlowSdk.Hosting.Tests.Infrastructure;

namespace FlowSdk.Hosting.Tests;

/// <summary>
/// <c>approvals</c> and <c>approve [--reject]</c> on the command line (samples/Approvals: FlowCli over the
/// expense flow): in process on a database file, and from another process against two host processes on
/// NATS. A decision is a write of the execution's state; a host of the flow applies it.
/// </summary>
public sealed class ApprovalCliTests() : CliOnDatabaseFile([ApprovalsSample.ExpenseFlow.Definition], "flowsdk-approval-cli-", "expenses.db")
{
    [Fact]
    public async Task Approvals_lists_what_waits_and_approve_decides_it_on_the_file_with_clear_errors()
    {
        Assert.Equal(0, (await RunAsync("send", "expenses.submitted", """{"ExpenseId": "e-1", "Employee": "ann", "Amount": 400}""")).Code);
        Assert.Equal(0, (await RunAsync("send", "expenses.submitted", """{"ExpenseId": "e-2", "Employee": "bob", "Amount": 900}""")).Code);
        Assert.Contains("status:    WaitingForApproval - Rule 'Pay' waits for approval (request e-1.approval.1)", (await RunAsync("inspect", "e-1")).Output);

        var table = await RunAsync("approvals");
        Assert.Equal(0, table.Code);
        Assert.Matches(@"(?m)^EXECUTION\s+RULE\s+REQUEST\s+REQUESTED AT\s+EXPIRES AT$", table.Output);
        Assert.Matches(@"(?m)^expense/e-1\s+Pay\s+e-1\.approval\.1\s+\S+\s+\S+$", table.Output);
        Assert.Matches(@"(?m)^expense/e-2\s+Pay\s+e-2\.approval\.1\s+", table.Output);

        var json = await RunAsync("approvals", "--flow", "expense", "--rule", "Pay", "--json");
        using (var document = JsonDocument.Parse(json.Output))
        {
            var first = document.RootElement.GetProperty("approvals")[0];
            Assert.Equal(("expense", "e-1", "Pay", "e-1.approval.1"), (first.GetProperty("flow").GetString(), first.GetProperty("execution").GetString(), first.GetProperty("rule").GetString(), first.GetProperty("request").GetString()));
            Assert.Equal(first.GetProperty("requestedAt").GetDateTimeOffset() + TimeSpan.FromDays(2), first.GetProperty("expiresAt").GetDateTimeOffset());
            Assert.Equal(2, document.RootElement.GetProperty("approvals").GetArrayLength());
        }

        var wrongRule = await RunAsync("approvals", "--rule", "Refuse");
        Assert.Equal(FlowCli.UsageError, wrongRule.Code);
        Assert.Contains("No rule 'Refuse' that requires approval in flow(s) expense; those that do: expense.PaySmall, expense.Pay.", wrongRule.Error);

        var approved = await RunAsync("approve", "e-1", "--by", "alice", "--reason", "receipt checked");
        Assert.Equal((0, "expense/e-1: WaitingForApproval -> WaitingForApproval (Approve)\n", ""), approved);
        var rejected = await RunAsync("approve", "e-2", "--reject", "--by", "bob", "--reason", "no receipt");
        Assert.Equal((0, "expense/e-2: WaitingForApproval -> WaitingForApproval (Reject)\n", ""), rejected);

        var twice = await RunAsync("approve", "e-1", "--reject", "--by", "carol");
        Assert.Equal(FlowCli.Failed, twice.Code);
        Assert.Contains("Approval request e-1.approval.1 (rule Pay) of execution 'e-1' of flow 'expense' was already approved by alice", twice.Error);
        Assert.Contains("No approval requests wait for a decision.", (await RunAsync("approvals")).Output);

        // No host ran the flow when the decisions were made: the next one that runs applies them.
        await RunAsync("send", "expenses.submitted", """{"ExpenseId": "e-3", "Employee": "cat", "Amount": 20}""");
        var e1 = (await RunAsync("inspect", "e-1")).Output;
        Assert.Contains("status:    Completed", e1);
        Assert.Contains("phase:     Paid", e1);
        Assert.Contains("Pay: New -> New (Approve, Control on alice)", e1);
        var e2 = (await RunAsync("inspect", "e-2")).Output;
        Assert.Contains("phase:     Refused", e2);
        Assert.Contains("Pay: New -> New (Reject, Control on bob)", e2);

        var unknown = await RunAsync("approve", "nobody", "--by", "alice");
        Assert.Equal(FlowCli.UsageError, unknown.Code);
        Assert.Contains($"No execution 'nobody' in flow(s) expense in {Database}.", unknown.Error);
    }

    [Fact]
    public async Task The_command_line_of_one_process_approves_an_execution_two_hosts_on_nats_run()
    {
        await using var server = await NatsServer.StartAsync();
        await using var first = Start("run", "--nats", server.Url);
        await using var second = Start("run", "--nats", server.Url);
        await first.WaitForAsync("Press Ctrl+C to stop.", Patience);
        await second.WaitForAsync("Press Ctrl+C to stop.", Patience);

        await RunProcessAsync("send", "expenses.submitted", """{"ExpenseId": "n-1", "Employee": "ann", "Amount": 400}""", "--nats", server.Url);
        await RunProcessAsync("send", "expenses.submitted", """{"ExpenseId": "n-2", "Employee": "bob", "Amount": 900}""", "--nats", server.Url);
        await WhenStoredAsync(server, "expense.n-1", s => s.Contains("\"Status\":\"WaitingForApproval\"", StringComparison.Ordinal), "n-1 waits for approval", first);
        await WhenStoredAsync(server, "expense.n-2", s => s.Contains("\"Status\":\"WaitingForApproval\"", StringComparison.Ordinal), "n-2 waits for approval", first);

        var listed = await RunProcessAsync("approvals", "--nats", server.Url);
        Assert.Matches(@"(?m)^expense/n-1\s+Pay\s+n-1\.approval\.1\s+", listed.Output);
        Assert.Matches(@"(?m)^expense/n-2\s+Pay\s+n-2\.approval\.1\s+", listed.Output);

        Assert.Equal(0, (await RunProcessAsync("approve", "n-1", "--by", "alice", "--reason", "ok", "--nats", server.Url)).Code);
        Assert.Equal(0, (await RunProcessAsync("approve", "n-2", "--reject", "--by", "bob", "--reason", "no receipt", "--nats", server.Url)).Code);
        await WhenStoredAsync(server, "expense.n-1", s => s.Contains("\"Status\":\"Completed\"", StringComparison.Ordinal) && s.Contains("\"Phase\":\"Paid\"", StringComparison.Ordinal), "n-1 paid after the approval", first);
        await WhenStoredAsync(server, "expense.n-2", s => s.Contains("\"Phase\":\"Refused\"", StringComparison.Ordinal), "n-2 refused after the rejection", first);

        var twice = await RunProcessAsync("approve", "n-1", "--by", "carol", "--nats", server.Url);
        Assert.Equal(FlowCli.Failed, twice.Code);
        Assert.Contains("cannot be approved: it has ended (Completed); its last request, n-1.approval.1 for rule Pay, was approved by alice", twice.Error);

        var inspected = (await RunProcessAsync("inspect", "n-1", "--nats", server.Url)).Output;
        Assert.Contains("Pay: New -> New (RequestApproval", inspected);
        Assert.Contains("Pay: New -> New (Approve, Control on alice)", inspected);
        Assert.Contains("Pay: New -> Paid (Complete", inspected);
        Assert.Contains("No approval requests wait for a decision.", (await RunProcessAsync("approvals", "--nats", server.Url)).Output);

        Assert.Equal(0, await first.InterruptAsync());
        Assert.Equal(0, await second.InterruptAsync());
    }

    private static HostProcess Start(params string[] args) => new(OrdersHost.StartInfo(OrdersHost.SampleDll("Approvals"), null, args, null));

    private static Task<(int Code, string Output, string Error)> RunProcessAsync(params string[] args) => OrdersHost.RunSampleAsync(OrdersHost.SampleDll("Approvals"), args);
}
