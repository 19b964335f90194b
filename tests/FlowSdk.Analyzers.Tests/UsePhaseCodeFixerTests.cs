using FlowSdk.Analyzers.Tests.Infrastructure;
using FlowSdk.CodeFixes;
using Microsoft.CodeAnalysis.Testing;

namespace FlowSdk.Analyzers.Tests;

/// <summary>
/// The fixes for FLOW0008: write the flow's own phase for a member of another enum or a string,
/// adding the member to the phase enum when it is missing.
/// </summary>
public sealed class UsePhaseCodeFixerTests
{
    private const string Ticket = """

        public enum OtherPhase { New, Open, Waiting }

        [Flow<TicketPhase>("ticket")]
        public partial class Ticket { }
        """;

    [Fact]
    public Task Uses_the_flow_phase_of_the_same_name() =>
        FixAsync(
            """
            using FlowSdk;

            public enum TicketPhase { New, Open, [TerminalPhase] Closed }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = {|FLOW0008:OtherPhase.New|}, To = {|FLOW0008:"Open"|})]
                public static void Open(Ticket ticket, PlanSubmitted submitted) { }
            }
            """ + Ticket,
            """
            using FlowSdk;

            public enum TicketPhase { New, Open, [TerminalPhase] Closed }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Open)]
                public static void Open(Ticket ticket, PlanSubmitted submitted) { }
            }
            """ + Ticket,
            UsePhaseCodeFixer.UseKey,
            iterations: 2);

    [Fact]
    public Task Adds_a_missing_phase_before_the_terminal_phases_of_a_one_line_enum() =>
        FixAsync(
            """
            using FlowSdk;

            public enum TicketPhase { New, Open, [TerminalPhase] Closed }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.Open, To = {|FLOW0008:OtherPhase.Waiting|})]
                public static void Wait(Ticket ticket, PlanSubmitted submitted) { }
            }
            """ + Ticket,
            """
            using FlowSdk;

            public enum TicketPhase { New, Open, Waiting, [TerminalPhase] Closed }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.Open, To = TicketPhase.Waiting)]
                public static void Wait(Ticket ticket, PlanSubmitted submitted) { }
            }
            """ + Ticket,
            UsePhaseCodeFixer.AddKey);

    [Fact]
    public Task Adds_a_missing_phase_on_its_own_line_before_the_terminal_phase_and_its_comment() =>
        FixAsync(
            """
            using FlowSdk;

            public enum TicketPhase
            {
                /// <summary>Just opened.</summary>
                New,

                /// <summary>Done.</summary>
                [TerminalPhase]
                Closed,
            }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = {|FLOW0008:"Escalated"|})]
                public static void Escalate(Ticket ticket, PlanSubmitted submitted) { }
            }
            """ + Ticket,
            """
            using FlowSdk;

            public enum TicketPhase
            {
                /// <summary>Just opened.</summary>
                New,
                Escalated,

                /// <summary>Done.</summary>
                [TerminalPhase]
                Closed,
            }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Escalated)]
                public static void Escalate(Ticket ticket, PlanSubmitted submitted) { }
            }
            """ + Ticket,
            UsePhaseCodeFixer.AddKey);

    [Fact]
    public Task Appends_a_missing_phase_to_an_enum_without_terminal_phases_in_another_file()
    {
        var test = new FlowCodeFixTest<UsePhaseCodeFixer>(wholeFlowChecks: false) { CodeActionEquivalenceKey = UsePhaseCodeFixer.AddKey };
        test.TestState.Sources.Add(("TicketPhase.cs", """
            public enum TicketPhase
            {
                New,
                Open
            }
            """));
        test.TestState.Sources.Add(("TicketRules.cs", """
            using FlowSdk;

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.Open, To = {|FLOW0008:OtherPhase.Waiting|})]
                public static void Wait(Ticket ticket, PlanSubmitted submitted) { }
            }
            """ + Ticket));
        test.FixedState.Sources.Add(("TicketPhase.cs", """
            public enum TicketPhase
            {
                New,
                Open,
                Waiting
            }
            """));
        test.FixedState.Sources.Add(("TicketRules.cs", """
            using FlowSdk;

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.Open, To = TicketPhase.Waiting)]
                public static void Wait(Ticket ticket, PlanSubmitted submitted) { }
            }
            """ + Ticket));
        return test.RunAsync();
    }

    [Fact]
    public Task Qualifies_the_phase_as_the_rule_file_can_name_it() =>
        FixAsync(
            """
            using FlowSdk;

            namespace Tickets
            {
                public enum TicketPhase { New, Open, [TerminalPhase] Closed }

                [Flow<TicketPhase>("ticket")]
                public partial class Ticket { }
            }

            namespace Rules
            {
                [Rules<Tickets.Ticket>]
                public static partial class TicketRules
                {
                    [Rule(From = {|FLOW0008:"New"|})]
                    public static void Note(Tickets.Ticket ticket, PlanSubmitted submitted) { }
                }
            }
            """,
            """
            using FlowSdk;

            namespace Tickets
            {
                public enum TicketPhase { New, Open, [TerminalPhase] Closed }

                [Flow<TicketPhase>("ticket")]
                public partial class Ticket { }
            }

            namespace Rules
            {
                [Rules<Tickets.Ticket>]
                public static partial class TicketRules
                {
                    [Rule(From = Tickets.TicketPhase.New)]
                    public static void Note(Tickets.Ticket ticket, PlanSubmitted submitted) { }
                }
            }
            """,
            UsePhaseCodeFixer.UseKey);

    [Theory]
    [InlineData("1")]
    [InlineData("\"not a name\"")]
    public Task Offers_no_fix_when_the_argument_names_no_phase(string argument)
    {
        var source = $$"""
            using FlowSdk;

            public enum TicketPhase { New, Open, [TerminalPhase] Closed }

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(To = {|FLOW0008:{{argument}}|})]
                public static void Open(Ticket ticket, PlanSubmitted submitted) { }
            }
            """ + Ticket;
        return new FlowCodeFixTest<UsePhaseCodeFixer>(wholeFlowChecks: false) { TestCode = source, FixedCode = source }.RunAsync();
    }

    private static Task FixAsync(string source, string fixedSource, string key, int iterations = 1) =>
        new FlowCodeFixTest<UsePhaseCodeFixer>(wholeFlowChecks: false)
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = key,
            NumberOfIncrementalIterations = iterations,
            NumberOfFixAllIterations = 1,
        }.RunAsync();
}
