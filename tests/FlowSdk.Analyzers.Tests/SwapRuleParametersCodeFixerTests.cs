using FlowSdk.Analyzers.Tests.Infrastructure;
using FlowSdk.CodeFixes;

namespace FlowSdk.Analyzers.Tests;

/// <summary>The fix for FLOW0004 when the message comes before the state: swap them.</summary>
public sealed class SwapRuleParametersCodeFixerTests
{
    private const string PlanReview = """

        [Flow<PlanPhase>("plan-review")]
        public partial class PlanReview { public string Content { get; set; } = ""; }
        """;

    [Fact]
    public Task Swaps_message_and_state() =>
        Verify.CodeFixAsync<SwapRuleParametersCodeFixer>(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void {|FLOW0004:Submit|}(PlanSubmitted message, PlanReview plan) => plan.Content = message.Content;

                [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                public static void Approve(PlanReview plan, ReviewCompleted review) { }
            }
            """ + PlanReview,
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void Submit(PlanReview plan, PlanSubmitted message) => plan.Content = message.Content;

                [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                public static void Approve(PlanReview plan, ReviewCompleted review) { }
            }
            """ + PlanReview);

    [Fact]
    public Task Keeps_the_context_last_and_each_line_in_place() =>
        Verify.CodeFixAsync<SwapRuleParametersCodeFixer>(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void {|FLOW0004:Submit|}(
                    PlanSubmitted message,
                    PlanReview plan,
                    RuleContext context)
                {
                }

                [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                public static void Approve(PlanReview plan, ReviewCompleted review) { }
            }
            """ + PlanReview,
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void Submit(
                    PlanReview plan,
                    PlanSubmitted message,
                    RuleContext context)
                {
                }

                [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                public static void Approve(PlanReview plan, ReviewCompleted review) { }
            }
            """ + PlanReview);

    [Fact]
    public Task Offers_no_fix_when_the_intent_is_not_clear()
    {
        // (PlanReview, string): which message was meant is unknown, so nothing is offered.
        const string source = """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule]
                public static void {|FLOW0004:Submit|}(string content, PlanReview plan) { }
            }
            """ + PlanReview;
        var test = new FlowCodeFixTest<SwapRuleParametersCodeFixer>(wholeFlowChecks: false) { TestCode = source, FixedCode = source };
        return test.RunAsync();
    }

    [Fact]
    public Task Fix_all_swaps_every_rule()
    {
        var test = new FlowCodeFixTest<SwapRuleParametersCodeFixer>
        {
            CodeActionEquivalenceKey = SwapRuleParametersCodeFixer.Key,
            NumberOfFixAllIterations = 1,
            TestCode = """
                using FlowSdk;

                [Rules<PlanReview>]
                public static partial class PlanReviewRules
                {
                    [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                    public static void {|FLOW0004:Submit|}(PlanSubmitted message, PlanReview plan) { }

                    [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                    public static void {|FLOW0004:Approve|}(ReviewCompleted review, PlanReview plan) { }
                }
                """ + PlanReview,
            FixedCode = """
                using FlowSdk;

                [Rules<PlanReview>]
                public static partial class PlanReviewRules
                {
                    [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                    public static void Submit(PlanReview plan, PlanSubmitted message) { }

                    [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                    public static void Approve(PlanReview plan, ReviewCompleted review) { }
                }
                """ + PlanReview,
        };
        return test.RunAsync();
    }
}
