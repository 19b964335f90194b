using FlowSdk;

namespace PlanReviewSample;

/// <summary>An author submits a plan for review.</summary>
[Message("plans.submitted")]
public sealed record PlanSubmitted([property: CorrelationKey] string PlanId, string Title, string Content);

/// <summary>The plan flow asks the review desk to review the plan's current content.</summary>
[Message("plans.review.requested")]
public sealed record ReviewRequested([property: CorrelationKey] string PlanId, string Content, int Round);

/// <summary>The review desk's verdict on one round.</summary>
[Message("plans.review.completed")]
public sealed record ReviewCompleted([property: CorrelationKey] string PlanId, bool Approved, string Notes);

/// <summary>The plan flow asks the author to revise the plan.</summary>
[Message("plans.revision.requested")]
public sealed record RevisionRequested([property: CorrelationKey] string PlanId, string Content, string Notes);

/// <summary>The author's revised plan.</summary>
[Message("plans.revised")]
public sealed record PlanRevised([property: CorrelationKey] string PlanId, string Content);
