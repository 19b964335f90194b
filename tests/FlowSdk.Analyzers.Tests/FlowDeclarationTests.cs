using FlowSdk.Analyzers.Tests.Infrastructure;

namespace FlowSdk.Analyzers.Tests;

/// <summary>
/// The [Flow] attribute and class on their own: FLOW0007 (a class the generator cannot use),
/// FLOW0019 (id), FLOW0015 (lifecycle subjects) and FLOW0026 (timeout).
/// </summary>
public sealed class FlowDeclarationTests
{
    [Fact]
    public Task Generic_flow_state_is_reported_at_its_name() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public partial class {|#0:PlanReview|}<T> { }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.FlowStateNotUsable)
                .WithLocation(0)
                .WithMessage("Flow state class 'PlanReview' of flow 'plan-review' is generic, so the generator skips the flow. Remove its type parameters."));

    [Fact]
    public Task Abstract_flow_state_is_reported() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public abstract partial class {|#0:PlanReview|} { }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.FlowStateNotUsable)
                .WithLocation(0)
                .WithArguments("PlanReview", "plan-review", "is abstract", "Make it a concrete class: the runtime creates the state of each execution"));

    [Theory]
    [InlineData("public PlanReview(string content) { }")]
    [InlineData("private PlanReview() { }")]
    [InlineData("internal PlanReview() { }")]
    public Task Flow_state_without_a_public_parameterless_constructor_is_reported(string constructor) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public partial class {|#0:PlanReview|}
            {
                {{constructor}}
            }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.FlowStateNotUsable)
                .WithLocation(0)
                .WithArguments("PlanReview", "plan-review", "has no public parameterless constructor", "Add one: the runtime creates the state of each new execution with it"));

    [Fact]
    public Task Flow_state_with_a_public_parameterless_constructor_among_others_is_accepted() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            internal sealed partial class PlanReview
            {
                public PlanReview() { }
                public PlanReview(string content) => Content = content;
                public string Content { get; set; } = "";
            }
            """);

    [Theory]
    [InlineData("Plan-Review", "it contains 'P'")]
    [InlineData("plan_review", "it contains '_'")]
    [InlineData("plan review", "it contains ' '")]
    [InlineData("-plan", "it starts with '-'")]
    [InlineData("", "a flow id cannot be empty")]
    public Task Invalid_flow_id_is_reported_at_the_argument(string id, string problem) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Flow<PlanPhase>({|#0:"{{id}}"|})]
            public partial class PlanReview { }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.InvalidFlowId).WithLocation(0).WithArguments(id, "PlanReview", problem));

    [Fact]
    public Task Invalid_flow_id_message_says_what_an_id_is() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Flow<PlanPhase>({|#0:"PlanReview"|})]
            public partial class PlanReview { }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.InvalidFlowId)
                .WithLocation(0)
                .WithMessage("Flow id 'PlanReview' of 'PlanReview' is not valid: it contains 'P'. Use lowercase letters, digits and dashes, starting with a letter or digit, for example 'plan-review'."));

    [Theory]
    [InlineData("plan-review")]
    [InlineData("v2")]
    [InlineData("9-lives")]
    [InlineData("plan-")]
    public Task Valid_flow_ids_are_accepted(string id) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Flow<PlanPhase>("{{id}}")]
            public partial class PlanReview { }
            """);

    [Fact]
    public Task Invalid_lifecycle_subject_is_reported_at_its_argument() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review", OnCompleted = "plans.done", OnEscalated = {|#0:"plans.*"|})]
            public partial class PlanReview { }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.InvalidSubject)
                .WithLocation(0)
                .WithMessage("Subject 'plans.*' of the OnEscalated event of flow 'plan-review' is not valid: token 2 is the wildcard '*', which only a subscription may use. Use dot-separated tokens without white space or wildcards, for example 'plans.submitted'."));

    [Theory]
    [InlineData("ten minutes")]
    [InlineData("00:00:00")]
    [InlineData("-00:05:00")]
    public Task Invalid_timeout_is_reported_at_its_argument(string timeout) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Flow<PlanPhase>("plan-review", Timeout = {|#0:"{{timeout}}"|})]
            public partial class PlanReview { }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.InvalidDuration)
                .WithLocation(0)
                .WithArguments("Timeout", timeout, "flow 'plan-review'", "the whole flow"));

    [Theory]
    [InlineData("00:10:00")]
    [InlineData("1.00:00:00")]
    [InlineData("00:00:00.5")]
    public Task Valid_timeouts_are_accepted(string timeout) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Flow<PlanPhase>("plan-review", Timeout = "{{timeout}}", OnTimedOut = "plans.timed-out")]
            public partial class PlanReview { }
            """);
}
