namespace FlowSdk.Semantics.Flows;

[Message("test.refunds.requested")]
public sealed record RefundRequested([property: CorrelationKey] string RefundId, int Amount);

/// <summary>Asks to pay the refund out: the rules that take it require approval.</summary>
[Message("test.refunds.submitted")]
public sealed record RefundSubmitted([property: CorrelationKey] string RefundId);

/// <summary>Asks to waive the refund's fee: requires approval, with a longer expiry than the flow's timeout.</summary>
[Message("test.refunds.waived")]
public sealed record RefundWaived([property: CorrelationKey] string RefundId);

[Message("test.refunds.noted")]
public sealed record RefundNoted([property: CorrelationKey] string RefundId, string Note);

[Message("test.refunds.paid")]
public sealed record RefundPaid(string RefundId, int Amount);

public enum RefundPhase
{
    New,
    Requested,
    [TerminalPhase]
    Paid,
    [TerminalPhase]
    Refused,
}

// Every approval request of the flow expires after three hours unless its rule says otherwise.
[Flow<RefundPhase>("refund", Timeout = "05:00:00", ApprovalExpires = "03:00:00")]
public partial class Refund
{
    public int Amount { get; set; }

    public string Notes { get; set; } = "";

    public bool FeeWaived { get; set; }
}

[Rules<Refund>]
public static partial class RefundRules
{
    [Rule(From = RefundPhase.New, To = RefundPhase.Requested)]
    public static void Request(Refund refund, RefundRequested requested) => refund.Amount = requested.Amount;

    // Small refunds are approved by policy: applied at once, recorded as auto-approved.
    [Rule(From = RefundPhase.Requested, To = RefundPhase.Paid)]
    [RequiresApproval(Policy = ApprovalPolicy.Approve)]
    [When(nameof(Small))]
    public static RefundPaid PaySmall(Refund refund, RefundSubmitted submitted) => new(refund.Id, refund.Amount);

    // The others ask a person; the approved rule is evaluated again, so a request approved more than
    // two hours after the refund was requested no longer matches.
    [Rule(From = RefundPhase.Requested, To = RefundPhase.Paid)]
    [RequiresApproval]
    [When(nameof(Fresh))]
    public static RefundPaid Pay(Refund refund, RefundSubmitted submitted) => new(refund.Id, refund.Amount);

    [Rule(From = RefundPhase.Requested)]
    [RequiresApproval(Expires = "10:00:00")]
    public static void Waive(Refund refund, RefundWaived waived) => refund.FeeWaived = true;

    [Rule(From = RefundPhase.Requested)]
    public static void Note(Refund refund, RefundNoted noted) => refund.Notes += noted.Note + ";";

    // The rejected path: a person (or the policy, or the expiry) rejected the payout.
    [Rule(From = RefundPhase.Requested, To = RefundPhase.Refused)]
    [When(nameof(PayoutRejected))]
    public static void Refuse(Refund refund)
    {
    }

    private static bool Small(Refund refund) => refund.Amount < 10;

    private static bool Fresh(Refund refund, RuleContext context) => context.Now - refund.CreatedAt < TimeSpan.FromHours(2);

    private static bool PayoutRejected(Refund refund) => refund.LastApproval is { Approved: false, Rule: nameof(Pay) or nameof(PaySmall) };
}
