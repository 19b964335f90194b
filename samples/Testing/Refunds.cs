using FlowSdk;

namespace RefundsSample;

/// <summary>A customer asks for money back.</summary>
[Message("refunds.requested")]
public sealed record RefundRequested([property: CorrelationKey] string RefundId, decimal Amount);

/// <summary>A clerk approves a refund that was too large to approve automatically.</summary>
[Message("refunds.approved")]
public sealed record RefundApproved([property: CorrelationKey] string RefundId, string By);

/// <summary>The refund flow asks the payment service to pay out, and waits for its answer.</summary>
[Message("refunds.payout.requested", External = true)]
public sealed record PayoutRequested(string RefundId, decimal Amount, [property: TaskId] string TaskId = "");

/// <summary>The payment service's answer: it names the request by its task id.</summary>
[Message("refunds.payout.done", External = true)]
public sealed record PayoutDone([property: TaskId] string TaskId, string Reference);

/// <summary>An audit note; published by a rule through <see cref="RuleContext.Publish{T}"/> only.</summary>
[Message("refunds.audit", External = true)]
public sealed record RefundAudited(string RefundId, string Note);

/// <summary>The phases of a refund.</summary>
public enum RefundPhase
{
    /// <summary>Asked for.</summary>
    Requested,

    /// <summary>Approved, by a clerk or automatically.</summary>
    Approved,

    /// <summary>The payment service pays out.</summary>
    PayingOut,

    /// <summary>Paid: the refund is complete.</summary>
    [TerminalPhase]
    Paid,
}

/// <summary>One refund. A refund not paid within two days expires.</summary>
[Flow<RefundPhase>("refund", Timeout = "2.00:00:00", OnCompleted = "refunds.closed", OnTimedOut = "refunds.expired")]
public partial class Refund
{
    /// <summary>How much is refunded.</summary>
    public decimal Amount { get; set; }

    /// <summary>Who approved it: a clerk, or <c>auto</c>.</summary>
    public string? ApprovedBy { get; set; }

    /// <summary>The payment service's reference of the payout.</summary>
    public string? Reference { get; set; }
}

/// <summary>The refund's rules.</summary>
[Rules<Refund>]
public static partial class RefundRules
{
    /// <summary>The audit port: <see cref="RefundAudited"/> is only published through the context, so the flow's Ports class has no port for it.</summary>
    public static readonly MessagePort<RefundAudited> Audit = new("refunds.audit", RefundAuditedFormatter.Instance);

    /// <summary>Records the amount asked for.</summary>
    [Rule(From = RefundPhase.Requested)]
    public static void Request(Refund refund, RefundRequested requested) => refund.Amount = requested.Amount;

    /// <summary>Small refunds are approved at once, with an audit note (a state-only rule: it reacts to the amount being set).</summary>
    [Rule(From = RefundPhase.Requested, To = RefundPhase.Approved)]
    [When(nameof(IsSmall), Description = "the amount is 50 or less")]
    public static void AutoApprove(Refund refund, RuleContext context)
    {
        refund.ApprovedBy = "auto";
        context.Publish(Audit, new RefundAudited(refund.Id, $"approved automatically: {refund.Amount}"));
    }

    /// <summary>A clerk approves a larger refund.</summary>
    [Rule(From = RefundPhase.Requested, To = RefundPhase.Approved)]
    public static void Approve(Refund refund, RefundApproved approved) => refund.ApprovedBy = approved.By;

    /// <summary>An approved refund is paid out (state-only, publish and await).</summary>
    [Rule(From = RefundPhase.Approved, To = RefundPhase.PayingOut, AwaitReply = true)]
    public static PayoutRequested PayOut(Refund refund) => new(refund.Id, refund.Amount);

    /// <summary>The payout is done: the refund is complete.</summary>
    [Rule(From = RefundPhase.PayingOut, To = RefundPhase.Paid)]
    public static void Settle(Refund refund, PayoutDone done) => refund.Reference = done.Reference;

    private static bool IsSmall(Refund refund) => refund.Amount is > 0 and <= 50;
}
