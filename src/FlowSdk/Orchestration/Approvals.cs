using FlowSdk.Runtime;
using FlowSdk.State;

namespace FlowSdk;

/// <summary>
/// The bookkeeping of human approval: requesting it when a rule that requires approval would fire,
/// deciding it (approve, reject, expiry, policy), and listing what waits. Every change is made to an
/// execution's <see cref="ExecutionInfo"/> and committed with the execution's state, so it holds on
/// every store and every host; decisions go through <see cref="ExecutionControl"/> like the other controls.
/// </summary>
public static class Approvals
{
    /// <summary>
    /// Whether <paramref name="rule"/> names no rule of <paramref name="flow"/> that requires approval;
    /// <paramref name="approvalRules"/> are those that do, in declaration order.
    /// </summary>
    internal static bool IsNoApprovalRule(FlowDefinition flow, string rule, out IReadOnlyList<string> approvalRules)
    {
        approvalRules = [.. flow.Rules.Where(static r => r.Approval is not null).Select(static r => r.Name)];
        return !approvalRules.Contains(rule, StringComparer.Ordinal);
    }

    /// <summary>Who a decision is recorded as coming from when the policy made it: <c>policy</c>.</summary>
    public const string PolicyBy = "policy";

    /// <summary>Who a request that expired is recorded as rejected by: <c>expiry</c>.</summary>
    public const string ExpiryBy = "expiry";

    /// <summary>The reason a request that expired is rejected with: <c>expired</c>.</summary>
    public const string ExpiredReason = "expired";

    /// <summary>The reason recorded for a rule the policy approved: <c>auto-approved</c>.</summary>
    public const string AutoApprovedReason = "auto-approved";

    /// <summary>The reason recorded for a rule the policy rejected: <c>denied by policy</c>.</summary>
    public const string DeniedReason = "denied by policy";

    /// <summary>Lists the approval requests of <paramref name="flow"/> that wait for a decision, oldest first.</summary>
    /// <param name="store">The state store the flow's executions live in.</param>
    /// <param name="flow">The flow.</param>
    /// <param name="rule">Only requests for this rule; all when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the listing.</param>
    /// <returns>The pending requests, ordered by when they were requested, then by execution id.</returns>
    public static async Task<IReadOnlyList<PendingApproval>> ListAsync(IStateStore store, FlowDefinition flow, string? rule = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(flow);
        var pending = new List<PendingApproval>();
        await foreach (var key in store.ListKeysAsync(flow.Id + ".", cancellationToken).ConfigureAwait(false))
        {
            var entry = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (entry is null)
            {
                continue;
            }

            var execution = flow.ReadExecution(entry.Value);
            if (execution.Status != ExecutionStatus.WaitingForApproval
                || execution.PendingApproval is not { Decision: null } request
                || (rule is not null && !string.Equals(rule, request.Rule, StringComparison.Ordinal)))
            {
                continue;
            }

            pending.Add(new PendingApproval(flow.Id, execution.Id, request.Id, request.Rule, request.RequestedAt, request.ExpiresAt));
        }

        pending.Sort((a, b) => a.RequestedAt != b.RequestedAt ? a.RequestedAt.CompareTo(b.RequestedAt) : string.CompareOrdinal(a.ExecutionId, b.ExecutionId));
        return pending;
    }

    /// <summary>
    /// Applies an approve or reject control to an execution's bookkeeping (see <see cref="ExecutionControl.Transition"/>).
    /// Approve records the decision in the request, for the hosts to apply the rule; reject ends the request.
    /// </summary>
    /// <exception cref="ExecutionControlException">The execution waits for no approval, or its request was decided already.</exception>
    internal static void Decide(FlowDefinition flow, ExecutionInfo execution, ExecutionControlAction action, string by, string? reason, DateTimeOffset now)
    {
        var past = action == ExecutionControlAction.Approve ? "approved" : "rejected";
        if (execution.Status != ExecutionStatus.WaitingForApproval || execution.PendingApproval is not { } request)
        {
            var why = execution.Status.IsTerminal()
                ? $"it has ended ({execution.Status})"
                : $"it waits for no approval (it is {execution.Status})";
            var last = execution.LastApproval is { } l
                ? $"; its last request, {l.RequestId} for rule {l.Rule}, was {(l.Approved ? "approved" : "rejected")} by {l.By} at {l.At:O}"
                : "";
            throw new ExecutionControlException(flow.Id, execution.Id, action, execution.Status, $"Execution '{execution.Id}' of flow '{flow.Id}' cannot be {past}: {why}{last}.");
        }

        if (request.Decision is { } decided)
        {
            throw new ExecutionControlException(flow.Id, execution.Id, action, execution.Status, $"Approval request {request.Id} (rule {request.Rule}) of execution '{execution.Id}' of flow '{flow.Id}' was already {(decided.Approved ? "approved" : "rejected")} by {decided.By} at {decided.At:O}: it cannot be {past} again.");
        }

        // The decision is recorded with the request; a host of the flow applies it (on the control's
        // wake-up, or when it starts): the approved rule evaluated again, or the rejection, after
        // which the state rules can take the rejected path.
        var approve = action == ExecutionControlAction.Approve;
        execution.PendingApproval = request with { Decision = new ApprovalDecision(request.Id, request.Rule, approve, by, now, reason) };
        execution.PublishedOnly = true; // nothing for state rules until a host applies it
        execution.UpdatedAt = now;
        execution.Append(new TimelineEntry(now, request.Rule, TriggerKind.Control, by, approve ? RuleAction.Approve : RuleAction.Reject, execution.Phase, execution.Phase, execution.Iteration) { Reason = reason });
    }

    /// <summary>Applies a rejection recorded by a control: the request ends, the execution runs again and keeps the decision as its last.</summary>
    internal static void ApplyRejected(ExecutionInfo execution, DateTimeOffset now)
    {
        var decision = execution.PendingApproval!.Decision!;
        execution.PendingApproval = null;
        execution.LastApproval = decision;
        execution.Status = execution.PendingTaskId is null ? ExecutionStatus.Running : ExecutionStatus.Waiting;
        execution.StatusReason = null;
        execution.UpdatedAt = now;
    }

    /// <summary>Parks the execution on a new approval request for <paramref name="rule"/>, triggered by the message on <paramref name="subject"/>.</summary>
    internal static ApprovalRequest Request(ExecutionInfo execution, RuleInfo rule, string subject, byte[] payload, DateTimeOffset now)
    {
        var request = new ApprovalRequest(NextId(execution), rule.Name, now, now + rule.Approval?.Expires) { Subject = subject, Payload = payload };
        execution.PendingApproval = request;
        execution.Status = ExecutionStatus.WaitingForApproval;
        execution.StatusReason = $"Rule '{rule.Name}' waits for approval (request {request.Id})";
        execution.UpdatedAt = now;
        var expires = request.ExpiresAt is { } at ? $", expires {at:O}" : "";
        execution.Append(new TimelineEntry(now, rule.Name, rule.Trigger, subject, RuleAction.RequestApproval, execution.Phase, execution.Phase, execution.Iteration) { Reason = $"approval requested ({request.Id}){expires}" });
        return request;
    }

    /// <summary>Records that the policy approved <paramref name="rule"/>: the rule's own firing follows in the timeline.</summary>
    internal static void AutoApprove(ExecutionInfo execution, RuleInfo rule, DateTimeOffset now)
    {
        var id = NextId(execution);
        execution.LastApproval = new ApprovalDecision(id, rule.Name, true, PolicyBy, now, AutoApprovedReason);
        execution.Append(new TimelineEntry(now, rule.Name, TriggerKind.Control, PolicyBy, RuleAction.Approve, execution.Phase, execution.Phase, execution.Iteration) { Reason = AutoApprovedReason });
    }

    /// <summary>Records that the policy rejected <paramref name="rule"/>: it does not apply.</summary>
    internal static void Deny(ExecutionInfo execution, RuleInfo rule, DateTimeOffset now)
        => Reject(execution, NextId(execution), rule.Name, PolicyBy, DeniedReason, now, TriggerKind.Control);

    /// <summary>Rejects the pending request as expired.</summary>
    internal static void Expire(ExecutionInfo execution, ApprovalRequest request, DateTimeOffset now)
        => Reject(execution, request.Id, request.Rule, ExpiryBy, ExpiredReason, now, TriggerKind.Timer);

    /// <summary>The approved request is being applied: the execution runs again and keeps the decision as its last.</summary>
    internal static ApprovalDecision TakeApproved(ExecutionInfo execution)
    {
        var decision = execution.PendingApproval!.Decision!;
        execution.PendingApproval = null;
        execution.LastApproval = decision;
        execution.Status = execution.PendingTaskId is null ? ExecutionStatus.Running : ExecutionStatus.Waiting;
        execution.StatusReason = null;
        return decision;
    }

    /// <summary>The approved rule no longer matched: the execution runs again, the timeline says the rule did not apply and why.</summary>
    internal static void Void(ExecutionInfo execution, string why, DateTimeOffset now)
    {
        var decision = TakeApproved(execution);
        execution.PublishedOnly = false;
        execution.UpdatedAt = now;
        execution.Append(new TimelineEntry(now, decision.Rule, TriggerKind.Control, decision.By, RuleAction.ApprovalVoid, execution.Phase, execution.Phase, execution.Iteration)
        {
            Reason = $"approved by {decision.By}, but the rule no longer matches ({why}): it did not apply",
        });
    }

    /// <summary>When the runtime has to act on the execution's request: at once when it was approved, else when it expires.</summary>
    internal static DateTimeOffset? Due(ExecutionInfo execution) => execution.Status != ExecutionStatus.WaitingForApproval || execution.PendingApproval is not { } request
        ? null
        : request.Decision is { } decision ? decision.At : request.ExpiresAt;

    private static void Reject(ExecutionInfo execution, string requestId, string rule, string by, string? reason, DateTimeOffset now, TriggerKind trigger)
    {
        execution.PendingApproval = null;
        execution.LastApproval = new ApprovalDecision(requestId, rule, false, by, now, reason);
        if (execution.Status == ExecutionStatus.WaitingForApproval)
        {
            execution.Status = execution.PendingTaskId is null ? ExecutionStatus.Running : ExecutionStatus.Waiting;
            execution.StatusReason = null;
        }

        execution.UpdatedAt = now;
        execution.Append(new TimelineEntry(now, rule, trigger, by, RuleAction.Reject, execution.Phase, execution.Phase, execution.Iteration) { Reason = reason });
    }

    private static string NextId(ExecutionInfo execution) => $"{execution.Id}.approval.{execution.Timeline.Count + 1}";
}
