using FlowSdk.Analyzers.Tests.Infrastructure;

namespace FlowSdk.Analyzers.Tests;

/// <summary>FLOW0037: RuleContext.Request is the generated dispatch's; a rule's own call throws at run time.</summary>
public sealed class RuleContextAnalyzerTests
{
    private const string Flow = """

        public sealed record OwnerLookup(string PlanId)
        {
            [TaskId] public string TaskId { get; set; } = "";
        }

        [Flow<PlanPhase>("plan-review")]
        public partial class PlanReview { }
        """;

    [Fact]
    public Task Request_called_by_a_rule_is_reported_at_the_call() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                private static readonly MessagePort<OwnerLookup> Lookups = null!;

                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void Submit(PlanReview plan, PlanSubmitted submitted, RuleContext context) =>
                    {|#0:context.Request(Lookups, new OwnerLookup(submitted.PlanId))|};
            }
            """ + Flow,
            Verify.Diagnostic(DiagnosticDescriptors.RequestCalledByUserCode).WithLocation(0));

    [Fact]
    public Task Request_called_outside_a_rule_is_reported_too() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            public static class Helpers
            {
                public static void Ask(RuleContext context, MessagePort<OwnerLookup> port) =>
                    {|#0:context.Request(port, new OwnerLookup("p-1"))|};
            }
            """ + Flow,
            Verify.Diagnostic(DiagnosticDescriptors.RequestCalledByUserCode).WithLocation(0));

    [Fact]
    public Task Publish_from_a_rule_is_accepted() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                private static readonly MessagePort<OwnerLookup> Lookups = null!;

                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void Submit(PlanReview plan, PlanSubmitted submitted, RuleContext context) =>
                    context.Publish(Lookups, new OwnerLookup(submitted.PlanId));
            }
            """ + Flow);
}
