using System.ComponentModel;

namespace FlowSdk;

/// <summary>
/// Implemented by the generator on every class marked with <c>[Flow]</c>; it gives the runtime the
/// execution's bookkeeping. Not meant to be implemented by hand.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IFlowState
{
    /// <summary>The execution's bookkeeping.</summary>
    ExecutionInfo Execution { get; }
}
