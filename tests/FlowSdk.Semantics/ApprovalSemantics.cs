using FlowSdk.Semantics.Flows;
using FlowSdk.Testing;
using Microsoft.Extensions.Time.Testing;

namespace FlowSdk.Semantics;

/// <summary>
/// Human approval: a rule that requires approval parks its execution (WaitingForApproval) until a
/// person approves (the rule is evaluated again and applies) or rejects (the rejected path runs), the
/// request expires, or the flow's timeout passes; policies approve or deny at once. Decisions are
/// controls (compare-and-set writes of the state), so they behave alike on every back-end.
/// </summary>
public abstract class ApprovalSemantics(IFlowInfrastructureFactory factory) : SemanticsBase(factory)
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private Task<FlowTestHost> HostAsync(Action<FlowRuntimeOptions>? configure = null) => FlowTestHost.StartAsync([RefundFlow.Definition], o =>
    {
        o.Transport = Infrastructure.Transport;
        o.StateStore = Infrastructure.Store;
        o.Time = new FakeTimeProvider(Start);
        o.ConfigureRuntime = configure;
    });

    private static async Task<Refund> RequestAsync(FlowTestHost host, string id, int amount)
    {
        await host.SendAsync(RefundFlow.Ports.RefundRequested, new RefundRequested(id, amount));
        await host.SendAsync(RefundFlow.Ports.RefundSubmitted, new RefundSubmitted(id));
        return await host.GetAsync(RefundFlow.Definition, id);
    }

    [Fact]
    public async Task An_approval_rule_parks_the_execution_until_approved_then_applies_with_who_when_and_why_in_the_timeline()
    {
        await using var host = await HostAsync();
        var refund = await RequestAsync(host, "r-1", 100);
        Assert.Equal(ExecutionStatus.WaitingForApproval, refund.Status);
        Assert.Equal(RefundPhase.Requested, refund.Phase);
        Assert.Equal("Pay", refund.PendingApproval?.Rule);
        Assert.Equal(Start + TimeSpan.FromHours(3), refund.PendingApproval?.ExpiresAt);
        Assert.DoesNotContain("test.refunds.paid", host.Messages.Subjects);
        var pending = Assert.Single(await host.Runtime.ListApprovalsAsync(RefundFlow.Definition));
        Assert.Equal(("r-1", "Pay", refund.PendingApproval!.Id), (pending.ExecutionId, pending.Rule, pending.RequestId));
        Assert.Empty(await host.Runtime.ListApprovalsAsync(RefundFlow.Definition, rule: "Waive"));
        var typo = await Assert.ThrowsAsync<ArgumentException>(() => host.Runtime.ListApprovalsAsync(RefundFlow.Definition, rule: "PayAll"));
        Assert.StartsWith("No rule 'PayAll' of flow 'refund' requires approval; those that do: PaySmall, Pay", typo.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await host.Runtime.GetProgressAsync(RefundFlow.Definition))[ExecutionStatus.WaitingForApproval]);

        // A message meanwhile is kept and handled after the decision, as for a paused execution.
        await host.SendAsync(RefundFlow.Ports.RefundNoted, new RefundNoted("r-1", "called"));
        Assert.Equal("", (await host.GetAsync(RefundFlow.Definition, "r-1")).Notes);

        await host.AdvanceAsync(TimeSpan.FromMinutes(30));
        var approved = await host.Runtime.ApproveAsync(RefundFlow.Definition, "r-1", by: "alice", reason: "receipt checked");
        Assert.Equal(ExecutionStatus.WaitingForApproval, approved.Before);
        await host.SettleAsync();

        refund = await host.GetAsync(RefundFlow.Definition, "r-1");
        Assert.Equal((ExecutionStatus.Completed, RefundPhase.Paid), (refund.Status, refund.Phase));
        Assert.Null(refund.PendingApproval);
        Assert.Equal((true, "alice", "receipt checked", Start + TimeSpan.FromMinutes(30)), (refund.LastApproval!.Approved, refund.LastApproval.By, refund.LastApproval.Reason, refund.LastApproval.At));
        Assert.Contains("test.refunds.paid", host.Messages.Subjects);
        Assert.Equal(
            [("Request", RuleAction.Mutate), ("Pay", RuleAction.RequestApproval), ("Pay", RuleAction.Approve), ("Pay", RuleAction.Complete)],
            refund.Timeline.Select(e => (e.Rule, e.Action)));
        var approval = refund.Timeline[2];
        Assert.Equal((TriggerKind.Control, "alice", "receipt checked", Start + TimeSpan.FromMinutes(30)), (approval.Trigger, approval.Source, approval.Reason, approval.At));
        Assert.Empty(await host.Runtime.ListApprovalsAsync(RefundFlow.Definition));
        Assert.Equal(0, (await host.Runtime.GetProgressAsync(RefundFlow.Definition))[ExecutionStatus.WaitingForApproval]);

        // Deciding twice is a clear error naming the earlier decision.
        var twice = await Assert.ThrowsAsync<ExecutionControlException>(() => host.Runtime.ApproveAsync(RefundFlow.Definition, "r-1", by: "bob"));
        Assert.Equal(ExecutionControlAction.Approve, twice.Action);
        Assert.Contains("cannot be approved", twice.Message, StringComparison.Ordinal);
        Assert.Contains("was approved by alice", twice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kept_message_is_handled_after_the_decision()
    {
        await using var host = await HostAsync();
        await RequestAsync(host, "r-2", 100);
        await host.SendAsync(RefundFlow.Ports.RefundNoted, new RefundNoted("r-2", "called"));
        await host.Runtime.RejectAsync(RefundFlow.Definition, "r-2", by: "bob", reason: "no receipt");
        await host.SettleAsync();

        // The rejection's commit runs the rejected path; the kept note was handled before it.
        var refund = await host.GetAsync(RefundFlow.Definition, "r-2");
        Assert.Equal((ExecutionStatus.Completed, RefundPhase.Refused), (refund.Status, refund.Phase));
        Assert.Equal("called;", refund.Notes);
    }

    [Fact]
    public async Task A_rejection_does_not_apply_the_rule_and_the_rejected_path_sees_who_and_why()
    {
        await using var host = await HostAsync();
        await RequestAsync(host, "r-3", 100);
        var rejected = await host.Runtime.RejectAsync(RefundFlow.Definition, "r-3", by: "bob", reason: "no receipt");
        Assert.Equal((ExecutionStatus.WaitingForApproval, ExecutionStatus.WaitingForApproval), (rejected.Before, rejected.After));
        await host.SettleAsync();

        var refund = await host.GetAsync(RefundFlow.Definition, "r-3");
        Assert.Equal((ExecutionStatus.Completed, RefundPhase.Refused), (refund.Status, refund.Phase));
        Assert.Equal((false, "bob", "no receipt", "Pay"), (refund.LastApproval!.Approved, refund.LastApproval.By, refund.LastApproval.Reason, refund.LastApproval.Rule));
        Assert.DoesNotContain("test.refunds.paid", host.Messages.Subjects);
        Assert.Contains(refund.Timeline, e => e is { Rule: "Pay", Action: RuleAction.Reject, Trigger: TriggerKind.Control, Source: "bob", Reason: "no receipt" });
        Assert.Equal("Refuse", refund.Timeline[^1].Rule);

        var twice = await Assert.ThrowsAsync<ExecutionControlException>(() => host.Runtime.RejectAsync(RefundFlow.Definition, "r-3", by: "carol"));
        Assert.Contains("cannot be rejected", twice.Message, StringComparison.Ordinal);
        Assert.Contains("was rejected by bob", twice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_that_expires_is_rejected_as_expired()
    {
        await using var host = await HostAsync();
        await RequestAsync(host, "r-4", 100);
        await host.AdvanceAsync(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(59));
        Assert.Equal(ExecutionStatus.WaitingForApproval, (await host.GetAsync(RefundFlow.Definition, "r-4")).Status);

        await host.AdvanceAsync(TimeSpan.FromMinutes(1));
        var refund = await host.GetAsync(RefundFlow.Definition, "r-4");
        Assert.Equal(RefundPhase.Refused, refund.Phase);
        Assert.Equal((false, Approvals.ExpiryBy, "expired", Start + TimeSpan.FromHours(3)), (refund.LastApproval!.Approved, refund.LastApproval.By, refund.LastApproval.Reason, refund.LastApproval.At));
        Assert.Contains(refund.Timeline, e => e is { Rule: "Pay", Action: RuleAction.Reject, Trigger: TriggerKind.Timer, Reason: "expired" });

        var late = await Assert.ThrowsAsync<ExecutionControlException>(() => host.Runtime.ApproveAsync(RefundFlow.Definition, "r-4", by: "alice"));
        Assert.Contains("rejected by expiry", late.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_approved_rule_that_no_longer_matches_does_not_apply_and_the_timeline_says_why()
    {
        await using var host = await HostAsync();
        await RequestAsync(host, "r-5", 100);
        await host.AdvanceAsync(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(30));
        await host.Runtime.ApproveAsync(RefundFlow.Definition, "r-5", by: "alice", reason: "late but fine");
        await host.SettleAsync();

        var refund = await host.GetAsync(RefundFlow.Definition, "r-5");
        Assert.Equal((ExecutionStatus.Running, RefundPhase.Requested), (refund.Status, refund.Phase));
        Assert.Null(refund.PendingApproval);
        Assert.True(refund.LastApproval!.Approved);
        var voided = refund.Timeline[^1];
        Assert.Equal(("Pay", RuleAction.ApprovalVoid, "alice"), (voided.Rule, voided.Action, voided.Source));
        Assert.Contains("no longer matches", voided.Reason, StringComparison.Ordinal);
        Assert.Contains("Fresh", voided.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("test.refunds.paid", host.Messages.Subjects);
    }

    [Fact]
    public async Task The_flow_timeout_still_applies_while_waiting_for_approval()
    {
        await using var host = await HostAsync();
        await host.SendAsync(RefundFlow.Ports.RefundRequested, new RefundRequested("r-6", 100));
        await host.SendAsync(RefundFlow.Ports.RefundWaived, new RefundWaived("r-6"));
        var refund = await host.GetAsync(RefundFlow.Definition, "r-6");
        Assert.Equal(ExecutionStatus.WaitingForApproval, refund.Status);
        Assert.Equal(Start + TimeSpan.FromHours(10), refund.PendingApproval!.ExpiresAt);

        await host.AdvanceAsync(TimeSpan.FromHours(5));
        refund = await host.GetAsync(RefundFlow.Definition, "r-6");
        Assert.Equal(ExecutionStatus.TimedOut, refund.Status);
        Assert.False(refund.FeeWaived);
        Assert.Empty(await host.Runtime.ListApprovalsAsync(RefundFlow.Definition));
        var ended = await Assert.ThrowsAsync<ExecutionControlException>(() => host.Runtime.ApproveAsync(RefundFlow.Definition, "r-6"));
        Assert.Contains("it has ended (TimedOut)", ended.Message, StringComparison.Ordinal);

        Assert.NotNull(refund.PendingApproval);

        // Retried, it waits for the same request again; approved, the rule applies.
        var retried = await host.Runtime.RetryAsync(RefundFlow.Definition, "r-6", by: "ops");
        Assert.Equal(ExecutionStatus.WaitingForApproval, retried.After);
        Assert.Equal("r-6", Assert.Single(await host.Runtime.ListApprovalsAsync(RefundFlow.Definition)).ExecutionId);
        await host.Runtime.ApproveAsync(RefundFlow.Definition, "r-6", by: "alice");
        await host.SettleAsync();
        refund = await host.GetAsync(RefundFlow.Definition, "r-6");
        Assert.True(refund.FeeWaived);
        Assert.Equal(ExecutionStatus.Running, refund.Status);
    }

    [Fact]
    public async Task Deciding_on_an_unknown_execution_or_one_that_waits_for_no_approval_is_a_clear_error()
    {
        await using var host = await HostAsync();
        var unknown = await Assert.ThrowsAsync<ExecutionControlException>(() => host.Runtime.ApproveAsync(RefundFlow.Definition, "nope", by: "alice"));
        Assert.Null(unknown.Status);
        Assert.Contains("Flow 'refund' has no execution 'nope': nothing to approve", unknown.Message, StringComparison.Ordinal);

        await host.SendAsync(RefundFlow.Ports.RefundRequested, new RefundRequested("r-7", 100));
        var running = await Assert.ThrowsAsync<ExecutionControlException>(() => host.Runtime.RejectAsync(RefundFlow.Definition, "r-7", by: "alice"));
        Assert.Equal(ExecutionStatus.Running, running.Status);
        Assert.Contains("it waits for no approval (it is Running)", running.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policies_approve_or_deny_at_once_declared_or_overridden_at_run_time()
    {
        await using (var host = await HostAsync())
        {
            // Declared Approve: PaySmall applies at once, recorded as auto-approved.
            var small = await RequestAsync(host, "s-1", 5);
            Assert.Equal((ExecutionStatus.Completed, RefundPhase.Paid), (small.Status, small.Phase));
            Assert.Equal([("PaySmall", RuleAction.Approve, Approvals.PolicyBy, "auto-approved"), ("PaySmall", RuleAction.Complete, "test.refunds.submitted", null)], small.Timeline.Skip(1).Select(e => (e.Rule, e.Action, e.Source, e.Reason)));
        }

        await using (var host = await HostAsync(o => o.SetApprovalPolicy("refund", ApprovalPolicy.Deny, "Pay")))
        {
            var denied = await RequestAsync(host, "d-1", 100);
            Assert.Equal(RefundPhase.Refused, denied.Phase);
            Assert.Equal((false, Approvals.PolicyBy, "denied by policy"), (denied.LastApproval!.Approved, denied.LastApproval.By, denied.LastApproval.Reason));
            Assert.DoesNotContain("test.refunds.paid", host.Messages.Subjects);
        }

        await using (var host = await HostAsync(o => o.SetApprovalPolicy("refund", ApprovalPolicy.Approve)))
        {
            var approved = await RequestAsync(host, "a-1", 100);
            Assert.Equal((ExecutionStatus.Completed, RefundPhase.Paid), (approved.Status, approved.Phase));
            Assert.Contains(approved.Timeline, e => e is { Rule: "Pay", Action: RuleAction.Approve, Reason: "auto-approved" });
        }
    }
}
