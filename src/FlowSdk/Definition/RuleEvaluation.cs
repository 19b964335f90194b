namespace FlowSdk;

/// <summary>Why a rule did or did not fire for one event: what <c>Explain</c> returns and the runtime logs at Debug.</summary>
/// <param name="Rule">The rule.</param>
/// <param name="Fired">Whether it fired (or, from <c>Explain</c>, would fire).</param>
/// <param name="Reason">Why, in words.</param>
/// <param name="Conditions">Each condition's outcome, when the conditions were evaluated.</param>
public sealed record RuleEvaluation(RuleInfo Rule, bool Fired, string Reason, IReadOnlyList<ConditionOutcome> Conditions)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Rule.Name}: {(Fired ? "fires" : "passed over")} - {Reason}";
}

/// <summary>The outcome of one condition.</summary>
/// <param name="Condition">The condition.</param>
/// <param name="Holds">Whether it held.</param>
public sealed record ConditionOutcome(ConditionInfo Condition, bool Holds);

/// <summary>What <see cref="FlowDefinition{TState}.Fire{TMessage}"/> did.</summary>
/// <param name="Rule">The rule that fired, or <see langword="null"/> when none did.</param>
/// <param name="Messages">The messages the firing would publish.</param>
public sealed record FiringResult(RuleInfo? Rule, IReadOnlyList<OutgoingMessage> Messages)
{
    internal static FiringResult None { get; } = new(null, []);

    /// <summary>Whether a rule fired.</summary>
    public bool Fired => Rule is not null;

    /// <summary>
    /// The rule that passed but requires approval: it did not fire, the execution now waits for approval
    /// (<see cref="ExecutionStatus.WaitingForApproval"/>), and <see cref="FlowDefinition{TState}.Approve"/>
    /// or <see cref="FlowDefinition{TState}.Reject"/> decides it. <see langword="null"/> otherwise.
    /// </summary>
    public RuleInfo? AwaitsApproval { get; init; }
}
