using FlowSdk.Analyzers.Tests.Infrastructure;

namespace FlowSdk.Analyzers.Tests;

/// <summary>
/// Mistakes that used to build clean and then lose data or do nothing at run time, each rejected at
/// the user's line: FLOW0029 to FLOW0036, the FLOW0007 shapes that broke the generated code, and
/// ambiguous durations (FLOW0026). Every case also compiles the code the generator writes from it.
/// </summary>
public sealed class CorrectnessTests
{
    private const string PlanReview = """

        [Flow<PlanPhase>("plan-review")]
        public partial class PlanReview { public string Content { get; set; } = ""; public int Rounds { get; set; } public System.Collections.Generic.List<string> Notes { get; set; } = []; }
        """;

    // FLOW0030: state members the formatter does not write.

    [Theory]
    [InlineData("public System.Collections.Generic.List<string> {|#0:Tags|} { get; } = [];", "Tags", "is get-only, so the generated formatter does not write it and reads back the constructor's value", "Give it a public setter: { get; set; }")]
    [InlineData("public int {|#0:Rounds|} { get; private set; }", "Rounds", "has no public setter, so the generated formatter does not write it", "Make its setter public")]
    [InlineData("private string {|#0:_draft|} = \"\";", "_draft", "is not public, so the generated formatter does not write it", "Make it a public property with a public setter, or mark it [IgnoreMember] if losing it is intended")]
    [InlineData("public readonly System.Collections.Generic.List<string> {|#0:Log|} = [];", "Log", "is a read-only field, so the generated formatter does not write it and reads back the constructor's value", "Make it a property with a public setter: { get; set; }")]
    [InlineData("internal string {|#0:Hidden|} { get; set; } = \"\";", "Hidden", "is not public, so the generated formatter does not write it", "Make it a public property with a public setter, or mark it [IgnoreMember] if losing it is intended")]
    public Task State_member_the_formatter_does_not_write_is_reported_at_the_member(string member, string name, string why, string fix) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public partial class PlanReview
            {
                {{member}}
            }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.StateMemberNotRoundTripped).WithLocation(0).WithArguments(name, "PlanReview", "plan-review", why, fix));

    [Fact]
    public Task State_members_that_survive_a_round_trip_or_are_computed_are_accepted() =>
        Verify.FragmentAsync(
            """
            using System.Collections.Generic;
            using System.Runtime.Serialization;
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public partial class PlanReview
            {
                public List<string> Tags { get; set; } = [];
                public string Title { get; init; } = "";
                public int Count;
                public int TagCount => Tags.Count;
                public string Kind { get; } = "plan";
                public int Version { get; } = 2;
                [IgnoreDataMember] public List<string> Scratch { get; } = [];
                private const int Limit = 3;
                private static int s_created;
            }
            """);

    // FLOW0031: a condition that writes.

    [Theory]
    [InlineData("{|#0:plan.Rounds++|};", "'plan.Rounds'")]
    [InlineData("{|#0:plan.Content = review.PlanId|};", "'plan.Content'")]
    [InlineData("{|#0:plan.Notes.Add(\"seen\")|};", "'plan.Notes'")]
    public Task Condition_that_writes_to_the_state_is_reported_at_the_write(string write, string target) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                [When(nameof(IsApproved))]
                public static void Approve(PlanReview plan, ReviewCompleted review) { }

                private static bool IsApproved(PlanReview plan, ReviewCompleted review)
                {
                    {{write}}
                    return review.Approved;
                }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.ConditionWrites).WithLocation(0).WithArguments("IsApproved", "plan-review", target));

    [Fact]
    public Task Condition_that_only_writes_its_own_locals_is_accepted() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.InReview, To = PlanPhase.Approved)]
                [When(nameof(IsApproved))]
                public static void Approve(PlanReview plan, ReviewCompleted review) => plan.Rounds++;

                private static bool IsApproved(PlanReview plan, ReviewCompleted review)
                {
                    var words = new System.Collections.Generic.List<string>();
                    words.Add(plan.Content);
                    var count = 0;
                    count++;
                    return review.Approved && count == words.Count;
                }
            }
            """ + PlanReview);

    // FLOW0032: a correlation key the runtime cannot make an execution id of.

    [Fact]
    public Task Strongly_typed_id_as_correlation_key_is_reported_at_the_key() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            public readonly record struct PlanId(string Value);

            [Message("plans.opened", External = true)]
            public sealed record PlanOpened([property: CorrelationKey] PlanId {|#0:PlanId|}, string Content);
            """,
            Verify.Diagnostic(DiagnosticDescriptors.CorrelationKeyType)
                .WithLocation(0)
                .WithMessage("Correlation key 'PlanId' of message 'PlanOpened' is a 'PlanId': the runtime turns the key into the execution id with ToString(), which for 'PlanId' is not a valid execution id (letters, digits, '-', '_' and '='), so every such message is rejected at run time. Make the key a string, an integer type or a Guid, for example the strongly typed id's underlying value."));

    [Theory]
    [InlineData("string")]
    [InlineData("string?")]
    [InlineData("int")]
    [InlineData("long?")]
    [InlineData("System.Guid")]
    [InlineData("PlanPhase")]
    public Task Correlation_keys_the_runtime_formats_are_accepted(string type) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Message("plans.opened", External = true)]
            public sealed record PlanOpened([property: CorrelationKey] {{type}} PlanId, string Content);
            """);

    // FLOW0033: a message-only rule that sets what needs an execution.

    [Theory]
    [InlineData("From = {|#0:PlanPhase.InReview|}", "sets From", "the runtime ignores: it fires in no phase and moves none")]
    [InlineData("To = {|#0:PlanPhase.Approved|}", "sets To", "the runtime ignores: it fires in no phase and moves none")]
    [InlineData("Cooldown = {|#0:\"00:05:00\"|}", "sets Cooldown", "the runtime ignores: a cooldown runs per execution")]
    [InlineData("MaxFirings = {|#0:2|}", "sets MaxFirings", "the runtime ignores: firings are counted per execution")]
    public Task Message_only_rule_with_execution_arguments_is_reported_at_the_argument(string arguments, string what, string effect) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule({{arguments}})]
                public static void Note(ReviewCompleted review) { }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.StatelessRuleActsOnExecution).WithLocation(0).WithArguments("Note", "plan-review", what, effect, "PlanReview"));

    [Fact]
    public Task Message_only_rule_that_ends_an_execution_is_reported_at_the_call() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule]
                public static void Note(ReviewCompleted review, RuleContext context)
                {
                    if (!review.Approved) { {|#0:context.Fail("rejected")|}; }
                }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.StatelessRuleActsOnExecution)
                .WithLocation(0)
                .WithMessage("Rule 'Note' of flow 'plan-review' takes no state, so it runs for no execution, yet it calls 'context.Fail', which throws at run time: there is no execution to complete, fail or escalate. Take the flow's state as the rule's first parameter (PlanReview state, ...), or remove it."));

    [Fact]
    public Task Message_only_rule_that_only_publishes_is_accepted() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = null, To = null)]
                public static PlanSubmitted Resubmit(ReviewCompleted review, RuleContext context) => new(review.PlanId, context.Now.ToString("O"));
            }
            """ + PlanReview);

    // FLOW0034: a reply rule in another phase than the request waits in.

    private const string Ticket = """

        public enum TicketPhase { New, Assigning, [TerminalPhase] Closed }

        [Message("tickets.opened", External = true)]
        public sealed record TicketOpened([property: CorrelationKey] string TicketId);

        [Message("owners.lookup", External = true)]
        public sealed record OwnerLookup(string TicketId, [property: TaskId] string TaskId = "");

        [Message("owners.found", External = true)]
        public sealed record OwnerFound([property: TaskId] string TaskId, string Owner);

        [Flow<TicketPhase>("ticket")]
        public partial class Ticket { public string Owner { get; set; } = ""; }
        """;

    [Fact]
    public Task Reply_rule_that_fires_in_another_phase_than_the_request_waits_in_is_reported_at_its_From() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Assigning, AwaitReply = true)]
                public static OwnerLookup Lookup(Ticket ticket, TicketOpened opened) => new(opened.TicketId);

                [Rule(From = TicketPhase.Assigning, To = TicketPhase.Closed)]
                public static void Close(Ticket ticket, TicketOpened opened) { }

                [Rule(From = {|#0:TicketPhase.New|}, To = TicketPhase.Closed)]
                public static void Assign(Ticket ticket, OwnerFound found) => ticket.Owner = found.Owner;
            }
            """ + Ticket,
            Verify.Diagnostic(DiagnosticDescriptors.ReplyRulePhase)
                .WithLocation(0)
                .WithMessage("Rule 'Assign' of flow 'ticket' takes the reply to 'OwnerLookup' but fires From = New, while rule 'Lookup' publishes that request and parks the execution in 'Assigning': the reply finds the execution in 'Assigning', the rule never fires, and the execution waits forever. Set From = Assigning on 'Assign', or the To of 'Lookup' to New."));

    [Theory]
    [InlineData("From = TicketPhase.Assigning, To = TicketPhase.Closed")]
    [InlineData("To = TicketPhase.Closed")]
    public Task Reply_rule_in_the_phase_the_request_waits_in_is_accepted(string arguments) =>
        Verify.AnalyzerAsync(
            $$"""
            using FlowSdk;

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Assigning, AwaitReply = true)]
                public static OwnerLookup Lookup(Ticket ticket, TicketOpened opened) => new(opened.TicketId);

                [Rule({{arguments}})]
                public static void Assign(Ticket ticket, OwnerFound found) => ticket.Owner = found.Owner;
            }
            """ + Ticket);

    // FLOW0035: a lifecycle event on a message's subject.

    [Fact]
    public Task Lifecycle_subject_that_a_message_uses_is_reported_at_the_argument() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review", OnCompleted = {|#0:"plans.reviewed"|}, OnFailed = "plans.failed")]
            public partial class PlanReview { }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.LifecycleSubjectIsMessageSubject)
                .WithLocation(0)
                .WithArguments("OnCompleted", "plans.reviewed", "plan-review", "ReviewCompleted"));

    // FLOW0036: limits of 0 or less.

    [Theory]
    [InlineData("MaxIterations = {|#0:0|}", "MaxIterations", 0, "means no limit, the same as leaving it out, though it reads as none at all")]
    [InlineData("MaxIterations = {|#0:-1|}", "MaxIterations", -1, "is refused by the runtime when the flow is loaded, so the flow would never run")]
    public Task Flow_limit_of_zero_or_less_is_reported_at_the_argument(string arguments, string name, int value, string meaning) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Flow<PlanPhase>("plan-review", {{arguments}})]
            public partial class PlanReview { }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.InvalidLimit).WithLocation(0).WithArguments(name, value, "flow 'plan-review'", meaning));

    [Fact]
    public Task Rule_limit_of_zero_is_reported_at_the_argument() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview, MaxFirings = {|#0:0|})]
                public static void Submit(PlanReview plan, PlanSubmitted submitted) { }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.InvalidLimit)
                .WithLocation(0)
                .WithMessage("MaxFirings = 0 of rule 'Submit' of flow 'plan-review' means no limit, the same as leaving it out, though it reads as none at all. Set a limit of 1 or more, or leave MaxFirings out for no limit."));

    // FLOW0026: durations that parse but read as something else.

    [Theory]
    [InlineData("10", "10 days", "10.00:00:00", "00:00:10")]
    [InlineData("00:05", "5 minutes", "00:05:00", "00:00:05")]
    [InlineData("1:30", "1 hour 30 minutes", "01:30:00", "00:01:30")]
    public Task Duration_without_seconds_is_reported_with_its_meaning(string text, string meaning, string full, string other) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Flow<PlanPhase>("plan-review", Timeout = {|#0:"{{text}}"|})]
            public partial class PlanReview { }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.AmbiguousDuration)
                .WithLocation(0)
                .WithMessage($"Timeout = \"{text}\" of flow 'plan-review' reads as {meaning}, which is easy to mistake for another duration. Write every part, [d.]hh:mm:ss: \"{full}\" for {meaning}, or, for example, \"{other}\"."));

    // FLOW0007: shapes that made the generated code fail to compile.

    [Theory]
    [InlineData("public string {|#0:Id|} { get; set; } = \"\";", "Id")]
    [InlineData("public PlanPhase {|#0:Phase|} { get; set; }", "Phase")]
    [InlineData("public int {|#0:Iteration|} { get; set; }", "Iteration")]
    public Task State_member_named_like_the_bookkeeping_is_reported_at_the_member_and_generates_nothing(string member, string name) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public partial class PlanReview
            {
                {{member}}
            }

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void Submit(PlanReview plan, PlanSubmitted submitted) { }
            }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.FlowStateMemberReserved)
                .WithLocation(0)
                .WithArguments("PlanReview", "plan-review", name, "Id, Phase, Status, StatusReason, Iteration, CreatedAt, UpdatedAt, Timeline, FlowFormatter, and the class PlanReviewFlow"));

    [Fact]
    public Task Class_named_like_the_generated_flow_class_is_reported() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public partial class PlanReview { }

            public class {|#0:PlanReviewFlow|} { }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.FlowStateMemberReserved).WithLocation(0)
                .WithArguments("PlanReview", "plan-review", "PlanReviewFlow", "Id, Phase, Status, StatusReason, Iteration, CreatedAt, UpdatedAt, Timeline, FlowFormatter, and the class PlanReviewFlow"));

    [Fact]
    public Task Static_partial_class_that_adds_to_the_generated_flow_class_is_accepted() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Flow<PlanPhase>("plan-review")]
            public partial class PlanReview { }

            public static partial class PlanReviewFlow { public const string Owner = "reviews"; }
            """);

    [Fact]
    public Task Message_on_an_abstract_type_is_reported_and_generates_nothing() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Message("plans.events")]
            public abstract record {|#0:PlanEvent|}([property: CorrelationKey] string PlanId);

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void Submit(PlanReview plan, PlanEvent e) { }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.MessageNotSerializable)
                .WithLocation(0)
                .WithArguments("PlanEvent", "plans.events", "is abstract, so no serializer can create one", "Mark the concrete message types derived from it with [Message] instead, each with its own subject"));

    [Fact]
    public Task Generic_message_used_by_a_rule_is_reported_and_generates_nothing() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Message("plans.envelopes")]
            public sealed record {|#0:Envelope|}<T>([property: CorrelationKey] string PlanId, T Body);

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void Submit(PlanReview plan, Envelope<string> e) { }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.MessageNotSerializable).WithLocation(0)
                .WithArguments("Envelope", "plans.envelopes", "is generic", "Declare a non-generic message type"));

    [Fact]
    public Task Message_without_a_usable_constructor_used_by_a_rule_is_reported_and_the_generated_code_compiles() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            [Message("plans.opened")]
            public sealed class {|#0:PlanOpened|}
            {
                public PlanOpened(int unrelated) { }
                [CorrelationKey] public string PlanId { get; } = "";
            }

            [Rules<PlanReview>]
            public static partial class PlanReviewRules
            {
                [Rule(From = PlanPhase.Draft, To = PlanPhase.InReview)]
                public static void Submit(PlanReview plan, PlanOpened opened) { }
            }
            """ + PlanReview,
            Verify.Diagnostic(DiagnosticDescriptors.MessageNotSerializable).WithLocation(0)
                .WithArguments("PlanOpened", "plans.opened", "has no public constructor whose parameters each match a public property by name and type", "Add one, or a public parameterless constructor and settable properties"));

    [Fact]
    public Task Phase_enum_without_members_is_reported_at_the_type_argument() =>
        Verify.FragmentAsync(
            """
            using FlowSdk;

            public enum NoPhase { }

            [Flow<{|#0:NoPhase|}>("plan-review")]
            public partial class PlanReview { }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.PhaseEnumEmpty).WithLocation(0).WithArguments("plan-review", "NoPhase"));
}
