namespace FlowSdk.Dashboard.Internal;

/// <summary>What a control verb is applied to: one execution (its flow and id) and who asked why.</summary>
internal sealed record ExecutionVerbRequest(FlowRuntime Runtime, FlowDefinition Flow, string ExecutionId, string? Reason, string Who);

/// <summary>What a flow verb is applied to.</summary>
internal sealed record FlowVerbRequest(FlowRuntime Runtime, FlowDefinition Flow, string? Reason, string Who);

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

/// <summary>A verb the dashboard offers on a flow (deploy, start, stop, undeploy...), like <see cref="ExecutionVerb"/>.</summary>
internal sealed record FlowVerb(
    string Verb,
    string Label,
    Func<FlowVerbRequest, CancellationToken, Task<string?>> RefusalAsync,
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
        ],
        flow:
        [
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
}
