namespace FlowSdk;

/// <summary>
/// The status change a state write makes to one execution, handed to the state store with the write
/// so that it updates the flow's progress counters in the same transaction (see <see cref="FlowProgress"/>).
/// </summary>
/// <param name="Flow">The flow id.</param>
/// <param name="Before">The status in the revision the write replaces; <see langword="null"/> when the write creates the execution.</param>
/// <param name="After">The status the write stores; <see langword="null"/> when the write removes the execution.</param>
public readonly record struct StatusChange(string Flow, ExecutionStatus? Before, ExecutionStatus? After)
{
    /// <summary>Whether the counters move: a creation, a removal, or a new status.</summary>
    public bool Moves => Before != After;
}
