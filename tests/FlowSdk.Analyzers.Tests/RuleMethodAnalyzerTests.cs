using FlowSdk.Analyzers.Tests.Infrastructure;

namespace FlowSdk.Analyzers.Tests;

/// <summary>FLOW0003: a [Rule] method must be static and declared in a [Rules&lt;TState&gt;] class.</summary>
public sealed class RuleMethodAnalyzerTests
{
    private const string PlanReview = """

        [Flow<PlanPhase>("plan-review")]
        public partial class PlanReview { public string Content { get; set; } = ""; }
        """;

    [Fact]
    public Task Instance_rule_method_is_reported_at_its_name() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public partial class {|FLOW0002:PlanReviewRules|}
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public void {|#0:Submit|}(PlanReview plan, PlanSubmitted message) { }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.RuleMethodNotStatic)
                .WithLocation(0)
                .WithMessage("Rule method 'Submit' of 'PlanReviewRules' must be static: the flow's state and message are its parameters and the generated dispatch calls it without an instance. Add the 'static' modifier."));

    [Fact]
    public Task Static_rule_method_outside_a_rules_class_is_reported_at_its_name() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            public static class PlanReviewHelpers
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void {|#0:Submit|}(PlanReview plan, PlanSubmitted message) { }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.RuleMethodOutsideRulesClass)
                .WithLocation(0)
                .WithMessage("Rule method 'Submit' is declared in 'PlanReviewHelpers', which is not marked [Rules<TState>]: it belongs to no flow and would never fire. Move it to the flow's rules class, or mark 'PlanReviewHelpers' with [Rules<TState>]."));

    [Fact]
    public Task Instance_rule_method_outside_a_rules_class_is_reported_for_both_reasons() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            public class PlanReviewHelpers
            {
                [Rule]
                public void {|#0:Submit|}(PlanSubmitted message) { }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.RuleMethodOutsideRulesClass).WithLocation(0).WithArguments("Submit", "PlanReviewHelpers"),
            Verify.Diagnostic(DiagnosticDescriptors.RuleMethodNotStatic).WithLocation(0).WithArguments("Submit", "PlanReviewHelpers"));

    // FLOW0003 has one descriptor per reason, so markup names the location and the test the descriptor.
    [Fact]
    public Task Rule_in_a_class_nested_in_a_rules_class_is_outside_the_rules_class() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                public static class Approvals
                {
                    [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                    public static void {|#0:Approve|}(PlanReview plan, ReviewCompleted review) { }
                }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.RuleMethodOutsideRulesClass).WithLocation(0).WithArguments("Approve", "Approvals"));

    [Fact]
    public Task Static_rules_with_conditions_in_a_rules_class_are_not_reported() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void Submit(PlanReview plan, PlanSubmitted message) => plan.Content = message.Content;

                [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                [When(nameof(IsApproved), Description = "the reviewer approved")]
                public static void Approve(PlanReview plan, ReviewCompleted review) { }

                [Rule]
                public static PlanSubmitted? Echo(PlanSubmitted message) => null;

                private static bool IsApproved(PlanReview plan, ReviewCompleted review) => review.Approved;
            }
            """ + PlanReview);

    [Fact]
    public Task Methods_without_the_rule_attribute_are_not_reported() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            public class PlanReviewHelpers
            {
                public void Submit(PlanReview plan, PlanSubmitted message) { }
            }
            """ + PlanReview);
}
