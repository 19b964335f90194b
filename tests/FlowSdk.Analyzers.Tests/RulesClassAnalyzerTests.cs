using FlowSdk.Analyzers.Tests.Infrastructure;

namespace FlowSdk.Analyzers.Tests;

/// <summary>FLOW0002: a class marked [Rules&lt;TState&gt;] must be static partial.</summary>
public sealed class RulesClassAnalyzerTests
{
    private const string PlanReview = """

        [Flow<PlanPhase>("plan-review")]
        public partial class PlanReview { public string Content { get; set; } = ""; }
        """;

    [Fact]
    public Task Rules_class_that_is_neither_static_nor_partial_is_reported_at_its_name() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public class {|#0:PlanReviewRules|}
            {
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.RulesClassNotStaticPartial)
                .WithLocation(0)
                .WithMessage("Rules class 'PlanReviewRules' of flow state 'PlanReview' must be static partial: the generator adds the rule dispatch to it. Add the missing 'static' and 'partial' modifiers."));

    [Fact]
    public Task Static_rules_class_that_is_not_partial_is_reported() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            internal static class {|#0:PlanReviewRules|}
            {
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.RulesClassNotStaticPartial)
                .WithLocation(0)
                .WithArguments("PlanReviewRules", "PlanReview", "'partial' modifier"));

    [Fact]
    public Task Partial_rules_class_that_is_not_static_is_reported() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public sealed partial class {|#0:PlanReviewRules|}
            {
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.RulesClassNotStaticPartial)
                .WithLocation(0)
                .WithArguments("PlanReviewRules", "PlanReview", "'static' modifier"));

    [Fact]
    public Task Static_partial_rules_class_is_not_reported() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void Submit(PlanReview plan, PlanSubmitted message) => plan.Content = message.Content;
            }
            """ + PlanReview);

    [Fact]
    public Task Static_on_one_part_makes_the_whole_rules_class_static() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules { }

            public partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void Submit(PlanReview plan, PlanSubmitted message) { }
            }
            """ + PlanReview);

    [Fact]
    public Task Class_without_the_rules_attribute_need_not_be_static_partial() =>
        Verify.AnalyzerAsync(
            """
            public class PlanReviewHelpers
            {
                public static bool IsLong(string content) => content.Length > 1000;
            }
            """);
}
