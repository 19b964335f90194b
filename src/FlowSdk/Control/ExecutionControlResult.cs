namespace FlowSdk;

/// <summary>The outcome of an operator's control on one execution.</summary>
/// <param name="Flow">The flow id.</param>
/// <param name="ExecutionId">The execution id.</param>
/// <param name="Action">The control.</param>
/// <param name="Before">The execution's status before the control; <see langword="null"/> when it does not exist.</param>
/// <param name="After">The execution's status after the control; equal to <paramref name="Before"/> when it was refused.</param>
/// <param name="Error">Why the control was refused (bulk controls report refusals here instead of throwing); <see langword="null"/> when it was applied.</param>
public sealed record ExecutionControlResult(string Flow, string ExecutionId, ExecutionControlAction Action, ExecutionStatus? Before, ExecutionStatus? After, string? Error)
{
    /// <summary>Whether the control was applied.</summary>
    public bool Applied => Error is null;
}
