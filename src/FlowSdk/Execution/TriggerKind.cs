namespace FlowSdk;

/// <summary>What makes a rule fire.</summary>
public enum TriggerKind
{
    /// <summary>A message on a subject; no execution is loaded.</summary>
    Message = 0,

    /// <summary>A committed change of an execution's state.</summary>
    State = 1,

    /// <summary>A message plus the execution its correlation key names.</summary>
    MessageAndState = 2,

    /// <summary>A time the runtime keeps for the execution came due: its deadline.</summary>
    Timer = 3,

    /// <summary>An operator's control: pause, resume, cancel, retry, approve or reject (see <see cref="ExecutionControlAction"/>).</summary>
    Control = 4,
}

/// <summary>What a firing did.</summary>
public enum RuleAction
{
    /// <summary>Changed the state and published nothing.</summary>
    Mutate = 0,

    /// <summary>Changed the state and published a message.</summary>
    Publish = 1,

    /// <summary>Moved the execution to a terminal phase.</summary>
    Complete = 2,

    /// <summary>Escalated the execution.</summary>
    Escalate = 3,

    /// <summary>Failed the execution.</summary>
    Fail = 4,

    /// <summary>An operator paused the execution.</summary>
    Pause = 5,

    /// <summary>An operator resumed the paused execution.</summary>
    Resume = 6,

    /// <summary>An operator cancelled the execution.</summary>
    Cancel = 7,

    /// <summary>An operator retried the failed or timed-out execution from its last committed state.</summary>
    Retry = 8,

    /// <summary>A rule that requires approval would have fired: the execution waits for a decision.</summary>
    RequestApproval = 9,

    /// <summary>A person (or the policy) approved the rule waiting for approval.</summary>
    Approve = 10,

    /// <summary>A person (or the policy, or the request's expiry) rejected the rule waiting for approval: it did not apply.</summary>
    Reject = 11,

    /// <summary>The approved rule was evaluated again and no longer matched the execution: it did not apply.</summary>
    ApprovalVoid = 12,
}
