namespace FlowSdk;

/// <summary>
/// A condition of a rule: the name of a static <c>bool</c> method of the same rules class whose
/// parameters are each the flow's state (for a rule that takes it), the rule's message (for a rule
/// that takes one) or a <see cref="RuleContext"/>, in any order and any subset, none included
/// (FLOW0013 reports any other signature). Conditions must be deterministic: they are evaluated
/// again whenever an event is retried.
/// </summary>
/// <example>
/// <code>
/// [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
/// [When(nameof(IsApproved), Description = "the reviewer approved")]
/// public static void Approve(PlanReview plan, ReviewCompleted review) { }
/// static bool IsApproved(PlanReview plan, ReviewCompleted review) => review.Approved;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class WhenAttribute : Attribute
{
    /// <summary>Declares a condition.</summary>
    /// <param name="condition">The name of the condition method; use <c>nameof</c>.</param>
    public WhenAttribute(string condition) => Condition = condition;

    /// <summary>The name of the condition method.</summary>
    public string Condition { get; }

    /// <summary>What the condition checks, in words; shown when a rule's evaluation is explained. Defaults to the method name.</summary>
    public string? Description { get; set; }
}

/// <summary>How the conditions of a rule combine.</summary>
public enum ConditionMode
{
    /// <summary>The rule fires only when every condition holds (AND).</summary>
    All = 0,

    /// <summary>The rule fires when at least one condition holds (OR).</summary>
    Any = 1,
}
