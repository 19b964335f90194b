namespace FlowSdk.Dashboard.Internal;

/// <summary>What a control verb is applied to: one execution (its flow and id) and who asked why.</summary>
internal sealed record ExecutionControlRequest(FlowRuntime Runtime, FlowDefinition Flow, string ExecutionId, string? Reason, string Who);

/// <summary>What a flow verb is applied to.</summary>
internal sealed record FlowControlRequest(FlowRuntime Runtime, FlowDefinition Flow, string? Reason, string Who);

/// <summary>
/// A verb the dashboard offers on an execution (pause, resume, cancel, retry...). <see cref="Refusal"/>
/// says why the verb does not apply to the execution as it is now (the button is disabled with that
/// reason), or <see langword="null"/> when it does; <see cref="ApplyAsync"/> runs it and returns what
/// happened, in words. An <see cref="InvalidOperationException"/> or <see cref="ArgumentException"/>
/// it throws (a transition that became invalid meanwhile) is answered with 409 and its message.
/// </summary>
internal sealed record ExecutionControl(
    string Verb,
    string Label,
    Func<ExecutionInfo, string?> Refusal,
    Func<ExecutionControlRequest, CancellationToken, Task<string>> ApplyAsync);

/// <summary>A verb the dashboard offers on a flow (deploy, start, stop, undeploy...), like <see cref="ExecutionControl"/>.</summary>
internal sealed record FlowControl(
    string Verb,
    string Label,
    Func<FlowControlRequest, CancellationToken, Task<string?>> RefusalAsync,
    Func<FlowControlRequest, CancellationToken, Task<string>> ApplyAsync);

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
        ],
        flow:
        [
        ]);

    public DashboardControls(IEnumerable<ExecutionControl> execution, IEnumerable<FlowControl> flow)
    {
        Execution = [.. execution];
        Flow = [.. flow];
    }

    public IReadOnlyList<ExecutionControl> Execution { get; }

    public IReadOnlyList<FlowControl> Flow { get; }
}
