namespace FlowSdk;

/// <summary>Reads the execution bookkeeping of a flow's state.</summary>
public static class FlowStateExtensions
{
    /// <summary>
    /// The execution's own data, read-only: id, flow, phase, status and its reason, iteration,
    /// creation and update times, deadline, the task id it waits for, firings per rule and the
    /// timeline. The generated state class surfaces the most used of these as properties; this
    /// gives all of them, without a cast.
    /// </summary>
    /// <example>
    /// <code>
    /// var execution = ticket.Execution();
    /// Assert.Equal(ExecutionStatus.Waiting, execution.Status);
    /// Assert.StartsWith("t-1.", execution.PendingTaskId);
    /// Assert.Equal(2, execution.Rules["Nudge"].Firings);
    /// </code>
    /// </example>
    /// <param name="state">An execution's state: an instance of a class marked with <c>[Flow]</c>.</param>
    /// <returns>The execution's bookkeeping, the same object the runtime reads and writes.</returns>
    public static ExecutionInfo Execution(this IFlowState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Execution;
    }
}
