using FlowSdk.Analyzers.Tests.Infrastructure;

namespace FlowSdk.Analyzers.Tests;

/// <summary>FLOW0004 (a rule's parameters) and FLOW0005 (a rule's return type).</summary>
public sealed class RuleSignatureTests
{
    private const string PlanReview = """

        [Flow<PlanPhase>("plan-review")]
        public partial class PlanReview { public string Content { get; set; } = ""; }
        """;

    [Fact]
    public Task Parameters_that_are_no_rule_shape_are_reported_at_the_method_name() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void {|#0:Submit|}(PlanReview plan, string content) { }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.RuleParametersInvalid)
                .WithLocation(0)
                .WithMessage("Rule 'Submit' of flow 'plan-review' takes (PlanReview, string), which is not a rule's shape: a rule takes (PlanReview state, TMessage message), (TMessage message) or (PlanReview state), optionally followed by a RuleContext, where TMessage is a type marked [Message]. Change the parameters to one of these."));

    [Theory]
    [InlineData("", "")]
    [InlineData("PlanReview plan, PlanSubmitted message, ReviewCompleted review", "PlanReview, PlanSubmitted, ReviewCompleted")]
    [InlineData("PlanSubmitted message, ReviewCompleted review", "PlanSubmitted, ReviewCompleted")]
    [InlineData("PlanReview plan, PlanReview other", "PlanReview, PlanReview")]
    [InlineData("ReviewDesk desk, PlanSubmitted message", "ReviewDesk, PlanSubmitted")]
    [InlineData("PlanReview plan, ref PlanSubmitted message", "PlanReview, PlanSubmitted")]
    [InlineData("RuleContext context, PlanSubmitted message", "RuleContext, PlanSubmitted")]
    public Task Other_parameter_lists_are_reported(string parameters, string types) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule]
                public static void {|#0:Submit|}({{parameters}}) { }
            }

            [Flow<PlanPhase>("review-desk")]
            public partial class ReviewDesk { }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.RuleParametersInvalid).WithLocation(0).WithArguments("Submit", "plan-review", types, "PlanReview"));

    [Fact]
    public Task Message_before_state_is_reported_with_the_order_to_use() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void {|#0:Submit|}(PlanSubmitted message, PlanReview plan, RuleContext context) { }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.RuleParametersSwapped)
                .WithLocation(0)
                .WithMessage("Rule 'Submit' of flow 'plan-review' takes (PlanSubmitted message, PlanReview plan, RuleContext context): the state comes first. Swap the parameters: (PlanReview plan, PlanSubmitted message, RuleContext context)."));

    [Fact]
    public Task Generic_rule_is_reported() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule]
                public static void {|#0:Submit|}<T>(PlanSubmitted message) { }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.RuleMethodGeneric).WithLocation(0).WithArguments("Submit", "plan-review"));

    [Fact]
    public Task Every_rule_shape_is_accepted() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void MessageAndState(PlanReview plan, PlanSubmitted message) { }

                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void MessageAndStateWithContext(PlanReview plan, PlanSubmitted? message, RuleContext context) { }

                [Rule]
                public static void MessageOnly(ReviewCompleted review) { }

                [Rule]
                public static void MessageOnlyWithContext(ReviewCompleted review, RuleContext context) { }

                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void StateOnly(PlanReview plan) { }

                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void StateOnlyWithContext(PlanReview plan, RuleContext context) { }
            }
            """ + PlanReview);

    [Theory]
    [InlineData("string")]
    [InlineData("int")]
    [InlineData("PlanReview")]
    public Task Return_type_that_is_not_a_message_is_reported_at_the_return_type(string returnType) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static {|#0:{{returnType}}|} Submit(PlanReview plan, PlanSubmitted message) => default!;
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.RuleReturnTypeInvalid)
                .WithLocation(0)
                .WithArguments("Submit", "plan-review", returnType));

    [Fact]
    public Task Async_void_rule_is_reported_at_async() =>
        Verify.FragmentAsync(
            """
            using System.Threading.Tasks;
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static {|#0:async|} void Submit(PlanReview plan, PlanSubmitted message)
                {
                    await Task.Delay(10);
                    plan.Content = message.Content;
                }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.AsyncRule)
                .WithLocation(0)
                .WithMessage("Rule 'Submit' of flow 'plan-review' is async void: the runtime calls a rule and commits its state change as soon as it returns, so what runs after an await is lost or races the next event. Make the rule synchronous; do asynchronous work outside the flow, or in a service a published message reaches, and feed its result back as a message."));

    [Theory]
    [InlineData("Task", "=> Task.CompletedTask;")]
    [InlineData("Task<ReviewCompleted>", "=> Task.FromResult(new ReviewCompleted(message.PlanId, true));")]
    [InlineData("ValueTask", "=> default;")]
    public Task Rule_that_returns_a_task_is_reported_at_the_return_type(string returnType, string body) =>
        Verify.FragmentAsync(
            $$"""
            using System.Threading.Tasks;
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static {|#0:{{returnType}}|} Submit(PlanReview plan, PlanSubmitted message) {{body}}
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.AsyncRule).WithLocation(0).WithArguments("Submit", "plan-review", $"returns '{returnType}'"));

    [Fact]
    public Task Async_rule_that_returns_a_task_is_reported_once_at_async() =>
        Verify.FragmentAsync(
            """
            using System.Threading.Tasks;
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static {|#0:async|} Task<ReviewCompleted> Submit(PlanReview plan, PlanSubmitted message)
                {
                    await Task.Yield();
                    return new ReviewCompleted(message.PlanId, true);
                }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.AsyncRule).WithLocation(0).WithArguments("Submit", "plan-review", "is async"));

    [Fact]
    public Task Return_type_message_is_explained() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static {|#0:string|} Submit(PlanReview plan, PlanSubmitted message) => "";
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.RuleReturnTypeInvalid)
                .WithLocation(0)
                .WithMessage("Rule 'Submit' of flow 'plan-review' returns 'string', which is not a message type: the runtime publishes what a rule returns on its message's subject. Return void, or a type marked [Message(\"subject\")]."));

    [Fact]
    public Task Void_and_message_return_types_are_accepted() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void Submit(PlanReview plan, PlanSubmitted message) { }

                [Rule]
                public static ReviewCompleted Review(PlanSubmitted message) => new(message.PlanId, true);

                [Rule]
                public static ReviewCompleted? MaybeReview(PlanSubmitted message) => null;
            }
            """ + PlanReview);

    [Fact]
    public Task A_rule_of_an_unknown_flow_is_checked_against_its_state_class() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            public class Draft { }

            [Rules<{|FLOW0006:Draft|}>]
            public static partial class DraftRules
            {
                [Rule]
                public static void {|#0:Submit|}(Draft draft, string text) { }
            }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.RuleParametersInvalid).WithLocation(0).WithArguments("Submit", "Draft", "Draft, string", "Draft"));
}
