namespace FlowSdk.Semantics.Flows;

[Message("test.tickets.opened")]
public sealed record TicketOpened([property: CorrelationKey] string TicketId, int Priority, bool Runaway = false);

[Message("test.tickets.nudged")]
public sealed record TicketNudged([property: CorrelationKey] string TicketId);

[Message("test.tickets.flagged")]
public sealed record TicketFlagged([property: CorrelationKey] string TicketId, bool Urgent, bool Vip);

[Message("test.tickets.judged")]
public sealed record TicketJudged([property: CorrelationKey] string TicketId, string Verdict);

/// <summary>The request of a publish-and-await: the runtime fills in <see cref="TaskId"/>.</summary>
[Message("test.tickets.owner.lookup")]
public sealed record OwnerLookup(string TicketId, int Priority, [property: TaskId] string TaskId = "");

/// <summary>The reply: it finds its execution through the task id alone.</summary>
[Message("test.tickets.owner.found")]
public sealed record OwnerFound([property: TaskId] string TaskId, string Owner);

public enum TicketPhase
{
    Open,
    Triaged,
    Assigned,
    [TerminalPhase]
    Closed,
}

[Flow<TicketPhase>(
    "ticket",
    Timeout = "01:00:00",
    OnCompleted = "test.tickets.ended.completed",
    OnFailed = "test.tickets.ended.failed",
    OnEscalated = "test.tickets.ended.escalated",
    OnTimedOut = "test.tickets.ended.timedout")]
public partial class Ticket
{
    public int Priority { get; set; }

    public bool Runaway { get; set; }

    public string? Owner { get; set; }

    public int Nudges { get; set; }

    public int Spins { get; set; }

    public string Flags { get; set; } = "";
}

[Rules<Ticket>]
public static partial class TicketRules
{
    [Rule(From = TicketPhase.Open, To = TicketPhase.Triaged)]
    public static void Triage(Ticket ticket, TicketOpened opened)
    {
        ticket.Priority = opened.Priority;
        ticket.Runaway = opened.Runaway;
    }

    // State-only and never changes the phase: its own write keeps its condition true, so only the
    // chain bound stops it.
    [Rule(From = TicketPhase.Triaged)]
    [When(nameof(IsRunaway))]
    public static void Spin(Ticket ticket) => ticket.Spins++;

    // State-only publish-and-await: a triaged ticket with a priority asks who owns it and waits.
    [Rule(From = TicketPhase.Triaged, To = TicketPhase.Assigned, AwaitReply = true)]
    [When(nameof(NeedsOwner))]
    public static OwnerLookup Lookup(Ticket ticket) => new(ticket.Id, ticket.Priority);

    // The continuation: the reply's typed result.
    [Rule(From = TicketPhase.Assigned)]
    public static void Assign(Ticket ticket, OwnerFound found) => ticket.Owner = found.Owner;

    // State-only chaining: the reply's commit triggers the close.
    [Rule(From = TicketPhase.Assigned, To = TicketPhase.Closed)]
    [When(nameof(HasOwner))]
    public static void Close(Ticket ticket)
    {
    }

    [Rule(Cooldown = "00:10:00", MaxFirings = 2)]
    public static void Nudge(Ticket ticket, TicketNudged nudged) => ticket.Nudges++;

    [Rule(Conditions = ConditionMode.Any)]
    [When(nameof(IsUrgent), Description = "the ticket is urgent")]
    [When(nameof(IsVip), Description = "the customer is a VIP")]
    public static void Flag(Ticket ticket, TicketFlagged flagged) => ticket.Flags += "flagged;";

    /// <summary>
    /// Lets a test see a rule in flight observe its execution's cancellation, by ticket id: Started
    /// when the rule runs, then whether <see cref="RuleContext.CancellationToken"/> was cancelled within 30 s.
    /// </summary>
    public static System.Collections.Concurrent.ConcurrentDictionary<string, (TaskCompletionSource Started, TaskCompletionSource<bool> SawCancellation)> Cancellable { get; } = new();

    /// <summary>Whether <see cref="RuleContext.CancellationToken"/> was already cancelled when a "probe" verdict's rule started, by ticket id.</summary>
    public static System.Collections.Concurrent.ConcurrentDictionary<string, bool> StartedCancelled { get; } = new();

    /// <summary>The ticket ids whose "register" verdict's callback on <see cref="RuleContext.CancellationToken"/> ran.</summary>
    public static System.Collections.Concurrent.ConcurrentDictionary<string, bool> CallbackRan { get; } = new();

    /// <summary>Lets a test hold one execution's rule in place while others proceed.</summary>
    public static ManualResetEventSlim? Gate { get; set; }

    [Rule]
    public static void Judge(Ticket ticket, TicketJudged judged, RuleContext context)
    {
        switch (judged.Verdict)
        {
            case "wait": Gate?.Wait(TimeSpan.FromSeconds(30)); break;
            case "cancellable":
                if (Cancellable.TryGetValue(ticket.Id, out var probe))
                {
                    probe.Started.TrySetResult();
                    probe.SawCancellation.TrySetResult(context.CancellationToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(30)));
                }

                ticket.Flags += "judged;";
                break;
            case "probe": StartedCancelled[ticket.Id] = context.CancellationToken.IsCancellationRequested; break;
            case "register":
                // Registered and never disposed, as careless rule code does.
                var id = ticket.Id;
                context.CancellationToken.Register(() => CallbackRan[id] = true);
                break;
            case "fail": context.Fail("the customer withdrew"); break;
            case "escalate": context.Escalate("legal must look at this"); break;
            case "complete": context.Complete(); break;
        }
    }

    private static bool IsRunaway(Ticket ticket) => ticket.Runaway;

    private static bool NeedsOwner(Ticket ticket) => ticket.Priority > 0;

    private static bool HasOwner(Ticket ticket) => ticket.Owner is not null;

    private static bool IsUrgent(TicketFlagged flagged) => flagged.Urgent;

    private static bool IsVip(TicketFlagged flagged) => flagged.Vip;
}
