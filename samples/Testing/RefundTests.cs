using FlowSdk;
using FlowSdk.Testing;

namespace RefundsSample;

/// <summary>Each helper of the FlowSdk.Testing kit, a few lines each (docs/testing.md).</summary>
public sealed class RefundTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 4, 9, 0, 0, TimeSpan.Zero);

    // ---- The whole flow on a test host: virtual time, recorded messages, surfaced errors ----

    [Fact]
    public async Task A_large_refund_waits_for_a_clerk_then_for_the_payout()
    {
        await using var host = await FlowTestHost.StartAsync(RefundFlow.Definition);

        await host.SendAsync(RefundFlow.Ports.RefundRequested, new RefundRequested("r-1", 120m));
        await host.SendAsync(RefundFlow.Ports.RefundApproved, new RefundApproved("r-1", "dana"));
        var payout = host.Messages.SingleOf(RefundFlow.Ports.PayoutRequested);
        await host.SendAsync(RefundFlow.Ports.PayoutDone, new PayoutDone(payout.TaskId, "PAY-7"));

        var refund = await host.GetAsync(RefundFlow.Definition, "r-1");
        FlowAssert.Status(refund, ExecutionStatus.Completed);
        FlowAssert.Fired(refund, "Request", "Approve", "PayOut", "Settle");
        Assert.Equal(("dana", "PAY-7"), (refund.ApprovedBy, refund.Reference));
        Assert.Equal("Paid", host.Messages.SingleOf(ExecutionEnded.Port("refunds.closed")).Phase);
    }

    [Fact]
    public async Task A_small_refund_is_approved_by_a_state_rule_with_an_audit_note()
    {
        await using var host = await FlowTestHost.StartAsync(RefundFlow.Definition);

        await host.SendAsync(RefundFlow.Ports.RefundRequested, new RefundRequested("r-1", 20m));

        var refund = await host.GetAsync(RefundFlow.Definition, "r-1");
        FlowAssert.Fired(refund, ("Request", TriggerKind.MessageAndState), ("AutoApprove", TriggerKind.State), ("PayOut", TriggerKind.State));
        Assert.Equal("approved automatically: 20", host.Messages.SingleOf(RefundRules.Audit).Note);
        Assert.Equal(3, host.Messages.Matching(new SubjectPattern("refunds.>")).Count);
    }

    [Fact]
    public async Task A_refund_not_paid_within_two_days_expires()
    {
        await using var host = await FlowTestHost.StartAsync(RefundFlow.Definition);
        await host.SendAsync(RefundFlow.Ports.RefundRequested, new RefundRequested("r-1", 120m));

        await host.AdvanceAsync(TimeSpan.FromDays(2));

        FlowAssert.Status(await host.GetAsync(RefundFlow.Definition, "r-1"), ExecutionStatus.TimedOut);
        Assert.Equal("r-1", host.Messages.SingleOf(ExecutionEnded.Port("refunds.expired")).ExecutionId);
    }

    [Fact]
    public async Task The_execution_data_is_read_without_a_cast()
    {
        await using var host = await FlowTestHost.StartAsync(RefundFlow.Definition);
        await host.SendAsync(RefundFlow.Ports.RefundRequested, new RefundRequested("r-1", 20m));

        var execution = (await host.GetAsync(RefundFlow.Definition, "r-1")).Execution();

        Assert.Equal(ExecutionStatus.Waiting, execution.Status);
        Assert.Equal(host.Messages.SingleOf(RefundFlow.Ports.PayoutRequested).TaskId, execution.PendingTaskId);
        Assert.Equal(host.Now + TimeSpan.FromDays(2), execution.Deadline);
        Assert.Equal(1, execution.Rules["AutoApprove"].Firings);
    }

    // ---- Injected faults ----

    [Fact]
    public async Task A_write_conflict_makes_the_runtime_evaluate_again_and_commit_once()
    {
        await using var host = await FlowTestHost.StartAsync(RefundFlow.Definition);
        await host.SendAsync(RefundFlow.Ports.RefundRequested, new RefundRequested("r-1", 120m));

        host.Store.ConflictNextUpdates(1);
        await host.SendAsync(RefundFlow.Ports.RefundApproved, new RefundApproved("r-1", "dana"));

        Assert.Equal(1, host.Store.Conflicts);
        FlowAssert.Fired(await host.GetAsync(RefundFlow.Definition, "r-1"), "Request", "Approve", "PayOut");
    }

    [Fact]
    public async Task A_store_outage_is_reported_and_the_message_is_delivered_again()
    {
        await using var host = await FlowTestHost.StartAsync(RefundFlow.Definition);
        await host.SendAsync(RefundFlow.Ports.RefundRequested, new RefundRequested("r-1", 120m));

        host.Store.FailNext(StateStoreOperation.Update);
        var failure = await Assert.ThrowsAsync<FlowTestFailureException>(() => host.SendAsync(RefundFlow.Ports.RefundApproved, new RefundApproved("r-1", "dana")));

        Assert.IsType<IOException>(Assert.Single(failure.Errors).Exception);
        FlowAssert.Fired(await host.GetAsync(RefundFlow.Definition, "r-1"), "Request", "Approve", "PayOut");
    }

    [Fact]
    public async Task A_redelivered_approval_takes_effect_once()
    {
        await using var host = await FlowTestHost.StartAsync(RefundFlow.Definition);
        await host.SendAsync(RefundFlow.Ports.RefundRequested, new RefundRequested("r-1", 120m));

        host.Transport.RedeliverNext(new SubjectPattern("refunds.approved"));
        await host.SendAsync(RefundFlow.Ports.RefundApproved, new RefundApproved("r-1", "dana"));

        Assert.Equal(1, host.Transport.Redeliveries);
        FlowAssert.Fired(await host.GetAsync(RefundFlow.Definition, "r-1"), "Request", "Approve", "PayOut");
    }

    // ---- One rule at a time, no runtime ----

    [Fact]
    public void RunOnce_reports_what_one_message_does()
    {
        var refund = RefundFlow.Definition.Start("r-1", Now);

        var run = RefundFlow.Definition.RunOnce(refund, new RefundRequested("r-1", 120m), Now, rule: "Request");

        Assert.Equal(["Amount"], run.Mutations.Select(m => m.Member));
        Assert.Equal(120m, run.State.Amount);
        Assert.Equal(0m, refund.Amount);
        Assert.Equal((RefundPhase.Requested, ExecutionStatus.Running), (run.State.Phase, run.Status));
        Assert.Empty(run.Outputs);
    }

    [Fact]
    public void RunOnce_reports_what_one_state_change_does()
    {
        var refund = RefundFlow.Definition.Start("r-1", Now);
        refund.Amount = 20m;

        var run = RefundFlow.Definition.RunOnce(refund, Now, rule: "AutoApprove");

        Assert.Equal(("Requested", "Approved"), (run.PhaseBefore, run.Phase));
        Assert.Equal("auto", run.State.ApprovedBy);
        Assert.Equal("approved automatically: 20", run.Output(RefundRules.Audit).Note);
    }

    [Fact]
    public void Fire_and_FireChain_run_a_message_and_the_state_rules_it_sets_off()
    {
        var refund = RefundFlow.Definition.Start("r-1", Now);

        RefundFlow.Definition.Fire(refund, new RefundRequested("r-1", 20m), Now);
        var chain = RefundFlow.Definition.FireChain(refund, Now);

        Assert.Equal(["AutoApprove", "PayOut"], chain.Select(f => f.Rule!.Name));
        Assert.Equal(ExecutionStatus.Waiting, refund.Status);
    }
}
