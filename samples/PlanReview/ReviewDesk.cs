using FlowSdk;

namespace PlanReviewSample;

/// <summary>The phases of a review desk's work on one plan.</summary>
public enum DeskPhase
{
    /// <summary>Reviewing rounds as they come.</summary>
    Reviewing,

    /// <summary>The plan was approved; the desk is done with it.</summary>
    [TerminalPhase]
    Closed,
}

/// <summary>
/// The review desk: a second flow that reviews each round of a plan. It approves a plan whose
/// content has every required section and otherwise asks for the first one missing. It does not
/// review plans marked "(on hold)": those wait until their flow's timeout.
/// </summary>
[Flow<DeskPhase>("review-desk")]
public partial class ReviewDesk
{
    /// <summary>How many rounds the desk has reviewed for this plan.</summary>
    public int Rounds { get; set; }
}

/// <summary>The review desk's rules.</summary>
[Rules<ReviewDesk>]
public static partial class ReviewDeskRules
{
    /// <summary>The sections every plan needs.</summary>
    public static readonly string[] RequiredSections = ["Risks", "Rollback"];

    /// <summary>A plan with every required section is approved.</summary>
    [Rule(From = DeskPhase.Reviewing, To = DeskPhase.Closed)]
    [When(nameof(IsReviewable), Description = "the plan is not on hold")]
    [When(nameof(HasEverySection), Description = "the plan has every required section")]
    public static ReviewCompleted Approve(ReviewDesk desk, ReviewRequested request)
    {
        desk.Rounds++;
        return new ReviewCompleted(request.PlanId, Approved: true, Notes: $"Approved in round {request.Round}.");
    }

    /// <summary>Otherwise the desk asks for the first missing section.</summary>
    [Rule(From = DeskPhase.Reviewing)]
    [When(nameof(IsReviewable), Description = "the plan is not on hold")]
    public static ReviewCompleted AskForChanges(ReviewDesk desk, ReviewRequested request)
    {
        desk.Rounds++;
        var missing = RequiredSections.First(s => !HasSection(request.Content, s));
        return new ReviewCompleted(request.PlanId, Approved: false, Notes: $"Add a section: {missing}.");
    }

    private static bool IsReviewable(ReviewRequested request) => !request.Content.Contains("(on hold)", StringComparison.Ordinal);

    private static bool HasEverySection(ReviewRequested request) => RequiredSections.All(s => HasSection(request.Content, s));

    private static bool HasSection(string content, string section) => content.Contains("## " + section, StringComparison.Ordinal);
}
