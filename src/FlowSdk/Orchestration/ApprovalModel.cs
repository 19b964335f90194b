namespace FlowSdk;

/// <summary>What a rule declares about approval (<see cref="RequiresApprovalAttribute"/>), with the flow's defaults applied.</summary>
/// <param name="Policy">What happens when the rule would fire: <see cref="ApprovalPolicy.Ask"/>, <see cref="ApprovalPolicy.Approve"/> or <see cref="ApprovalPolicy.Deny"/>.</param>
/// <param name="Expires">How long a request waits for a decision before it is rejected as expired; <see langword="null"/> for no expiry.</param>
public sealed record ApprovalInfo(ApprovalPolicy Policy, TimeSpan? Expires = null);

/// <summary>
/// An approval request an execution waits on (<see cref="ExecutionStatus.WaitingForApproval"/>): the rule
/// that would have fired, and the message that made it, kept so the rule can be applied on approval.
/// </summary>
/// <param name="Id">The request id: <c>&lt;execution&gt;.approval.&lt;n&gt;</c>, unique within the execution.</param>
/// <param name="Rule">The rule's name.</param>
/// <param name="RequestedAt">When the rule would have fired.</param>
/// <param name="ExpiresAt">When the request is rejected as expired, or <see langword="null"/>.</param>
public sealed record ApprovalRequest(string Id, string Rule, DateTimeOffset RequestedAt, DateTimeOffset? ExpiresAt)
{
    /// <summary>The subject of the message that triggered the rule.</summary>
    internal string Subject { get; init; } = "";

    /// <summary>The bytes of the message that triggered the rule.</summary>
    internal byte[] Payload { get; init; } = [];

    /// <summary>The approval given, while the runtime has not applied the rule yet; <see langword="null"/> while undecided.</summary>
    public ApprovalDecision? Decision { get; internal init; }
}

/// <summary>A decision on an approval request, as an execution's <c>LastApproval</c> keeps it: rules read it to take the rejected path.</summary>
/// <param name="RequestId">The request's id.</param>
/// <param name="Rule">The rule the request was for.</param>
/// <param name="Approved">Whether it was approved (the rule applied, or was evaluated again and no longer matched).</param>
/// <param name="By">Who decided: the person given to approve/reject, <c>policy</c> for an automatic decision, <c>expiry</c> for an expired request.</param>
/// <param name="At">When.</param>
/// <param name="Reason">Why, as given; <c>expired</c> for an expired request.</param>
public sealed record ApprovalDecision(string RequestId, string Rule, bool Approved, string By, DateTimeOffset At, string? Reason);

/// <summary>An approval request waiting for a decision, as <see cref="FlowRuntime.ListApprovalsAsync"/> lists it.</summary>
/// <param name="Flow">The flow id.</param>
/// <param name="ExecutionId">The execution that waits.</param>
/// <param name="RequestId">The request id.</param>
/// <param name="Rule">The rule that waits for approval.</param>
/// <param name="RequestedAt">When it was requested.</param>
/// <param name="ExpiresAt">When it expires, or <see langword="null"/>.</param>
public sealed record PendingApproval(string Flow, string ExecutionId, string RequestId, string Rule, DateTimeOffset RequestedAt, DateTimeOffset? ExpiresAt);
