using FlowSdk.Analyzers.Tests.Infrastructure;

namespace FlowSdk.Analyzers.Tests;

/// <summary>FLOW0008 (a From or To that is not a phase of the flow), FLOW0009 (From a terminal phase) and FLOW0025 (a state rule that re-triggers itself).</summary>
public sealed class TransitionTests
{
    private const string PlanReview = """

        public enum OtherPhase { Draft, Review }

        [Flow<PlanPhase>("plan-review")]
        public partial class PlanReview { public string Content { get; set; } = ""; }
        """;

    [Fact]
    public Task Member_of_another_enum_is_reported_at_the_argument() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = {|#0:OtherPhase.Draft|}, To = PlanPhase.InReview)]
                public static void Submit(PlanReview plan, PlanSubmitted message) { }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.PhaseNotInFlow)
                .WithLocation(0)
                .WithLocation("Shared.cs", 3, 13)
                .WithMessage("Rule 'Submit' of flow 'plan-review' has From = OtherPhase.Draft, which is not a phase of the flow. Use a member of 'PlanPhase' (Draft, InReview, Approved)."));

    [Theory]
    [InlineData("To", "\"InReview\"")]
    [InlineData("To", "1")]
    [InlineData("To", "(PlanPhase)7")]
    [InlineData("From", "OtherPhase.Review")]
    public Task Values_that_are_not_phases_are_reported(string name, string written) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule({{name}} = {|#0:{{written}}|})]
                public static void Submit(PlanReview plan, PlanSubmitted message) { }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.PhaseNotInFlow)
                .WithLocation(0)
                .WithOptions(Microsoft.CodeAnalysis.Testing.DiagnosticOptions.IgnoreAdditionalLocations)
                .WithArguments("Submit", "plan-review", name, written, "PlanPhase", "Draft, InReview, Approved"));

    [Fact]
    public Task Phases_of_the_flow_and_null_are_accepted() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void Submit(PlanReview plan, PlanSubmitted message) { }

                [Rule(From = null, To = PlanPhase.Approved)]
                public static void Approve(PlanReview plan, ReviewCompleted review) { }

                [Rule(To = global::PlanPhase.Approved)]
                public static void ApproveAgain(PlanReview plan, ReviewCompleted review) { }
            }
            """ + PlanReview);

    [Fact]
    public Task Rule_from_a_terminal_phase_is_reported_at_From() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = {|#0:PlanPhase.Approved|}, To = PlanPhase.InReview)]
                public static void Reopen(PlanReview plan, ReviewCompleted review) { }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.TransitionFromTerminalPhase)
                .WithLocation(0)
                .WithMessage("Rule 'Reopen' of flow 'plan-review' fires From = Approved, a terminal phase: an execution in 'Approved' has ended and no rule fires for it again. Start the rule from a non-terminal phase, or remove it."));

    [Fact]
    public Task Rule_into_a_terminal_phase_is_accepted() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                public static void Approve(PlanReview plan, ReviewCompleted review) { }
            }
            """ + PlanReview);

    [Theory]
    [InlineData("From = PlanPhase.Draft")]
    [InlineData("")]
    public Task State_rule_that_keeps_the_phase_is_reported_at_its_name(string arguments) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule({{arguments}})]
                public static void {|#0:Touch|}(PlanReview plan) { }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.StateRuleRetriggersItself)
                .WithLocation(0)
                .WithMessage("State-triggered rule 'Touch' of flow 'plan-review' does not change the phase, so its own state write triggers it again. Give it a To that leaves the phase it fires in, or a condition its firing makes false."));

    [Theory]
    [InlineData("From = PlanPhase.InReview, To = {|#1:PlanPhase.InReview|}", "moves to the phase it fires in ('InReview')")]
    [InlineData("To = {|#1:PlanPhase.InReview|}", "fires in any non-terminal phase, 'InReview' included, and moves to 'InReview'")]
    public Task State_rule_that_re_enters_its_phase_is_reported_as_a_trigger_of_itself_and_a_loop(string arguments, string why) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule({{arguments}})]
                public static void {|#0:Touch|}(PlanReview plan) { }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.StateRuleRetriggersItself).WithLocation(0).WithArguments("Touch", "plan-review", why),
            Verify.Diagnostic(DiagnosticDescriptors.LoopWithoutMaxIterations).WithLocation(1).WithArguments("Touch", "plan-review", "InReview", "InReview"));

    [Theory]
    [InlineData("{ context.Escalate(\"stuck in review\"); }")]
    [InlineData("{ plan.Content = \"\"; context.Fail(\"no content\"); }")]
    [InlineData("=> context.Complete();")]
    public Task State_rule_that_always_ends_the_execution_does_not_trigger_itself(string body) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.InReview)]
                public static void GiveUp(PlanReview plan, RuleContext context) {{body}}
            }
            """ + PlanReview);

    [Fact]
    public Task State_rule_that_ends_the_execution_only_in_a_branch_still_triggers_itself() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.InReview)]
                public static void {|#0:MaybeGiveUp|}(PlanReview plan, RuleContext context)
                {
                    if (plan.Content.Length == 0) { context.Fail("no content"); }
                }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.StateRuleRetriggersItself).WithLocation(0).WithArguments("MaybeGiveUp", "plan-review", "does not change the phase"));

    [Theory]
    [InlineData("From = PlanPhase.Draft, To = PlanPhase.InReview")]
    [InlineData("To = PlanPhase.Approved")]
    public Task State_rule_that_leaves_its_phase_is_accepted(string arguments) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule({{arguments}})]
                public static void Advance(PlanReview plan, RuleContext context) { }
            }
            """ + PlanReview);

    [Fact]
    public Task Message_rules_that_keep_the_phase_are_not_state_rules() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.InReview)]
                public static void Note(PlanReview plan, ReviewCompleted review) { }
            }
            """ + PlanReview);
}
