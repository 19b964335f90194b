namespace FlowSdk;

/// <summary>Human approval through the typed client.</summary>
public abstract partial class FlowClient<TState>
{
    /// <summary>Approves the rule the execution waits on (see <see cref="FlowRuntime.ApproveAsync"/>).</summary>
    /// <param name="executionId">The execution id.</param>
    /// <param name="by">Who approves, recorded in the timeline.</param>
    /// <param name="reason">Why, recorded in the timeline.</param>
    /// <param name="cancellationToken">Cancels the control before its write.</param>
    /// <returns>The execution's status before and after.</returns>
    public Task<ExecutionControlResult> ApproveAsync(string executionId, string? by = null, string? reason = null, CancellationToken cancellationToken = default)
        => Runtime.ApproveAsync(Flow, executionId, by, reason, cancellationToken);

    /// <summary>Rejects the rule the execution waits on (see <see cref="FlowRuntime.RejectAsync"/>).</summary>
    /// <param name="executionId">The execution id.</param>
    /// <param name="by">Who rejects, recorded in the timeline.</param>
    /// <param name="reason">Why, recorded in the timeline.</param>
    /// <param name="cancellationToken">Cancels the control before its write.</param>
    /// <returns>The execution's status before and after.</returns>
    public Task<ExecutionControlResult> RejectAsync(string executionId, string? by = null, string? reason = null, CancellationToken cancellationToken = default)
        => Runtime.RejectAsync(Flow, executionId, by, reason, cancellationToken);

    /// <summary>Lists the flow's approval requests that wait for a decision (see <see cref="FlowRuntime.ListApprovalsAsync"/>).</summary>
    /// <param name="rule">Only requests for this rule; all when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the listing.</param>
    /// <returns>The pending requests, oldest first.</returns>
    public Task<IReadOnlyList<PendingApproval>> ListApprovalsAsync(string? rule = null, CancellationToken cancellationToken = default)
        => Runtime.ListApprovalsAsync(Flow, rule, cancellationToken);
}
