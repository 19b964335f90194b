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
        Verify.FragmentAsync(
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
        Verify.FragmentAsync(
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
        Verify.FragmentAsync(
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
        Verify.FragmentAsync(
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
        Verify.FragmentAsync(
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
        Verify.FragmentAsync(
            """
            public class PlanReviewHelpers
            {
                public static bool IsLong(string content) => content.Length > 1000;
            }
            """);
}

/// <summary>FLOW0006 (the rules class names no flow) and FLOW0007 for rules classes.</summary>
public sealed class RulesClassFlowTests
{
    private const string PlanReview = """

        [Flow<PlanPhase>("plan-review")]
        public partial class PlanReview { public string Content { get; set; } = ""; }
        """;

    [Fact]
    public Task Rules_of_a_class_that_is_not_a_flow_are_reported_at_the_type_argument() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            public class PlanDraft { }

            [Rules<{|#0:PlanDraft|}>]
            public static partial class PlanDraftRules
            {
            }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.RulesClassUnknownFlow)
                .WithLocation(0)
                .WithMessage("Rules class 'PlanDraftRules' names 'PlanDraft', which is not a flow state: its rules belong to no flow and would never fire. Mark 'PlanDraft' with [Flow<TPhase>(\"id\")], or name the flow's state class in [Rules<TState>]."));

    [Fact]
    public Task Qualified_attribute_name_is_reported_at_the_type_argument() =>
        Verify.FragmentAsync(
            """
            namespace Plans
            {
                public class PlanDraft { }

                [global::FlowSdk.Rules<{|#0:Plans.PlanDraft|}>]
                public static partial class PlanDraftRules { }
            }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.RulesClassUnknownFlow).WithLocation(0).WithArguments("PlanDraftRules", "PlanDraft"));

    [Fact]
    public Task Rules_of_a_flow_in_another_namespace_are_not_reported() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            namespace Plans
            {
                [Flow<PlanPhase>("plan-review")]
                public partial class PlanReview { }
            }

            namespace Plans.Rules
            {
                [Rules<Plans.PlanReview>]
                public static partial class PlanReviewRules { }
            }
            """);

    [Fact]
    public Task Nested_rules_class_is_reported() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            public static partial class Plans
            {
                [Rules<PlanReview>]
                public static partial class {|#0:PlanReviewRules|} { }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.RulesClassNotUsable)
                .WithLocation(0)
                .WithMessage("Rules class 'PlanReviewRules' of flow 'plan-review' is nested in 'Plans', so the generator skips its rules. Declare it at the top level of a namespace."));

    [Fact]
    public Task Generic_rules_class_is_reported() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class {|#0:PlanReviewRules|}<T> { }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.RulesClassNotUsable).WithLocation(0).WithArguments("PlanReviewRules", "plan-review", "is generic", "Remove its type parameters"));
}
