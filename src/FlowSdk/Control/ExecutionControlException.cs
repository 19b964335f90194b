namespace FlowSdk;

/// <summary>
/// An operator's control does not apply: the flow has no such execution, or the execution is in a
/// status the control cannot leave from (for example cancelling a Completed execution).
/// </summary>
public sealed class ExecutionControlException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="flow">The flow id.</param>
    /// <param name="executionId">The execution id.</param>
    /// <param name="action">The control that was asked for.</param>
    /// <param name="status">The execution's status, or <see langword="null"/> when it does not exist.</param>
    /// <param name="message">What was wrong.</param>
    public ExecutionControlException(string flow, string executionId, ExecutionControlAction action, ExecutionStatus? status, string message)
        : base(message)
    {
        Flow = flow;
        ExecutionId = executionId;
        Action = action;
        Status = status;
    }

    /// <summary>The flow id.</summary>
    public string Flow { get; }

    /// <summary>The execution id.</summary>
    public string ExecutionId { get; }

    /// <summary>The control that was asked for.</summary>
    public ExecutionControlAction Action { get; }

    /// <summary>The execution's status when the control was refused; <see langword="null"/> when the execution does not exist.</summary>
    public ExecutionStatus? Status { get; }
}
