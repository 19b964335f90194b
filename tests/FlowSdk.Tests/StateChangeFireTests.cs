using FlowSdk.Semantics.Flows;

namespace FlowSdk.Tests;

/// <summary>
/// <c>Definition.FireStateChange</c> and <c>FireChain</c>: state-only rules and their chains in memory, bounded as
/// the runtime bounds them; and <c>Fire</c> honouring a waiting execution's task id and a deadline as the runtime does.
/// </summary>
public sealed class StateChangeFireTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_state_change_fires_the_first_state_rule_that_passes_and_records_a_state_trigger()
    {
        var ticket = TicketFlow.Definition.Start("t-1", Now);
        TicketFlow.Definition.Fire(ticket, new TicketOpened("t-1", Priority: 2), Now);

        var firing = TicketFlow.Definition.FireStateChange(ticket, Now);

        Assert.Equal("Lookup", firing.Rule!.Name);
        var request = TicketFlow.Ports.OwnerLookup.Deserialize(Assert.Single(firing.Messages).Payload);
        Assert.Equal(ticket.Execution().PendingTaskId, request.TaskId);
        Assert.Equal(ExecutionStatus.Waiting, ticket.Status);
        Assert.Equal(new TimelineEntry(Now, "Lookup", TriggerKind.State, "ticket.t-1", RuleAction.Publish, "Triaged", "Assigned", 1), ticket.Timeline[^1]);
    }

    [Fact]
    public void A_waiting_execution_fires_no_state_rule_and_only_the_reply_with_its_task_id_lets_it_run_on()
    {
        var ticket = TicketFlow.Definition.Start("t-1", Now);
        TicketFlow.Definition.Fire(ticket, new TicketOpened("t-1", Priority: 2), Now);
        Assert.Equal(["Lookup"], TicketFlow.Definition.FireChain(ticket, Now).Select(f => f.Rule!.Name));
        var taskId = ticket.Execution().PendingTaskId!;

        Assert.False(TicketFlow.Definition.FireStateChange(ticket, Now).Fired);
        Assert.False(TicketFlow.Definition.Fire(ticket, new OwnerFound("t-1.99", "mallory"), Now).Fired);
        Assert.False(TicketFlow.Definition.Fire(ticket, new TicketNudged("t-1"), Now).Fired);
        var reply = TicketFlow.Definition.Fire(ticket, new OwnerFound(taskId, "alice"), Now);
        var chain = TicketFlow.Definition.FireChain(ticket, Now);

        Assert.Equal("Assign", reply.Rule!.Name);
        Assert.Null(ticket.Execution().PendingTaskId);
        Assert.Equal(["Close"], chain.Select(f => f.Rule!.Name));
        Assert.Equal(ExecutionStatus.Completed, ticket.Status);
        Assert.Equal("alice", ticket.Owner);
        Assert.Equal(
            [("Triage", TriggerKind.MessageAndState), ("Lookup", TriggerKind.State), ("Assign", TriggerKind.MessageAndState), ("Close", TriggerKind.State)],
            ticket.Timeline.Select(e => (e.Rule, e.Trigger)));
    }

    [Fact]
    public void A_chain_that_keeps_its_own_condition_true_is_escalated_at_the_bound_as_in_the_runtime()
    {
        var ticket = TicketFlow.Definition.Start("t-1", Now);
        TicketFlow.Definition.Fire(ticket, new TicketOpened("t-1", Priority: 0, Runaway: true), Now);

        var chain = TicketFlow.Definition.FireChain(ticket, Now, maxChainedFirings: 5);

        Assert.Equal(6, chain.Count);
        Assert.Equal(5, ticket.Spins);
        Assert.Equal(ExecutionStatus.Escalated, ticket.Status);
        Assert.Contains("MaxChainedFirings is 5", ticket.StatusReason);
        Assert.Equal(RuleAction.Escalate, ticket.Timeline[^1].Action);
        var ended = ExecutionEnded.Port("test.tickets.ended.escalated").Deserialize(Assert.Single(chain[^1].Messages).Payload);
        Assert.Equal(ExecutionStatus.Escalated, ended.Status);
    }

    [Fact]
    public void A_message_resets_the_chain_count_as_in_the_runtime()
    {
        var ticket = TicketFlow.Definition.Start("t-1", Now);
        TicketFlow.Definition.Fire(ticket, new TicketOpened("t-1", Priority: 0, Runaway: true), Now);
        for (var i = 0; i < 4; i++)
        {
            TicketFlow.Definition.FireStateChange(ticket, Now, maxChainedFirings: 5);
        }

        TicketFlow.Definition.Fire(ticket, new TicketNudged("t-1"), Now);
        Assert.Equal(0, ticket.Execution().ChainedFirings);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("Spin", TicketFlow.Definition.FireStateChange(ticket, Now, maxChainedFirings: 5).Rule!.Name);
        }

        Assert.Equal(ExecutionStatus.Running, ticket.Status);
        Assert.Equal(9, ticket.Spins);
    }

    [Fact]
    public void An_execution_past_its_deadline_times_out_instead_of_firing()
    {
        var ticket = TicketFlow.Definition.Start("t-1", Now);
        TicketFlow.Definition.Fire(ticket, new TicketOpened("t-1", Priority: 0), Now);

        var late = TicketFlow.Definition.Fire(ticket, new TicketNudged("t-1"), Now.AddHours(1));

        Assert.False(late.Fired);
        Assert.Equal(0, ticket.Nudges);
        Assert.Equal(ExecutionStatus.TimedOut, ticket.Status);
        Assert.Equal(("Timeout", TriggerKind.Timer), (ticket.Timeline[^1].Rule, ticket.Timeline[^1].Trigger));
        Assert.Equal("test.tickets.ended.timedout", Assert.Single(late.Messages).Subject);
        Assert.False(TicketFlow.Definition.FireStateChange(ticket, Now.AddHours(2)).Fired);
    }

    [Fact]
    public void A_flow_without_state_rules_fires_nothing_on_a_state_change()
    {
        var order = OrderFlow.Definition.Start("o-1", Now);

        Assert.False(OrderFlow.Definition.FireStateChange(order, Now).Fired);
        Assert.Empty(OrderFlow.Definition.FireChain(order, Now));
        Assert.Throws<ArgumentOutOfRangeException>(() => OrderFlow.Definition.FireStateChange(order, Now, maxChainedFirings: 0));
    }

    [Fact]
    public void The_execution_accessor_reads_the_bookkeeping_without_a_cast()
    {
        var ticket = TicketFlow.Definition.Start("t-1", Now);
        TicketFlow.Definition.Fire(ticket, new TicketNudged("t-1"), Now);

        var execution = ticket.Execution();

        Assert.Same(((IFlowState)ticket).Execution, execution);
        Assert.Equal(Now + TimeSpan.FromHours(1), execution.Deadline);
        Assert.Equal(new RuleCounter(1, Now), execution.Rules["Nudge"]);
        Assert.Throws<ArgumentNullException>(() => FlowStateExtensions.Execution(null!));
    }
}
