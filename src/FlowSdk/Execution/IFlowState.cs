namespace FlowSdk;

/// <summary>
/// Implemented by the generator on every class marked with <c>[Flow]</c>; it gives the runtime the
/// execution's bookkeeping. Not meant to be implemented by hand, but user code names it: it is the
/// constraint of every flow state type parameter (<see cref="FlowClient{TState}"/>, generic helpers).
/// </summary>
public interface IFlowState
{
    /// <summary>The execution's bookkeeping.</summary>
    ExecutionInfo Execution { get; }
}
