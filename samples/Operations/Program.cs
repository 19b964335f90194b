using FlowSdk;
using OperationsSample;

// Pause, resume, cancel and retry on the embedded runtime. The same controls work from the command
// line of a generated host (pause, resume, cancel, retry), against a host on the database file or on NATS.
await using var runtime = await FlowRuntime.StartAsync(InvoiceFlow.Definition);
var invoices = new InvoiceClient(runtime);
var problems = new List<string>();

// Every change of an invoice is published as an ExecutionEvent on invoices.events.<kind>: follow them.
var events = new List<ExecutionEvent>();
using var following = ObservableExtensions.Subscribe(runtime.Transport.Subscribe("invoices.events.*"), m =>
{
    lock (events)
    {
        events.Add(ExecutionEvent.Port(m.Subject).Deserialize(m.Payload));
    }
});

List<string> EventsOf(string id)
{
    lock (events)
    {
        return events.Where(e => e.ExecutionId == id).OrderBy(e => e.Sequence).ThenBy(e => e.Kind == ExecutionEventKind.Ended)
            .Select(e => e.Kind + (e.Rule is null || e.Kind is ExecutionEventKind.Ended ? "" : " " + e.Rule) + (e.By is null || e.Kind is ExecutionEventKind.Step ? "" : " by " + e.By))
            .ToList();
    }
}

void Expect(bool holds, string what)
{
    Console.WriteLine($"{(holds ? "ok  " : "FAIL")} {what}");
    if (!holds)
    {
        problems.Add(what);
    }
}

async Task<Invoice> Show(string id)
{
    var invoice = (await invoices.GetAsync(id))!;
    Console.WriteLine($"     {id}: {invoice.Status} in {invoice.Phase}{(invoice.StatusReason is null ? "" : " - " + invoice.StatusReason)}");
    return invoice;
}

// 1. Pause keeps the payment; resume handles it.
await invoices.SendAsync(new InvoiceIssued("inv-1", 120m));
await runtime.WhenIdleAsync();
await invoices.PauseAsync("inv-1", reason: "customer disputes the amount", by: "alice");
await invoices.SendAsync(new InvoicePaid("inv-1", 120m));
await runtime.WhenIdleAsync();
Expect((await Show("inv-1")).Status == ExecutionStatus.Paused, "a paused invoice keeps its payment without settling");
await invoices.ResumeAsync("inv-1", by: "alice");
await runtime.WhenIdleAsync();
Expect((await Show("inv-1")).Status == ExecutionStatus.Completed, "on resume the kept payment settles the invoice");

// 2. Cancel is terminal: a later payment fires nothing.
await invoices.SendAsync(new InvoiceIssued("inv-2", 50m));
await runtime.WhenIdleAsync();
await invoices.CancelAsync("inv-2", reason: "issued twice", by: "bob");
await invoices.SendAsync(new InvoicePaid("inv-2", 50m));
await runtime.WhenIdleAsync();
var cancelled = await Show("inv-2");
Expect(cancelled.Status == ExecutionStatus.Cancelled && cancelled.Paid == 0, "a cancelled invoice stays cancelled");
try
{
    await invoices.ResumeAsync("inv-2");
    Expect(false, "resuming a cancelled invoice is refused");
}
catch (ExecutionControlException ex)
{
    Console.WriteLine("     refused: " + ex.Message);
    Expect(ex.Status == ExecutionStatus.Cancelled, "resuming a cancelled invoice is refused, naming its status");
}

// 3. Retry runs a failed invoice again from its last committed state.
await invoices.SendAsync(new InvoiceIssued("inv-3", 80m));
await invoices.SendAsync(new ChargeRejected("inv-3", "card expired"));
await runtime.WhenIdleAsync();
Expect((await Show("inv-3")).Status == ExecutionStatus.Failed, "a rejected charge fails the invoice");
await invoices.RetryAsync("inv-3", reason: "customer updated the card", by: "carol");
await invoices.SendAsync(new InvoicePaid("inv-3", 80m));
await runtime.WhenIdleAsync();
var retried = await Show("inv-3");
Expect(retried.Status == ExecutionStatus.Completed && retried.Paid == 80m, "the retried invoice settles on the next payment");

Console.WriteLine("     timeline of inv-3:");
foreach (var entry in retried.Timeline)
{
    Console.WriteLine($"       {entry.Rule,-7} {entry.Action,-8} {entry.Trigger,-15} {entry.Source}{(entry.Reason is null ? "" : " - " + entry.Reason)}");
}

Console.WriteLine("     events of inv-3:");
var inv3 = EventsOf("inv-3");
foreach (var e in inv3)
{
    Console.WriteLine("       " + e);
}

Expect(
    inv3.SequenceEqual(["Started", "Step Issue", "Step Reject", "Ended", "Retried Retry by carol", "Step Settle", "Ended"]),
    "inv-3's events tell its story: started, issued, rejected, ended (failed), retried by carol, settled, ended");
Expect(
    EventsOf("inv-2").SequenceEqual(["Started", "Step Issue", "Cancelled Cancel by bob", "Ended"]),
    "inv-2's events end with its cancellation by bob");

Console.WriteLine(problems.Count == 0 ? "Every step ended as expected." : $"{problems.Count} step(s) did not end as expected.");
return problems.Count == 0 ? 0 : 1;
