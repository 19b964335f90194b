namespace FlowSdk.Dashboard.Internal;

/// <summary>What a control verb is applied to: one execution (its flow and id) and who asked why.</summary>
internal sealed record ExecutionVerbRequest(FlowRuntime Runtime, FlowDefinition Flow, string ExecutionId, string? Reason, string Who);

/// <summary>What a flow verb is applied to, and who asked (a deployment record keeps who and when, not why).</summary>
internal sealed record FlowVerbRequest(FlowRuntime Runtime, FlowDefinition Flow, string Who);

/// <summary>
/// A verb the dashboard offers on an execution (pause, resume, cancel, retry...). <see cref="Refusal"/>
/// says why the verb does not apply to the execution as it is now (the button is disabled with that
/// reason), or <see langword="null"/> when it does; <see cref="ApplyAsync"/> runs it and returns what
/// happened, in words. An <see cref="InvalidOperationException"/> or <see cref="ArgumentException"/>
/// it throws (a transition that became invalid meanwhile) is answered with 409 and its message.
/// </summary>
internal sealed record ExecutionVerb(
    string Verb,
    string Label,
    Func<ExecutionInfo, string?> Refusal,
    Func<ExecutionVerbRequest, CancellationToken, Task<string>> ApplyAsync);

/// <summary>
/// A verb the dashboard offers on a flow (deploy, start, stop, undeploy), like <see cref="ExecutionVerb"/>:
/// <see cref="Refusal"/> says why it does not apply to the flow's deployment record as it is now
/// (<see langword="null"/> when there is none: NotDeployed).
/// </summary>
internal sealed record FlowVerb(
    string Verb,
    string Label,
    Func<FlowDefinition, DeploymentRecord?, string?> Refusal,
    Func<FlowVerbRequest, CancellationToken, Task<string>> ApplyAsync);

/// <summary>
/// The verbs the dashboard offers: one line each. The endpoints, the token and anti-forgery checks,
/// the confirmation dialog, the disabled state with its reason and the result shown all come from
/// the dashboard's plumbing (docs/dashboard.md).
/// </summary>
internal sealed class DashboardControls
{
    /// <summary>The verbs of the runtime this build has.</summary>
    public static DashboardControls Default => new(
        execution:
        [
            Control(ExecutionControlAction.Pause, "Pause"),
            Control(ExecutionControlAction.Resume, "Resume"),
            Control(ExecutionControlAction.Cancel, "Cancel"),
            Control(ExecutionControlAction.Retry, "Retry"),
            Decision(ExecutionControlAction.Approve, "Approve"),
            Decision(ExecutionControlAction.Reject, "Reject"),
        ],
        flow:
        [
            Deployment(DeploymentAction.Deploy, "Deploy", (r, c) => r.Runtime.DeployAsync(r.Flow, force: false, r.Who, c)),
            Deployment(DeploymentAction.Start, "Start", (r, c) => r.Runtime.StartFlowAsync(r.Flow, r.Who, c)),
            Deployment(DeploymentAction.Stop, "Stop", (r, c) => r.Runtime.StopFlowAsync(r.Flow, r.Who, c)),
            Deployment(DeploymentAction.Undeploy, "Undeploy", (r, c) => r.Runtime.UndeployAsync(r.Flow, r.Who, c)),
        ]);

    public DashboardControls(IEnumerable<ExecutionVerb> execution, IEnumerable<FlowVerb> flow)
    {
        Execution = [.. execution];
        Flow = [.. flow];
    }

    public IReadOnlyList<ExecutionVerb> Execution { get; }

    public IReadOnlyList<FlowVerb> Flow { get; }

    /// <summary>
    /// An execution control of the runtime (<see cref="FlowSdk.ExecutionControl"/>): disabled with the
    /// runtime's own refusal text, applied with the same compare-and-set write as the command line's verb.
    /// </summary>
    private static ExecutionVerb Control(ExecutionControlAction action, string label) => new(
        action.ToString().ToLowerInvariant(),
        label,
        info => FlowSdk.ExecutionControl.Refusal(action, info.Status),
        async (request, cancellationToken) =>
        {
            var result = await FlowSdk.ExecutionControl.ApplyAsync(request.Runtime.Store, request.Flow, request.ExecutionId, action, request.Who, request.Reason, request.Runtime.TimeProvider, cancellationToken).ConfigureAwait(false);
            return $"Execution {result.ExecutionId} of flow {result.Flow}: {result.Before} → {result.After}.";
        });

    /// <summary>
    /// Approve or reject the request a WaitingForApproval execution waits on (<see cref="FlowRuntime.ApproveAsync"/>):
    /// disabled with the runtime's refusal for the status, or because the request was decided already
    /// and a host has not applied the decision yet. A decision made meanwhile by another operator is the
    /// runtime's <see cref="ExecutionControlException"/>, answered 409 with its text.
    /// </summary>
    private static ExecutionVerb Decision(ExecutionControlAction action, string label) => new(
        action.ToString().ToLowerInvariant(),
        label,
        info => FlowSdk.ExecutionControl.Refusal(action, info.Status)
            ?? (info.PendingApproval?.Decision is { } decided
                ? $"its request {decided.RequestId} was already {(decided.Approved ? "approved" : "rejected")} by {decided.By} at {decided.At:O}"
                : null),
        async (request, cancellationToken) =>
        {
            var result = action == ExecutionControlAction.Approve
                ? await request.Runtime.ApproveAsync(request.Flow, request.ExecutionId, request.Who, request.Reason, cancellationToken).ConfigureAwait(false)
                : await request.Runtime.RejectAsync(request.Flow, request.ExecutionId, request.Who, request.Reason, cancellationToken).ConfigureAwait(false);
            var decided = action == ExecutionControlAction.Approve ? "approved" : "rejected";
            return $"Execution {result.ExecutionId} of flow {result.Flow}: {decided}; a host of the flow applies the decision.";
        });

    /// <summary>
    /// A deployment verb of the runtime (<see cref="FlowRuntime.DeployAsync"/> and the others): disabled
    /// with the runtime's own refusal text for the flow's deployment state, applied with the same
    /// compare-and-set write of the deployment record as the command line's verb.
    /// </summary>
    private static FlowVerb Deployment(DeploymentAction action, string label, Func<FlowVerbRequest, CancellationToken, Task<DeploymentChange>> apply) => new(
        action.ToString().ToLowerInvariant(),
        label,
        (flow, record) => FlowDeployments.Refusal(flow.Id, action, record?.State ?? DeploymentState.NotDeployed),
        async (request, cancellationToken) =>
        {
            var change = await apply(request, cancellationToken).ConfigureAwait(false);
            return $"Flow {change.Flow}: {change.Before} → {change.Record.State} (version {change.Record.Version}).";
        });
}
