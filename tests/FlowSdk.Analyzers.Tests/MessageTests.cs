using FlowSdk.Analyzers.Tests.Infrastructure;

namespace FlowSdk.Analyzers.Tests;

/// <summary>
/// Message types: FLOW0015 (subject syntax), FLOW0016 (one subject, two types), FLOW0017
/// (correlation keys) and FLOW0007 (no serializer can be generated).
/// </summary>
public sealed class MessageTests
{
    private const string PlanReview = """

        [Flow<PlanPhase>("plan-review")]
        public partial class PlanReview { public string Content { get; set; } = ""; }
        """;

    [Theory]
    [InlineData("", "a subject cannot be empty")]
    [InlineData("plans..submitted", "token 2 is empty (a subject cannot start or end with '.', or contain '..')")]
    [InlineData(".plans", "token 1 is empty (a subject cannot start or end with '.', or contain '..')")]
    [InlineData("plans.", "token 2 is empty (a subject cannot start or end with '.', or contain '..')")]
    [InlineData("plans submitted", "token 1 ('plans submitted') contains white space or a control character")]
    [InlineData("plans.*", "token 2 is the wildcard '*', which only a subscription may use")]
    [InlineData("plans.>", "token 2 is the wildcard '>', which only a subscription may use")]
    [InlineData("plans.sub*", "token 2 ('sub*') mixes a wildcard with other characters")]
    public Task Invalid_subject_is_reported_at_the_argument(string subject, string problem) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Message({|#0:"{{subject}}"|})]
            public sealed record PlanArchived([property: CorrelationKey] string PlanId);
            """,
            Verify.Diagnostic(DiagnosticDescriptors.InvalidSubject).WithLocation(0).WithArguments(subject, "message 'PlanArchived'", problem));

    [Fact]
    public Task Invalid_subject_message_says_what_a_subject_is() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Message({|#0:"plans archived"|})]
            public sealed record PlanArchived([property: CorrelationKey] string PlanId);
            """,
            Verify.Diagnostic(DiagnosticDescriptors.InvalidSubject).WithLocation(0)
                .WithMessage("Subject 'plans archived' of message 'PlanArchived' is not valid: token 1 ('plans archived') contains white space or a control character. Use dot-separated tokens without white space or wildcards, for example 'plans.submitted'."));

    [Theory]
    [InlineData("plans")]
    [InlineData("plans.archived")]
    [InlineData("plans-v2.archived_at.eu-west-1")]
    public Task Valid_subjects_are_accepted(string subject) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Message("{{subject}}")]
            public sealed record PlanArchived([property: CorrelationKey] string PlanId);
            """);

    [Fact]
    public Task Subject_bound_to_two_message_types_is_reported_on_both() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Message({|#0:"plans.archived"|})]
            public sealed record PlanArchived([property: CorrelationKey] string PlanId);

            namespace Legacy
            {
                [Message({|#1:"plans.archived"|})]
                public sealed class PlanArchived { public string PlanId { get; set; } = ""; }
            }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.DuplicateSubject).WithLocation(0)
                .WithMessage("Subject 'plans.archived' is bound to both 'PlanArchived' and 'Legacy.PlanArchived': a rule listening on it could not tell which type a message is. Give each message type its own subject."),
            Verify.Diagnostic(DiagnosticDescriptors.DuplicateSubject).WithLocation(1).WithArguments("plans.archived", "Legacy.PlanArchived", "PlanArchived"));

    [Fact]
    public Task Subject_of_a_shared_message_reused_is_reported() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Message({|#0:"plans.submitted"|})]
            public sealed record PlanResubmitted([property: CorrelationKey] string PlanId);
            """,
            Verify.Diagnostic(DiagnosticDescriptors.DuplicateSubject).WithLocation(0).WithArguments("plans.submitted", "PlanResubmitted", "PlanSubmitted"),
            Verify.Diagnostic(DiagnosticDescriptors.DuplicateSubject).WithLocation("Shared.cs", 5, 10).WithArguments("plans.submitted", "PlanSubmitted", "PlanResubmitted"));

    [Fact]
    public Task Distinct_subjects_that_share_a_prefix_are_accepted() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Message("plans.archived")]
            public sealed record PlanArchived([property: CorrelationKey] string PlanId);

            [Message("plans.archived.eu")]
            public sealed record PlanArchivedInEurope([property: CorrelationKey] string PlanId);
            """);

    [Fact]
    public Task Message_with_two_correlation_keys_is_reported_at_its_name() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Message("plans.archived")]
            public sealed record {|#0:PlanArchived|}([property: CorrelationKey] string PlanId, [property: CorrelationKey] string ArchiveId);
            """,
            Verify.Diagnostic(DiagnosticDescriptors.MessageWithSeveralCorrelationKeys)
                .WithLocation(0)
                .WithOptions(Microsoft.CodeAnalysis.Testing.DiagnosticOptions.IgnoreAdditionalLocations)
                .WithMessage("Message 'PlanArchived' has 2 properties marked [CorrelationKey] (PlanId, ArchiveId): an execution id comes from exactly one. Keep [CorrelationKey] on the property that holds the execution id."));

    [Fact]
    public Task Message_state_rule_whose_message_has_no_correlation_key_is_reported_at_the_parameter() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Message("plans.archived")]
            public sealed record PlanArchived(string PlanId);

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                public static void Archive(PlanReview plan, PlanArchived {|#0:archived|}) { }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.MessageWithoutCorrelationKey)
                .WithLocation(0)
                .WithMessage("Rule 'Archive' of flow 'plan-review' loads the execution by the correlation key of 'PlanArchived', but 'PlanArchived' has no public property marked [CorrelationKey]: the rule could never find its execution. Mark the property that holds the execution id with [CorrelationKey]."));

    [Fact]
    public Task Correlation_key_on_a_private_property_does_not_count() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Message("plans.archived")]
            public sealed class PlanArchived
            {
                [CorrelationKey] private string PlanId { get; set; } = "";
            }

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                public static void Archive(PlanReview plan, PlanArchived {|#0:archived|}) { }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.MessageWithoutCorrelationKey).WithLocation(0).WithArguments("Archive", "plan-review", "PlanArchived"));

    [Fact]
    public Task Messages_that_need_no_correlation_key_are_accepted() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            // Taken by a message-only rule: no execution to find.
            [Message("plans.archived")]
            public sealed record PlanArchived(string PlanId);

            // A reply: its task id names the execution.
            [Message("plans.checked")]
            public sealed record PlanChecked([property: TaskId] string TaskId, bool Ok);

            // The key inherited from a base class counts.
            public abstract class PlanEvent { [CorrelationKey] public string PlanId { get; set; } = ""; }

            [Message("plans.commented")]
            public sealed class PlanCommented : PlanEvent { public string Text { get; set; } = ""; }

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule]
                public static void Log(PlanArchived archived) { }

                [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                public static void Checked(PlanReview plan, PlanChecked check) { }

                [Rule(From = PlanPhase.InReview)]
                public static void Comment(PlanReview plan, PlanCommented comment) { }
            }
            """ + PlanReview);

    [Fact]
    public Task Generic_message_type_is_reported() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Message("plans.tagged")]
            public sealed record {|#0:PlanTagged|}<T>([property: CorrelationKey] string PlanId, T Tag);
            """,
            Verify.Diagnostic(DiagnosticDescriptors.MessageNotSerializable).WithLocation(0)
                .WithMessage("Message 'PlanTagged' (plans.tagged) is generic, so the generator writes no serializer for it and sending it fails at run time. Declare a non-generic message type."));

    [Fact]
    public Task Message_without_a_constructor_a_serializer_can_call_is_reported() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Message("plans.tagged")]
            public sealed class {|#0:PlanTagged|}
            {
                public PlanTagged(string id) => PlanId = id;
                [CorrelationKey] public string PlanId { get; }
            }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.MessageNotSerializable).WithLocation(0)
                .WithArguments("PlanTagged", "plans.tagged", "has no public constructor whose parameters each match a public property by name and type", "Add one, or a public parameterless constructor and settable properties"));

    [Fact]
    public Task Message_shapes_a_serializer_can_build_are_accepted() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Message("plans.tagged")]
            public sealed class PlanTagged
            {
                public PlanTagged(string planId) => PlanId = planId;
                [CorrelationKey] public string PlanId { get; }
            }

            [Message("plans.noted")]
            public sealed class PlanNoted
            {
                [CorrelationKey] public string PlanId { get; set; } = "";
            }

            [Message("plans.scored")]
            public readonly record struct PlanScored([property: CorrelationKey] string PlanId, int? Score);
            """);
}
