namespace FlowSdk;

/// <summary>What an operator does to one execution (see <see cref="FlowRuntime.PauseAsync"/> and its siblings).</summary>
public enum ExecutionControlAction
{
    /// <summary>Stop firing rules for a Running or Waiting execution; its messages are kept and its deadline waits.</summary>
    Pause = 0,

    /// <summary>Let a Paused execution run again: its kept messages are handled in order, a deadline that passed fires.</summary>
    Resume = 1,

    /// <summary>End a Running, Waiting or Paused execution for good (<see cref="ExecutionStatus.Cancelled"/>).</summary>
    Cancel = 2,

    /// <summary>Run a Failed or TimedOut execution again from its last committed state.</summary>
    Retry = 3,

    /// <summary>Approve the rule a WaitingForApproval execution waits on: the rule is evaluated again on the execution as it is, and applies if it still matches.</summary>
    Approve = 4,

    /// <summary>Reject the rule a WaitingForApproval execution waits on: it does not apply, the execution runs again and its <c>LastApproval</c> says who rejected it and why.</summary>
    Reject = 5,
}
