using FlowSdk.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;

namespace FlowSdk.Analyzers.Tests;

/// <summary>
/// A flow as a whole, every check on: FLOW0012 (no rule starts an execution), FLOW0010
/// (unreachable phase), FLOW0011 (phase without exit), FLOW0014 (loop without MaxIterations),
/// FLOW0018 (duplicate flow ids), FLOW0020 (duplicate rule names), FLOW0028 (an awaited reply no rule takes).
/// </summary>
public sealed class FlowGraphTests
{
    // Tickets: opened, triaged, answered. External messages, so the port checks stay quiet.
    private const string Messages = """

        [Message("tickets.opened", External = true)]
        public sealed record TicketOpened([property: CorrelationKey] string TicketId);

        [Message("tickets.triaged", External = true)]
        public sealed record TicketTriaged([property: CorrelationKey] string TicketId, bool Urgent);

        [Message("tickets.answered", External = true)]
        public sealed record TicketAnswered([property: CorrelationKey] string TicketId);
        """;

    [Fact]
    public Task Complete_flow_is_not_reported() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            public enum TicketPhase { New, Triaged, Waiting, [TerminalPhase] Closed, [TerminalPhase] Dropped }

            [Flow<TicketPhase>("ticket", MaxIterations = 5)]
            public partial class Ticket { }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Triaged)]
                public static void Triage(Ticket ticket, TicketTriaged triaged) { }

                [Rule(From = TicketPhase.Triaged, To = TicketPhase.Waiting)]
                public static void Wait(Ticket ticket) { }

                [Rule(From = TicketPhase.Waiting, To = TicketPhase.Closed)]
                public static void Answer(Ticket ticket, TicketAnswered answered) { }

                [Rule(From = TicketPhase.Waiting, To = TicketPhase.Triaged)]
                public static void Reopen(Ticket ticket, TicketOpened opened) { }

                // No From: any non-terminal phase, so every phase has this way out.
                [Rule(To = TicketPhase.Dropped)]
                public static void Drop(Ticket ticket, TicketOpened opened) { }
            }
            """ + Messages);

    [Fact]
    public Task Flow_without_a_rule_that_starts_an_execution_is_reported_at_its_name() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            public enum TicketPhase { New, [TerminalPhase] Closed }

            [Flow<TicketPhase>("ticket")]
            public partial class {|#0:Ticket|} { }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                // A message-only rule creates no execution.
                [Rule]
                public static void Log(TicketOpened opened) { }

                // A state rule reacts to an execution that exists.
                [Rule(From = TicketPhase.New, To = TicketPhase.Closed)]
                public static void Close(Ticket ticket) { }
            }
            """ + Messages,
            Verify.Diagnostic(DiagnosticDescriptors.NoStartRule)
                .WithLocation(0)
                .WithMessage("Flow 'ticket' has no rule that can start an execution: a new execution starts in 'New', and only a rule that takes (Ticket state, TMessage message) with From = TicketPhase.New or no From creates one. Add such a rule."));

    [Fact]
    public Task Flow_whose_only_message_rule_fires_in_a_later_phase_cannot_start() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            public enum TicketPhase { New, Open, [TerminalPhase] Closed }

            [Flow<TicketPhase>("ticket")]
            public partial class {|#0:Ticket|} { }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Open)]
                public static void Open(Ticket ticket) { }

                [Rule(From = TicketPhase.Open, To = TicketPhase.Closed)]
                public static void Close(Ticket ticket, TicketAnswered answered) { }
            }
            """ + Messages,
            Verify.Diagnostic(DiagnosticDescriptors.NoStartRule).WithLocation(0).WithArguments("ticket", "New", "Ticket", "TicketPhase"));

    [Fact]
    public Task Unreachable_phase_is_reported_at_the_enum_member() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            public enum TicketPhase { New, {|#0:Escalated|}, [TerminalPhase] Closed }

            [Flow<TicketPhase>("ticket")]
            public partial class Ticket { }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Closed)]
                public static void Close(Ticket ticket, TicketAnswered answered) { }

                // Fires only in a phase nothing leads to.
                [Rule(From = TicketPhase.Escalated, To = TicketPhase.Closed)]
                public static void Resolve(Ticket ticket, TicketTriaged triaged) { }
            }
            """ + Messages,
            Verify.Diagnostic(DiagnosticDescriptors.UnreachablePhase)
                .WithLocation(0)
                .WithMessage("Phase 'Escalated' of flow 'ticket' is unreachable: no sequence of rules moves an execution there from the initial phase 'New'. Add a rule with To = TicketPhase.Escalated that fires in a reachable phase, or remove the phase."));

    [Fact]
    public Task Phase_reached_through_a_rule_without_From_is_reachable() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            public enum TicketPhase { New, Escalated, [TerminalPhase] Closed }

            // Escalate fires in Escalated too, and so loops: it needs a limit.
            [Flow<TicketPhase>("ticket", MaxIterations = 3)]
            public partial class Ticket { }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(To = TicketPhase.Escalated)]
                public static void Escalate(Ticket ticket, TicketTriaged triaged) { }

                [Rule(From = TicketPhase.Escalated, To = TicketPhase.Closed)]
                public static void Close(Ticket ticket, TicketAnswered answered) { }
            }
            """ + Messages);

    [Fact]
    public Task Phase_without_a_way_out_is_reported_at_the_enum_member() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            public enum TicketPhase { New, {|#0:Open|}, [TerminalPhase] {|#1:Closed|} }

            [Flow<TicketPhase>("ticket")]
            public partial class Ticket { }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Open)]
                public static void Open(Ticket ticket, TicketOpened opened) { }

                // Keeps the phase: no way out.
                [Rule(From = TicketPhase.Open)]
                public static void Note(Ticket ticket, TicketTriaged triaged) { }
            }
            """ + Messages,
            Verify.Diagnostic(DiagnosticDescriptors.PhaseWithoutExit)
                .WithLocation(0)
                .WithMessage("Phase 'Open' of flow 'ticket' has no way out: no rule moves an execution from it to another phase, so an execution that reaches it never ends. Add a rule with From = TicketPhase.Open and a To, or mark the phase [TerminalPhase]."),
            // Nothing moves an execution to Closed either.
            Verify.Diagnostic(DiagnosticDescriptors.UnreachablePhase).WithLocation(1).WithArguments("Closed", "ticket", "New", "TicketPhase"));

    [Fact]
    public Task Terminal_phases_and_phases_a_rule_without_From_leaves_have_a_way_out() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            public enum TicketPhase { New, Open, [TerminalPhase] Closed }

            [Flow<TicketPhase>("ticket")]
            public partial class Ticket { }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Open)]
                public static void Open(Ticket ticket, TicketOpened opened) { }

                [Rule(To = TicketPhase.Closed)]
                public static void Close(Ticket ticket, TicketAnswered answered) { }
            }
            """ + Messages);

    [Fact]
    public Task Loop_without_MaxIterations_is_reported_at_the_rule_To() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            public enum TicketPhase { New, Open, [TerminalPhase] Closed }

            [Flow<TicketPhase>("ticket")]
            public partial class Ticket { }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Open)]
                public static void Open(Ticket ticket, TicketOpened opened) { }

                [Rule(From = TicketPhase.Open, To = {|#0:TicketPhase.New|})]
                public static void Reopen(Ticket ticket, TicketTriaged triaged) { }

                [Rule(From = TicketPhase.Open, To = TicketPhase.Closed)]
                public static void Close(Ticket ticket, TicketAnswered answered) { }
            }
            """ + Messages,
            Verify.Diagnostic(DiagnosticDescriptors.LoopWithoutMaxIterations)
                .WithLocation(0)
                .WithMessage("Rule 'Reopen' of flow 'ticket' moves an execution from 'Open' back to 'New', a loop, but the flow sets no MaxIterations, so an execution can cycle forever. Set MaxIterations on the flow's [Flow] attribute."));

    [Theory]
    [InlineData("[Rule(From = TicketPhase.Open, To = {|#0:TicketPhase.Open|})]", "Open", "Open")]
    [InlineData("[Rule(To = {|#0:TicketPhase.Open|})]", "Open", "Open")]
    [InlineData("[Rule(To = {|#0:TicketPhase.New|})]", "New", "New")]
    public Task Rule_that_re_enters_its_phase_is_a_loop(string rule, string from, string to) =>
        Verify.AnalyzerAsync(
            $$"""
            using FlowSdk;

            public enum TicketPhase { New, Open, [TerminalPhase] Closed }

            [Flow<TicketPhase>("ticket")]
            public partial class Ticket { }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Open)]
                public static void Open(Ticket ticket, TicketOpened opened) { }

                {{rule}}
                public static void Again(Ticket ticket, TicketTriaged triaged) { }

                [Rule(From = TicketPhase.Open, To = TicketPhase.Closed)]
                public static void Close(Ticket ticket, TicketAnswered answered) { }
            }
            """ + Messages,
            Verify.Diagnostic(DiagnosticDescriptors.LoopWithoutMaxIterations).WithLocation(0).WithArguments("Again", "ticket", from, to));

    [Theory]
    [InlineData("MaxIterations = 3", "[Rule(From = TicketPhase.Open, To = TicketPhase.New)]")]
    [InlineData("Timeout = \"01:00:00\"", "[Rule(From = TicketPhase.Open)]")]
    [InlineData("Timeout = \"01:00:00\"", "[Rule(To = TicketPhase.Closed)]")]
    [InlineData("Timeout = \"01:00:00\"", "[Rule(From = TicketPhase.New, To = TicketPhase.Closed)]")]
    public Task Bounded_loops_and_forward_moves_are_not_reported(string limit, string rule) =>
        Verify.AnalyzerAsync(
            $$"""
            using FlowSdk;

            public enum TicketPhase { New, Open, [TerminalPhase] Closed }

            [Flow<TicketPhase>("ticket", {{limit}})]
            public partial class Ticket { }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Open)]
                public static void Open(Ticket ticket, TicketOpened opened) { }

                {{rule}}
                public static void Other(Ticket ticket, TicketTriaged triaged) { }

                [Rule(From = TicketPhase.Open, To = TicketPhase.Closed)]
                public static void Close(Ticket ticket, TicketAnswered answered) { }
            }
            """ + Messages);

    [Fact]
    public Task Duplicate_rule_names_across_rules_classes_are_reported_at_the_later_rule() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            public enum TicketPhase { New, [TerminalPhase] Closed }

            [Flow<TicketPhase>("ticket")]
            public partial class Ticket { }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Closed)]
                public static void {|#1:Close|}(Ticket ticket, TicketAnswered answered) { }
            }

            [Rules<Ticket>]
            public static partial class EscalationRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Closed)]
                public static void {|#0:Close|}(Ticket ticket, TicketTriaged triaged) { }
            }
            """ + Messages,
            Verify.Diagnostic(DiagnosticDescriptors.DuplicateRuleName)
                .WithLocation(0)
                .WithLocation(1)
                .WithMessage("Flow 'ticket' already has a rule named 'Close' (in 'TicketRules'): a rule's name identifies it in the timeline, its firing counters and the graph. Rename this rule in 'EscalationRules'."));

    [Fact]
    public Task Overloaded_rules_in_one_class_are_reported() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            public enum TicketPhase { New, [TerminalPhase] Closed }

            [Flow<TicketPhase>("ticket")]
            public partial class Ticket { }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Closed)]
                public static void Close(Ticket ticket, TicketAnswered answered) { }

                [Rule(From = TicketPhase.New, To = TicketPhase.Closed)]
                public static void {|#0:Close|}(Ticket ticket, TicketTriaged triaged) { }
            }
            """ + Messages,
            Verify.Diagnostic(DiagnosticDescriptors.DuplicateRuleName)
                .WithLocation(0)
                .WithOptions(DiagnosticOptions.IgnoreAdditionalLocations)
                .WithArguments("ticket", "Close", "TicketRules", "TicketRules"));

    [Fact]
    public Task Same_rule_name_in_two_flows_and_duplicate_flow_ids_are_told_apart() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            public enum TicketPhase { New, [TerminalPhase] Closed }

            [Flow<TicketPhase>({|#0:"ticket"|})]
            public partial class Ticket { }

            [Flow<TicketPhase>({|#1:"ticket"|})]
            public partial class Incident { }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Closed)]
                public static void Close(Ticket ticket, TicketAnswered answered) { }
            }

            [Rules<Incident>]
            public static partial class IncidentRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Closed)]
                public static void Close(Incident incident, TicketAnswered answered) { }
            }
            """ + Messages,
            Verify.Diagnostic(DiagnosticDescriptors.DuplicateFlowId)
                .WithLocation(0)
                .WithMessage("Flow id 'ticket' is declared by both 'Ticket' and 'Incident': a flow id names the flow's subjects, state and deployment, so it must be unique. Give one of them another id."),
            Verify.Diagnostic(DiagnosticDescriptors.DuplicateFlowId).WithLocation(1).WithArguments("ticket", "Incident", "Ticket"));

    [Fact]
    public Task Awaited_reply_that_no_rule_takes_is_reported_at_AwaitReply() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            public enum TicketPhase { New, Assigned, [TerminalPhase] Closed }

            [Message("owners.lookup", External = true)]
            public sealed record OwnerLookup(string TicketId, [property: TaskId] string TaskId = "");

            [Flow<TicketPhase>("ticket")]
            public partial class Ticket { }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Assigned, AwaitReply = {|#0:true|})]
                public static OwnerLookup Lookup(Ticket ticket, TicketOpened opened) => new(opened.TicketId);

                [Rule(From = TicketPhase.Assigned, To = TicketPhase.Closed)]
                public static void Close(Ticket ticket, TicketAnswered answered) { }
            }
            """ + Messages,
            Verify.Diagnostic(DiagnosticDescriptors.AwaitReplyWithoutReplyRule)
                .WithLocation(0)
                .WithMessage("Rule 'Lookup' of flow 'ticket' publishes 'OwnerLookup' and parks the execution until a reply arrives, but no rule of the flow takes a reply (a message with a [TaskId] property, with the flow's state): the execution would wait forever. Add the rule that handles the reply."));

    [Fact]
    public Task Publish_and_await_with_its_reply_rule_is_accepted() =>
        Verify.AnalyzerAsync(
            """
            using FlowSdk;

            public enum TicketPhase { New, Assigned, [TerminalPhase] Closed }

            [Message("owners.lookup", External = true)]
            public sealed record OwnerLookup(string TicketId, [property: TaskId] string TaskId = "");

            [Message("owners.found", External = true)]
            public sealed record OwnerFound([property: TaskId] string TaskId, string Owner);

            [Flow<TicketPhase>("ticket")]
            public partial class Ticket { public string Owner { get; set; } = ""; }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Assigned, AwaitReply = true)]
                public static OwnerLookup Lookup(Ticket ticket, TicketOpened opened) => new(opened.TicketId);

                [Rule(From = TicketPhase.Assigned, To = TicketPhase.Closed)]
                public static void Assign(Ticket ticket, OwnerFound found) => ticket.Owner = found.Owner;
            }
            """ + Messages);

    [Theory]
    [InlineData("public sealed class OwnerFound { [TaskId] public string TaskId { get; init; } = \"\"; public string Owner { get; init; } = \"\"; }")]
    [InlineData("public sealed class OwnerFound { public OwnerFound(string taskId, string owner) { TaskId = taskId; Owner = owner; } [TaskId] public string TaskId { get; } public string Owner { get; } }")]
    public Task Reply_whose_task_id_is_init_only_or_get_only_is_accepted(string reply) =>
        Verify.AnalyzerAsync(
            $$"""
            using FlowSdk;

            public enum TicketPhase { New, Assigned, [TerminalPhase] Closed }

            [Message("owners.lookup", External = true)]
            public sealed record OwnerLookup(string TicketId, [property: TaskId] string TaskId = "");

            [Message("owners.found", External = true)]
            {{reply}}

            [Flow<TicketPhase>("ticket")]
            public partial class Ticket { public string Owner { get; set; } = ""; }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Assigned, AwaitReply = true)]
                public static OwnerLookup Lookup(Ticket ticket, TicketOpened opened) => new(opened.TicketId);

                [Rule(From = TicketPhase.Assigned, To = TicketPhase.Closed)]
                public static void Assign(Ticket ticket, OwnerFound found) => ticket.Owner = found.Owner;
            }
            """ + Messages);

    [Theory]
    [InlineData("void", "{ }", "returns void", "Return the request message")]
    [InlineData("TicketTriaged", "=> new(opened.TicketId, false);", "its request 'TicketTriaged' has no string property marked [TaskId] that the runtime can set", "Add one to 'TicketTriaged', for example [property: TaskId] string TaskId = \"\"")]
    public Task Publish_and_await_rule_without_a_request_the_runtime_can_tag_is_reported(string returnType, string body, string problem, string fix) =>
        Verify.FragmentAsync(
            $$"""
            using FlowSdk;

            public enum TicketPhase { New, Assigned, [TerminalPhase] Closed }

            [Flow<TicketPhase>("ticket")]
            public partial class Ticket { }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Assigned, AwaitReply = {|#0:true|})]
                public static {{returnType}} Lookup(Ticket ticket, TicketOpened opened) {{body}}
            }
            """ + Messages,
            Verify.Diagnostic(DiagnosticDescriptors.AwaitReplyWithoutTaskId).WithLocation(0).WithArguments("Lookup", "ticket", problem, fix));
}
