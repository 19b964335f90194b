using FlowSdk.Analyzers.Tests.Infrastructure;
using FlowSdk.CodeFixes;
using Microsoft.CodeAnalysis.Testing;

namespace FlowSdk.Analyzers.Tests;

/// <summary>The fix for FLOW0001 (add 'partial') and FLOW0002 (make the class 'static partial').</summary>
public sealed class MakePartialCodeFixerTests
{
    private const string PlanReview = """

        [Flow<PlanPhase>("plan-review")]
        public partial class PlanReview { public string Content { get; set; } = ""; }
        """;

    [Fact]
    public Task Adds_partial_to_a_flow_state_class() =>
        Verify.CodeFixAsync(
            """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public sealed class {|FLOW0001:PlanReview|}
            {
                public string Content { get; set; } = "";
            }
            """,
            """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public sealed partial class PlanReview
            {
                public string Content { get; set; } = "";
            }
            """);

    [Fact]
    public Task Adds_partial_to_a_class_without_modifiers_keeping_indentation_and_comments() =>
        Verify.CodeFixAsync(
            """
            using FlowSdk;

            namespace Plans
            {
                /// <summary>One plan under review.</summary>
                [Flow<PlanPhase>("plan-review")]
                // The reviewer's view of the plan.
                class {|FLOW0001:PlanReview|}
                {
                }
            }
            """,
            """
            using FlowSdk;

            namespace Plans
            {
                /// <summary>One plan under review.</summary>
                [Flow<PlanPhase>("plan-review")]
                // The reviewer's view of the plan.
                partial class PlanReview
                {
                }
            }
            """);

    [Fact]
    public Task Adds_partial_to_a_record_flow_state() =>
        Verify.CodeFixAsync(
            """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public record {|FLOW0001:PlanReview|}
            {
                public string Content { get; set; } = "";
            }
            """,
            """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public partial record PlanReview
            {
                public string Content { get; set; } = "";
            }
            """);

    [Fact]
    public Task Makes_a_plain_rules_class_static_partial() =>
        Verify.CodeFixAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public class {|FLOW0002:PlanReviewRules|}
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void Submit(PlanReview plan, PlanSubmitted message) => plan.Content = message.Content;
            }
            """ + PlanReview,
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
    public Task Adds_only_partial_to_a_static_rules_class() =>
        Verify.CodeFixAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            internal static class {|FLOW0002:PlanReviewRules|}
            {
            }
            """ + PlanReview,
            """
            using FlowSdk;

            [Rules<PlanReview>]
            internal static partial class PlanReviewRules
            {
            }
            """ + PlanReview);

    [Fact]
    public Task Puts_static_before_an_existing_partial() =>
        Verify.CodeFixAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            partial class {|FLOW0002:PlanReviewRules|}
            {
            }
            """ + PlanReview,
            """
            using FlowSdk;

            [Rules<PlanReview>]
            static partial class PlanReviewRules
            {
            }
            """ + PlanReview);

    [Fact]
    public Task Drops_sealed_which_a_static_class_cannot_have() =>
        Verify.CodeFixAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public sealed class {|FLOW0002:PlanReviewRules|}
            {
            }
            """ + PlanReview,
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
            }
            """ + PlanReview);

    [Fact]
    public Task Fix_all_makes_every_flow_state_partial_across_documents()
    {
        var test = new MakePartialFixTest
        {
            CodeActionEquivalenceKey = MakePartialCodeFixer.MakePartialKey,
            // One fix-all pass over the project or solution fixes both documents.
            NumberOfFixAllIterations = 1,
            // A fix-all in one document leaves the other for a second pass.
            NumberOfFixAllInDocumentIterations = 2,
        };
        test.TestState.Sources.Add(("PlanReview.cs", """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public class {|FLOW0001:PlanReview|} { }

            [Flow<PlanPhase>("plan-draft")]
            internal sealed class {|FLOW0001:PlanDraft|} { }
            """));
        test.TestState.Sources.Add(("Budget.cs", """
            using FlowSdk;

            [Flow<PlanPhase>("budget-review")]
            public class {|FLOW0001:BudgetReview|} { }
            """));
        test.FixedState.Sources.Add(("PlanReview.cs", """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public partial class PlanReview { }

            [Flow<PlanPhase>("plan-draft")]
            internal sealed partial class PlanDraft { }
            """));
        test.FixedState.Sources.Add(("Budget.cs", """
            using FlowSdk;

            [Flow<PlanPhase>("budget-review")]
            public partial class BudgetReview { }
            """));
        return test.RunAsync();
    }

    [Fact]
    public Task Fix_all_of_one_kind_leaves_the_other_kind_alone()
    {
        // The two fixes have their own equivalence keys: fixing every FLOW0001 does not touch the rules class.
        var test = new MakePartialFixTest
        {
            CodeActionEquivalenceKey = MakePartialCodeFixer.MakePartialKey,
            TestCode = """
                using FlowSdk;

                [Flow<PlanPhase>("plan-review")]
                public class {|FLOW0001:PlanReview|} { }

                [Flow<PlanPhase>("plan-draft")]
                public class {|FLOW0001:PlanDraft|} { }

                [Rules<PlanReview>]
                public class {|FLOW0002:PlanReviewRules|} { }
                """,
            FixedCode = """
                using FlowSdk;

                [Flow<PlanPhase>("plan-review")]
                public partial class PlanReview { }

                [Flow<PlanPhase>("plan-draft")]
                public partial class PlanDraft { }

                [Rules<PlanReview>]
                public class {|FLOW0002:PlanReviewRules|} { }
                """,
        };

        // FLOW0002 is fixable, so the fixed code's markup for it is ignored unless asked for: it must still be reported.
        test.FixedState.MarkupHandling = MarkupMode.Allow;
        return test.RunAsync();
    }

    [Fact]
    public Task Fix_all_makes_every_rules_class_static_partial()
    {
        var test = new MakePartialFixTest
        {
            CodeActionEquivalenceKey = MakePartialCodeFixer.MakeStaticPartialKey,
            NumberOfFixAllIterations = 1,
            NumberOfFixAllInDocumentIterations = 1,
            TestCode = """
                using FlowSdk;

                [Rules<PlanReview>]
                public class {|FLOW0002:SubmissionRules|} { }

                [Rules<PlanReview>]
                public static class {|FLOW0002:ReviewRules|} { }

                [Rules<PlanReview>]
                public abstract partial class {|FLOW0002:ApprovalRules|} { }
                """ + PlanReview,
            FixedCode = """
                using FlowSdk;

                [Rules<PlanReview>]
                public static partial class SubmissionRules { }

                [Rules<PlanReview>]
                public static partial class ReviewRules { }

                [Rules<PlanReview>]
                public static partial class ApprovalRules { }
                """ + PlanReview,
        };
        return test.RunAsync();
    }
}
