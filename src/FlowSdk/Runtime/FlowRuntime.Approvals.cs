namespace FlowSdk;

/// <summary>Human approval: approve, reject and list the requests of rules that require approval (<see cref="RequiresApprovalAttribute"/>).</summary>
public sealed partial class FlowRuntime
{
    /// <summary>
    /// Approves the rule a WaitingForApproval execution waits on. A compare-and-set write of the execution
    /// (who, when and why go into the timeline), from any process, like the other controls; a host of the
    /// flow then evaluates the rule again on the execution as it is and applies it, or, when it no longer
    /// matches, records that it did not apply and why.
    /// </summary>
    /// <param name="flow">The flow.</param>
    /// <param name="executionId">The execution id.</param>
    /// <param name="by">Who approves, recorded in the timeline; <see cref="ExecutionControl.DefaultBy"/> when <see langword="null"/>.</param>
    /// <param name="reason">Why, recorded in the timeline.</param>
    /// <param name="cancellationToken">Cancels the control before its write.</param>
    /// <returns>The execution's status before and after (still WaitingForApproval until a host applies the rule).</returns>
    /// <exception cref="ExecutionControlException">No such execution, it waits for no approval, or its request was decided already.</exception>
    public Task<ExecutionControlResult> ApproveAsync(FlowDefinition flow, string executionId, string? by = null, string? reason = null, CancellationToken cancellationToken = default)
        => ExecutionControl.ApplyAsync(Store, flow, executionId, ExecutionControlAction.Approve, by, reason, TimeProvider, cancellationToken);

    /// <summary>
    /// Rejects the rule a WaitingForApproval execution waits on: it does not apply, the execution runs
    /// again, and its <see cref="ExecutionInfo.LastApproval"/> says who rejected it and why, so the flow's
    /// rules can take the rejected path.
    /// </summary>
    /// <param name="flow">The flow.</param>
    /// <param name="executionId">The execution id.</param>
    /// <param name="by">Who rejects, recorded in the timeline.</param>
    /// <param name="reason">Why, recorded in the timeline and in <see cref="ApprovalDecision.Reason"/>.</param>
    /// <param name="cancellationToken">Cancels the control before its write.</param>
    /// <returns>The execution's status before and after.</returns>
    /// <exception cref="ExecutionControlException">No such execution, it waits for no approval, or its request was decided already.</exception>
    public Task<ExecutionControlResult> RejectAsync(FlowDefinition flow, string executionId, string? by = null, string? reason = null, CancellationToken cancellationToken = default)
        => ExecutionControl.ApplyAsync(Store, flow, executionId, ExecutionControlAction.Reject, by, reason, TimeProvider, cancellationToken);

    /// <summary>Lists the approval requests of <paramref name="flow"/> that wait for a decision, oldest first.</summary>
    /// <param name="flow">The flow.</param>
    /// <param name="rule">Only requests for this rule; all when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the listing.</param>
    /// <returns>The pending requests.</returns>
    /// <exception cref="ArgumentException"><paramref name="rule"/> names no rule of the flow that requires approval (a typo would list nothing).</exception>
    public Task<IReadOnlyList<PendingApproval>> ListApprovalsAsync(FlowDefinition flow, string? rule = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flow);
        if (rule is not null && Approvals.IsNoApprovalRule(flow, rule, out var approval))
        {
            throw new ArgumentException($"No rule '{rule}' of flow '{flow.Id}' requires approval; {(approval.Count == 0 ? "none of its rules does" : "those that do: " + string.Join(", ", approval))}.", nameof(rule));
        }

        return Approvals.ListAsync(Store, flow, rule, cancellationToken);
    }
}
