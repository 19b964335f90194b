using FlowSdk.Semantics.Flows;

namespace FlowSdk.Tests;

/// <summary>
/// <see cref="FlowDefinition{TState}.Fire{TMessage}"/> models human approval as the runtime does: a rule
/// that asks parks the execution, Approve evaluates it again on its message, Reject lets the rejected
/// path run, and the declared Approve and Deny policies apply without a person.
/// </summary>
public sealed class FireApprovalTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_rule_that_asks_waits_and_fires_on_approval()
    {
        var refund = Requested("r-1", 100);

        var asked = RefundFlow.Definition.Fire(refund, new RefundSubmitted("r-1"), Now);

        Assert.False(asked.Fired);
        Assert.Equal("Pay", asked.AwaitsApproval?.Name);
        Assert.Equal(ExecutionStatus.WaitingForApproval, refund.Status);
        Assert.Equal(("Pay", Now + TimeSpan.FromHours(3)), (refund.Execution().PendingApproval?.Rule, refund.Execution().PendingApproval?.ExpiresAt));

        // While it waits, nothing fires (the runtime keeps such messages with the execution).
        Assert.False(RefundFlow.Definition.Fire(refund, new RefundNoted("r-1", "called"), Now).Fired);
        Assert.Equal("", refund.Notes);

        var approved = RefundFlow.Definition.Approve(refund, Now + TimeSpan.FromHours(1), by: "alice", reason: "receipt checked");

        Assert.Equal("Pay", approved.Rule?.Name);
        Assert.Equal(new RefundPaid("r-1", 100), RefundFlow.Ports.RefundPaid.Deserialize(Assert.Single(approved.Messages).Payload));
        Assert.Equal((RefundPhase.Paid, ExecutionStatus.Completed), (refund.Phase, refund.Status));
        Assert.Equal(("alice", true, "receipt checked"), (refund.LastApproval?.By, refund.LastApproval?.Approved, refund.LastApproval?.Reason));
        Assert.Null(refund.Execution().PendingApproval);
        Assert.Equal([RuleAction.RequestApproval, RuleAction.Approve, RuleAction.Complete], refund.Timeline.Skip(1).Select(e => e.Action));
    }

    [Fact]
    public void An_approved_rule_that_no_longer_passes_does_not_apply_and_says_why()
    {
        var refund = Requested("r-2", 100);
        RefundFlow.Definition.Fire(refund, new RefundSubmitted("r-2"), Now);

        // Pay only passes within two hours of the request.
        var late = RefundFlow.Definition.Approve(refund, Now + TimeSpan.FromHours(2.5), by: "alice");

        Assert.False(late.Fired);
        Assert.Equal((RefundPhase.Requested, ExecutionStatus.Running), (refund.Phase, refund.Status));
        var entry = refund.Timeline[^1];
        Assert.Equal((RuleAction.ApprovalVoid, "alice"), (entry.Action, entry.Source));
        Assert.Contains("no longer matches", entry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rejection_lets_the_rejected_path_run()
    {
        var refund = Requested("r-3", 100);
        RefundFlow.Definition.Fire(refund, new RefundSubmitted("r-3"), Now);

        RefundFlow.Definition.Reject(refund, Now + TimeSpan.FromMinutes(5), by: "bob", reason: "no receipt");

        Assert.Equal(ExecutionStatus.Running, refund.Status);
        Assert.Equal(("Pay", false, "bob", "no receipt"), (refund.LastApproval?.Rule, refund.LastApproval?.Approved, refund.LastApproval?.By, refund.LastApproval?.Reason));
        var chain = RefundFlow.Definition.FireChain(refund, Now + TimeSpan.FromMinutes(5));
        Assert.Equal("Refuse", Assert.Single(chain).Rule?.Name);
        Assert.Equal(RefundPhase.Refused, refund.Phase);

        var twice = Assert.Throws<ExecutionControlException>(() => RefundFlow.Definition.Approve(refund, Now + TimeSpan.FromMinutes(6)));
        Assert.Contains("cannot be approved", twice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_declared_approve_policy_fires_at_once()
    {
        var refund = Requested("r-4", 5);

        var paid = RefundFlow.Definition.Fire(refund, new RefundSubmitted("r-4"), Now);

        Assert.Equal("PaySmall", paid.Rule?.Name);
        Assert.Null(paid.AwaitsApproval);
        Assert.Equal(ExecutionStatus.Completed, refund.Status);
        Assert.Equal((true, "policy"), (refund.LastApproval?.Approved, refund.LastApproval?.By));
    }

    private static Refund Requested(string id, int amount)
    {
        var refund = RefundFlow.Definition.Start(id, Now);
        Assert.True(RefundFlow.Definition.Fire(refund, new RefundRequested(id, amount), Now).Fired);
        return refund;
    }
}
