using ApprovalsSample;
using FlowSdk;
using FlowSdk.Hosting;
using FlowSdk.Nats;
using Microsoft.Extensions.Time.Testing;

// With arguments: the command line of generated hosts over the expense flow (run, send, approvals, approve ...),
// connected to NATS with --nats as a generated entry point does.
if (args.Length > 0)
{
    return await FlowCli.RunAsync(args, [ExpenseFlow.Definition], new FlowCliEnvironment
    {
        Connect = async (request, cancellationToken) =>
        {
            var options = new NatsFlowOptions { LoggerFactory = request.LoggerFactory };
            if (request.NatsConfiguration is { } section)
            {
                options.Bind(section);
            }

            options.Url = request.Url;
            var nats = await NatsFlowInfrastructure.ConnectAsync(options, request.Flows, cancellationToken);
            return new FlowConnection(nats.Transport, nats.Store, nats);
        },
    });
}

// Without: the scenario, on the embedded runtime and virtual time (two days pass in an instant).
var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 4, 9, 0, 0, TimeSpan.Zero));
await using var runtime = await FlowRuntime.StartAsync([ExpenseFlow.Definition], new FlowRuntimeOptions { TimeProvider = time });
var expenses = new ExpenseClient(runtime);
var problems = new List<string>();

void Expect(bool holds, string what)
{
    Console.WriteLine($"{(holds ? "ok  " : "FAIL")} {what}");
    if (!holds)
    {
        problems.Add(what);
    }
}

// Waits until the claim is decided (or 20 s pass): the store says when it changes, no fixed wait.
async Task<Expense?> Decided(string id)
{
    var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    using (runtime.Store.Watch("expense." + id).Subscribe(entry =>
    {
        if (ExpenseFlow.Definition.ReadExecution(entry.Value).Status.IsTerminal())
        {
            changed.TrySetResult();
        }
    }))
    {
        if ((await expenses.GetAsync(id))?.Status.IsTerminal() != true)
        {
            await changed.Task.WaitAsync(TimeSpan.FromSeconds(20)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    var expense = await expenses.GetAsync(id);
    if (expense is not null)
    {
        var last = expense.LastApproval;
        Console.WriteLine($"     {id}: {expense.Status} in {expense.Phase}; {(last is null ? "no decision" : $"{(last.Approved ? "approved" : "rejected")} by {last.By}{(last.Reason is null ? "" : ": " + last.Reason)}")}");
    }

    return expense;
}

// 1. A small claim: the policy approves it at once.
await expenses.SendAsync(new ExpenseSubmitted("exp-1", "ann", 20m));
var small = await Decided("exp-1");
Expect(small is { Phase: ExpensePhase.Paid } && small.Timeline.Any(e => e is { Action: RuleAction.Approve, Reason: "auto-approved" }), "a claim under 50 is paid at once, auto-approved by policy");

// 2. Three larger claims wait for a manager.
await expenses.SendAsync(new ExpenseSubmitted("exp-2", "bob", 400m));
await expenses.SendAsync(new ExpenseSubmitted("exp-3", "cat", 900m));
await expenses.SendAsync(new ExpenseSubmitted("exp-4", "dan", 300m));
await runtime.WhenIdleAsync();
var pending = await expenses.ListApprovalsAsync();
foreach (var request in pending)
{
    Console.WriteLine($"     waiting: {request.ExecutionId} ({request.Rule}), expires {request.ExpiresAt:yyyy-MM-dd HH:mm}");
}

Expect(pending.Select(p => p.ExecutionId).SequenceEqual(["exp-2", "exp-3", "exp-4"]), "three claims wait for approval");

// 3. Approved: the rule applies and the claim is paid.
await expenses.ApproveAsync("exp-2", by: "maria", reason: "receipt checked");
var approved = await Decided("exp-2");
Expect(approved is { Phase: ExpensePhase.Paid, Amount: 400m, LastApproval.By: "maria" }, "an approved claim is paid, and says who approved it");

// 4. Rejected: the rule does not apply, the rejected path refuses the claim.
await expenses.RejectAsync("exp-3", by: "maria", reason: "no receipt");
var rejected = await Decided("exp-3");
Expect(rejected is { Phase: ExpensePhase.Refused, LastApproval: { Approved: false, By: "maria", Reason: "no receipt" } }, "a rejected claim is refused with who and why");

// 5. Nobody decides within two days: the request expires and is rejected as expired.
time.Advance(TimeSpan.FromDays(2));
var expired = await Decided("exp-4");
Expect(expired is { Phase: ExpensePhase.Refused, LastApproval: { By: "expiry", Reason: "expired" } }, "an unanswered claim expires after two days and is refused");

// 6. Deciding twice is an error.
try
{
    await expenses.ApproveAsync("exp-3", by: "maria");
    Expect(false, "approving a rejected claim again is refused");
}
catch (ExecutionControlException ex)
{
    Console.WriteLine($"     {ex.Message}");
    Expect(true, "approving a rejected claim again is refused");
}

Console.WriteLine(problems.Count == 0 ? "Every step ended as expected." : $"{problems.Count} step(s) did not end as expected.");
return problems.Count == 0 ? 0 : 1;
