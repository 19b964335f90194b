namespace FlowSdk;

/// <summary>
/// Makes a rule wait for a person's decision before it applies. When the rule would fire, the
/// execution parks instead (<see cref="ExecutionStatus.WaitingForApproval"/>) with a pending approval
/// request; <see cref="FlowRuntime.ApproveAsync"/> (or the <c>approve</c> command of a generated host)
/// applies the rule to the execution as it is then, evaluated again; <see cref="FlowRuntime.RejectAsync"/>
/// (or <c>approve --reject</c>) lets it pass: the rule does not apply, and the execution's
/// <c>LastApproval</c> says who rejected it and why, so another rule can take the rejected path.
/// Only rules triggered by a message and the execution (<c>(TState state, TMessage message)</c>) can
/// require approval.
/// </summary>
/// <example>
/// <code>
/// [Rule(From = RefundPhase.Requested, To = RefundPhase.Paid)]
/// [RequiresApproval(Expires = "1.00:00:00")]
/// public static RefundPaid Pay(Refund s, RefundRequested m) => new(s.Id, m.Amount);
///
/// [Rule(From = RefundPhase.Requested, To = RefundPhase.Refused)]
/// [When(nameof(Rejected))]
/// public static void Refuse(Refund s) { }
///
/// static bool Rejected(Refund s) => s.LastApproval is { Approved: false };
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class RequiresApprovalAttribute : Attribute
{
    /// <summary>What happens when the rule would fire; <see cref="ApprovalPolicy.Default"/> takes the flow's (<see cref="FlowAttribute{TPhase}.ApprovalPolicy"/>), which is <see cref="ApprovalPolicy.Ask"/> unless set.</summary>
    public ApprovalPolicy Policy { get; set; }

    /// <summary>
    /// How long a request waits for a decision, as a <see cref="TimeSpan"/> string (<c>"01:00:00"</c>);
    /// a request that is not decided in time is rejected with the reason <c>expired</c>.
    /// <see langword="null"/> takes the flow's (<see cref="FlowAttribute{TPhase}.ApprovalExpires"/>); no expiry when neither is set.
    /// </summary>
    public string? Expires { get; set; }
}

/// <summary>What the runtime does when a rule that requires approval (<see cref="RequiresApprovalAttribute"/>) would fire.</summary>
public enum ApprovalPolicy
{
    /// <summary>The flow's policy for a rule, <see cref="Ask"/> for a flow.</summary>
    Default = 0,

    /// <summary>Park the execution until a person approves or rejects (or the request expires).</summary>
    Ask = 1,

    /// <summary>Apply the rule at once; the timeline records it as auto-approved.</summary>
    Approve = 2,

    /// <summary>Reject at once: the rule does not apply, as if a person rejected it.</summary>
    Deny = 3,
}
