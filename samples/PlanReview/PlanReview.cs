using FlowSdk;

namespace PlanReviewSample;

/// <summary>The phases of a plan, in the order a plan normally moves through them.</summary>
public enum PlanPhase
{
    /// <summary>Written, not yet submitted.</summary>
    Drafted,

    /// <summary>With the review desk.</summary>
    InReview,

    /// <summary>Back with the author.</summary>
    Revising,

    /// <summary>Approved: the execution is complete.</summary>
    [TerminalPhase]
    Approved,
}

/// <summary>
/// One plan going through review. A plan gets at most three review rounds (a fourth escalates) and
/// ten minutes (then it times out). Each way a plan ends is announced on its own subject.
/// </summary>
[Flow<PlanPhase>(
    "plan-review",
    MaxIterations = 3,
    Timeout = "00:10:00",
    OnCompleted = "plans.approved",
    OnEscalated = "plans.escalated",
    OnTimedOut = "plans.timed-out")]
public partial class PlanReview
{
    /// <summary>The plan's title.</summary>
    public string Title { get; set; } = "";

    /// <summary>The plan's current content.</summary>
    public string Content { get; set; } = "";

    /// <summary>The reviewer's latest notes.</summary>
    public string? Notes { get; set; }
}

/// <summary>How a plan moves: submit, review, revise, approve.</summary>
[Rules<PlanReview>]
public static partial class PlanReviewRules
{
    /// <summary>A submitted plan goes to review.</summary>
    [Rule(From = PlanPhase.Drafted, To = PlanPhase.InReview)]
    public static ReviewRequested Submit(PlanReview plan, PlanSubmitted submitted)
    {
        plan.Title = submitted.Title;
        plan.Content = submitted.Content;
        return new ReviewRequested(submitted.PlanId, plan.Content, plan.Iteration);
    }

    /// <summary>An approving review completes the plan.</summary>
    [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
    [When(nameof(IsApproved), Description = "the reviewer approved")]
    public static void Approve(PlanReview plan, ReviewCompleted review) => plan.Notes = review.Notes;

    /// <summary>Any other review sends the plan back to its author.</summary>
    [Rule(From = PlanPhase.InReview, To = PlanPhase.Revising)]
    public static RevisionRequested RequestRevision(PlanReview plan, ReviewCompleted review)
    {
        plan.Notes = review.Notes;
        return new RevisionRequested(review.PlanId, plan.Content, review.Notes);
    }

    /// <summary>A revised plan goes back to review: the next iteration.</summary>
    [Rule(From = PlanPhase.Revising, To = PlanPhase.InReview)]
    public static ReviewRequested Resubmit(PlanReview plan, PlanRevised revised)
    {
        plan.Content = revised.Content;
        return new ReviewRequested(revised.PlanId, plan.Content, plan.Iteration + 1);
    }

    private static bool IsApproved(ReviewCompleted review) => review.Approved;
}

/// <summary>
/// The simulated author: a message-only rule that answers a revision request by adding the section
/// the reviewer asked for, unless the plan says its author accepts no changes.
/// </summary>
[Rules<PlanReview>]
public static partial class AuthorRules
{
    /// <summary>Revises a plan as the reviewer's notes ask.</summary>
    [Rule]
    public static PlanRevised Revise(RevisionRequested request)
    {
        if (request.Content.Contains("No changes.", StringComparison.Ordinal))
        {
            return new PlanRevised(request.PlanId, request.Content);
        }

        var missing = request.Notes.Replace("Add a section: ", "", StringComparison.Ordinal).TrimEnd('.');
        return new PlanRevised(request.PlanId, $"{request.Content}\n## {missing}\n(written after review)");
    }
}
