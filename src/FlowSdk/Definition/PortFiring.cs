using System.ComponentModel;

namespace FlowSdk.Internal;

/// <summary>
/// What a generated port's firing (<see cref="PortDispatcher{TState, TMessage}.Fire"/>) calls besides the steps of
/// its rules (<see cref="Rule{TState, TMessage}"/>): the thread's context, the state gate, the result of no firing.
/// The same code <see cref="FlowDefinition{TState}.Fire{TMessage}"/> runs for a port without a generated firing.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PortFiring
{
    /// <summary>The result of a message that fired nothing.</summary>
    public static FiringResult None => FiringResult.None;

    /// <summary>Takes this thread's rule context for a firing; give it back with <see cref="Return"/>, in a <c>finally</c>.</summary>
    /// <returns>The context, its outbox empty.</returns>
    public static RuleContext Take() => FiringScratch.Take();

    /// <summary>Gives back the context <see cref="Take"/> gave, its outbox emptied.</summary>
    /// <param name="context">The context.</param>
    public static void Return(RuleContext context) => FiringScratch.Return(context);

    /// <summary>Makes the context new for the evaluation of the next rule (the outbox is the firing's and stays as it is).</summary>
    /// <param name="context">The firing's context.</param>
    /// <param name="now">The time of the event.</param>
    /// <param name="executionId">The execution's id for a rule that reads the state; <see langword="null"/> for a message-only rule.</param>
    /// <param name="flow">The flow.</param>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static void Reset(RuleContext context, DateTimeOffset now, string? executionId, FlowDefinition flow) => context.Reset(now, executionId, flow.Id);

    /// <summary>
    /// Whether nothing keeps the rules that read the state from firing, in the plain case (the execution runs, has no
    /// deadline and the message is no reply); otherwise ask <see cref="Stopped{TState}"/>.
    /// </summary>
    /// <param name="execution">The execution's bookkeeping.</param>
    /// <param name="taskId">The message's task id when it is a reply; otherwise <see langword="null"/>.</param>
    /// <returns><see langword="true"/> when the rules are evaluated as usual.</returns>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static bool IsOpen(ExecutionInfo execution, string? taskId)
        => execution.Status == ExecutionStatus.Running && taskId is null && execution.Deadline is null;

    /// <summary>
    /// What the first rule that reads the state meets for an execution that is not simply running: <see langword="null"/>
    /// when the rules are evaluated as usual; otherwise the message's result: nothing fires (the execution ended, waits
    /// for approval or for another reply) or it times out (past its deadline), recorded.
    /// </summary>
    /// <typeparam name="TState">The flow's state class.</typeparam>
    /// <param name="flow">The flow.</param>
    /// <param name="execution">The execution's bookkeeping.</param>
    /// <param name="taskId">The message's task id when it is a reply; otherwise <see langword="null"/>.</param>
    /// <param name="now">The time of the event.</param>
    /// <param name="context">The firing's context, when it has one (the time-out's lifecycle event joins its outbox).</param>
    /// <returns><see langword="null"/>, or the result to return.</returns>
    public static FiringResult? Stopped<TState>(FlowDefinition<TState> flow, ExecutionInfo execution, string? taskId, DateTimeOffset now, RuleContext? context)
        where TState : class, IFlowState, new()
    {
        ArgumentNullException.ThrowIfNull(flow);
        return flow.Stopped(execution, taskId, now, context?.Outbox);
    }
}
