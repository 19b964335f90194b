using FlowSdk.Analyzers.Tests.Infrastructure;

namespace FlowSdk.Analyzers.Tests;

/// <summary>FLOW0013 (a [When] that names no condition method) and FLOW0021 (a condition that is not deterministic).</summary>
public sealed class ConditionTests
{
    private const string PlanReview = """

        [Flow<PlanPhase>("plan-review")]
        public partial class PlanReview { public string Content { get; set; } = ""; }
        """;

    [Fact]
    public Task Condition_that_names_no_method_is_reported_at_the_argument() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                [When({|#0:"IsAproved"|})]
                public static void Approve(PlanReview plan, ReviewCompleted review) { }

                private static bool IsApproved(ReviewCompleted review) => review.Approved;
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.ConditionMissing)
                .WithLocation(0)
                .WithMessage("Condition 'IsAproved' of rule 'Approve' (flow 'plan-review') names no method of 'PlanReviewRules'. Declare 'static bool IsAproved(PlanReview plan, ReviewCompleted review)' in 'PlanReviewRules', or name an existing condition with nameof."));

    [Fact]
    public Task Condition_that_names_a_property_is_reported() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                public static bool Enabled { get; set; }

                [Rule]
                [When({|#0:nameof(Enabled)|})]
                public static void Note(ReviewCompleted review) { }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.ConditionMissing).WithLocation(0)
                .WithArguments("Enabled", "Note", "plan-review", "PlanReviewRules", "ReviewCompleted review"));

    [Theory]
    [InlineData("private static int IsApproved(ReviewCompleted review) => 1;")]
    [InlineData("private static bool IsApproved(string notes) => true;")]
    [InlineData("private static bool IsApproved<T>(ReviewCompleted review) => true;")]
    [InlineData("private static bool IsApproved(PlanSubmitted submitted) => true;")]
    [InlineData("private static bool IsApproved(ref ReviewCompleted review) => true;")]
    public Task Condition_with_the_wrong_signature_is_reported(string condition) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                [When({|#0:nameof(IsApproved)|})]
                public static void Approve(PlanReview plan, ReviewCompleted review) { }

                {{condition}}
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.ConditionWrongSignature)
                .WithLocation(0)
                .WithMessage("Condition 'IsApproved' of rule 'Approve' (flow 'plan-review') has the wrong signature: a condition is a static, non-generic bool method of 'PlanReviewRules' whose parameters are each 'PlanReview', 'ReviewCompleted' or 'RuleContext'. Change 'IsApproved' to match."));

    [Fact]
    public Task A_message_only_rule_has_no_state_to_give_its_condition() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule]
                [When({|#0:nameof(IsLong)|})]
                public static void Note(ReviewCompleted review) { }

                private static bool IsLong(PlanReview plan) => plan.Content.Length > 100;
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.ConditionWrongSignature).WithLocation(0)
                .WithArguments("IsLong", "Note", "plan-review", "PlanReviewRules", "'ReviewCompleted' or 'RuleContext'"));

    [Fact]
    public Task Every_condition_shape_is_accepted() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved, Conditions = ConditionMode.Any)]
                [When(nameof(Approved), Description = "the reviewer approved")]
                [When(nameof(Long))]
                [When(nameof(Both))]
                [When(nameof(Reversed))]
                [When(nameof(Always))]
                [When(nameof(Recent))]
                [When(nameof(Overloaded))]
                public static void Approve(PlanReview plan, ReviewCompleted review) { }

                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                [When(nameof(Long))]
                public static void Advance(PlanReview plan) { }

                private static bool Approved(ReviewCompleted review) => review.Approved;
                private static bool Long(PlanReview plan) => plan.Content.Length > 100;
                private static bool Both(PlanReview plan, ReviewCompleted review) => review.Approved && plan.Content.Length > 0;
                private static bool Reversed(ReviewCompleted review, PlanReview plan) => review.Approved;
                private static bool Always() => true;
                private static bool Recent(ReviewCompleted review, RuleContext context) => context.Now.Year > 2000;
                private static bool Overloaded(string text) => text.Length > 0;
                private static bool Overloaded(ReviewCompleted review) => review.Approved;
            }
            """ + PlanReview);

    [Fact]
    public Task Condition_declared_in_another_part_of_the_rules_class_is_found() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                [When(nameof(IsApproved))]
                public static void Approve(PlanReview plan, ReviewCompleted review) { }
            }

            public static partial class PlanReviewRules
            {
                private static bool IsApproved(ReviewCompleted review) => review.Approved;
            }
            """ + PlanReview);

    [Theory]
    [InlineData("System.DateTime.UtcNow.Hour > 8", "System.DateTime.UtcNow", "DateTime.UtcNow")]
    [InlineData("System.DateTime.Now.Hour > 8", "System.DateTime.Now", "DateTime.Now")]
    [InlineData("System.DateTimeOffset.UtcNow.Hour > 8", "System.DateTimeOffset.UtcNow", "DateTimeOffset.UtcNow")]
    [InlineData("System.Environment.TickCount > 8", "System.Environment.TickCount", "Environment.TickCount")]
    [InlineData("System.Guid.NewGuid() != default", "System.Guid.NewGuid()", "Guid.NewGuid()")]
    [InlineData("new System.Random().Next(2) == 0", "new System.Random()", "new Random()")]
    [InlineData("System.Random.Shared.Next(2) == 0", "System.Random.Shared", "Random.Shared")]
    [InlineData("System.IO.File.Exists(review.PlanId)", "System.IO.File.Exists(review.PlanId)", "File.Exists()")]
    [InlineData("System.TimeProvider.System.GetUtcNow().Hour > 8", "System.TimeProvider.System", "TimeProvider.System")]
    public Task Condition_that_is_not_deterministic_is_reported_at_the_expression(string body, string expression, string what) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                [When(nameof(IsTimely))]
                public static void Approve(PlanReview plan, ReviewCompleted review) { }

                private static bool IsTimely(ReviewCompleted review) => {{body.Replace(expression, "{|#0:" + expression + "|}", StringComparison.Ordinal)}};
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.NondeterministicCondition).WithLocation(0)
                .WithArguments(
                    "IsTimely",
                    "plan-review",
                    what,
                    what.Contains("Guid", StringComparison.Ordinal) || what.Contains("Random", StringComparison.Ordinal)
                        ? "Draw the value once, outside the condition, and carry it in the message or the state"
                        : what.Contains("File", StringComparison.Ordinal)
                            ? "Do the I/O outside the flow, or in a rule, and carry its result in a message or the state"
                            : "Take a RuleContext parameter and use its Now, or compare with a time the message or the state carries"));

    [Fact]
    public Task Http_call_in_a_condition_is_reported_with_its_advice() =>
        Verify.FragmentAsync(
            """
            using System.Net.Http;
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                private static readonly HttpClient Http = new();

                [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                [When(nameof(IsKnown))]
                public static void Approve(PlanReview plan, ReviewCompleted review) { }

                private static bool IsKnown(ReviewCompleted review) => {|#0:Http.GetStringAsync("https://plans.example/" + review.PlanId)|}.Result.Length > 0;
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.NondeterministicCondition).WithLocation(0)
                .WithMessage("Condition 'IsKnown' of flow 'plan-review' reads HttpClient.GetStringAsync(): conditions are evaluated again whenever an event is retried, so they must give the same answer for the same state and message. Do the I/O outside the flow, or in a rule, and carry its result in a message or the state."));

    [Fact]
    public Task Clock_reads_outside_conditions_are_not_reported() =>
        Verify.FragmentAsync(
            """
            using System;
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                [When(nameof(IsRecent))]
                public static void Approve(PlanReview plan, ReviewCompleted review) => plan.Content += DateTime.UtcNow.ToString("O");

                // Deterministic: the time comes from the runtime's clock through the context.
                private static bool IsRecent(PlanReview plan, RuleContext context) => context.Now > DateTimeOffset.MinValue && Guid.Empty == default;

                // Not a condition: no [When] names it.
                private static bool IsLate() => DateTime.Now.Hour > 17;
            }
            """ + PlanReview);
}
