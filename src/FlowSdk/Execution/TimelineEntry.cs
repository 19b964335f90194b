namespace FlowSdk;

/// <summary>One firing of a rule (or one outcome the runtime applied), as recorded in an execution's timeline.</summary>
/// <param name="At">When the firing was committed.</param>
/// <param name="Rule">The rule's name (its method name), or the runtime's reason for an outcome it applied.</param>
/// <param name="Trigger">What triggered the rule.</param>
/// <param name="Source">The subject of the triggering message, the key of the state change, or who gave an operator's control.</param>
/// <param name="Action">What the firing did.</param>
/// <param name="PhaseBefore">The execution's phase before the firing.</param>
/// <param name="PhaseAfter">The execution's phase after the firing.</param>
/// <param name="Iteration">The execution's iteration after the firing.</param>
public sealed record TimelineEntry(
    DateTimeOffset At,
    string Rule,
    TriggerKind Trigger,
    string Source,
    RuleAction Action,
    string PhaseBefore,
    string PhaseAfter,
    int Iteration)
{
    /// <summary>Why, for an entry an operator's control made (<see cref="TriggerKind.Control"/>): the reason given with it; otherwise <see langword="null"/>.</summary>
    public string? Reason { get; init; }
}
