namespace FlowSdk;

/// <summary>Where an execution stands. Completed, Failed, Escalated, TimedOut and Cancelled are terminal; Running, Waiting, Paused and WaitingForApproval are not: no rule fires again.</summary>
public enum ExecutionStatus
{
    /// <summary>The execution reacts to its messages and state changes.</summary>
    Running = 0,

    /// <summary>The execution waits for a reply to a message it published.</summary>
    Waiting = 1,

    /// <summary>The execution reached a terminal phase.</summary>
    Completed = 2,

    /// <summary>A rule failed the execution, or a rule threw.</summary>
    Failed = 3,

    /// <summary>The execution needs a person: a limit was exceeded or a rule escalated.</summary>
    Escalated = 4,

    /// <summary>The execution passed its deadline.</summary>
    TimedOut = 5,

    /// <summary>
    /// An operator paused the execution: no rule fires, its messages are kept (parked) and its deadline
    /// waits until it is resumed. Not terminal.
    /// </summary>
    Paused = 6,

    /// <summary>An operator cancelled the execution: terminal, the timeline says who and why.</summary>
    Cancelled = 7,

    /// <summary>
    /// A rule that requires approval (<see cref="RequiresApprovalAttribute"/>) would fire: the execution waits
    /// for a person to approve or reject it (<see cref="ExecutionInfo.PendingApproval"/>). No rule fires
    /// meanwhile, its messages are kept, its deadline still applies. Not terminal.
    /// </summary>
    WaitingForApproval = 8,
}

/// <summary>Extension methods for <see cref="ExecutionStatus"/>.</summary>
public static class ExecutionStatusExtensions
{
    /// <summary>Whether an execution in this status is finished: no rule fires for it again.</summary>
    public static bool IsTerminal(this ExecutionStatus status) => status is ExecutionStatus.Completed
        or ExecutionStatus.Failed
        or ExecutionStatus.Escalated
        or ExecutionStatus.TimedOut
        or ExecutionStatus.Cancelled;
}
