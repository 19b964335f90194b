using FlowSdk.Analyzers.Tests.Infrastructure;
using FlowSdk.CodeFixes;

namespace FlowSdk.Analyzers.Tests;

/// <summary>The fix for FLOW0014: set MaxIterations = 10 on the flow's [Flow] attribute.</summary>
public sealed class AddMaxIterationsCodeFixerTests
{
    private static readonly string Fixed = Rules.Replace("{|FLOW0014:TicketPhase.New|}", "TicketPhase.New", StringComparison.Ordinal);

    private const string Rules = """

        public enum TicketPhase { New, Open, [TerminalPhase] Closed }

        [Message("tickets.opened", External = true)]
        public sealed record TicketOpened([property: CorrelationKey] string TicketId);

        [Rules<Ticket>]
        public static partial class TicketRules
        {
            [Rule(From = TicketPhase.New, To = TicketPhase.Open)]
            public static void Open(Ticket ticket, TicketOpened opened) { }

            [Rule(From = TicketPhase.Open, To = {|FLOW0014:TicketPhase.New|})]
            public static void Reopen(Ticket ticket, TicketOpened opened) { }

            [Rule(From = TicketPhase.Open, To = TicketPhase.Closed)]
            public static void Close(Ticket ticket, TicketOpened opened) { }
        }
        """;

    [Fact]
    public Task Adds_MaxIterations_after_the_id() =>
        Verify.CodeFixAsync<AddMaxIterationsCodeFixer>(
            """
            using FlowSdk;

            [Flow<TicketPhase>("ticket")]
            public partial class Ticket { }
            """ + Rules,
            """
            using FlowSdk;

            [Flow<TicketPhase>("ticket", MaxIterations = 10)]
            public partial class Ticket { }
            """ + Fixed);

    [Fact]
    public Task Adds_MaxIterations_after_the_other_named_arguments() =>
        Verify.CodeFixAsync<AddMaxIterationsCodeFixer>(
            """
            using FlowSdk;

            [Flow<TicketPhase>(
                "ticket",
                Timeout = "01:00:00")]
            public partial class Ticket { }
            """ + Rules,
            """
            using FlowSdk;

            [Flow<TicketPhase>(
                "ticket",
                Timeout = "01:00:00", MaxIterations = 10)]
            public partial class Ticket { }
            """ + Fixed);

    [Fact]
    public Task Replaces_MaxIterations_zero() =>
        Verify.CodeFixAsync<AddMaxIterationsCodeFixer>(
            """
            using FlowSdk;

            [FlowSdk.Flow<TicketPhase>("ticket", MaxIterations = {|FLOW0036:0|}, OnCompleted = "tickets.closed")]
            public partial class Ticket { }
            """ + Rules,
            """
            using FlowSdk;

            [FlowSdk.Flow<TicketPhase>("ticket", MaxIterations = 10, OnCompleted = "tickets.closed")]
            public partial class Ticket { }
            """ + Fixed);

    [Fact]
    public Task Fix_all_sets_a_limit_on_every_looping_flow()
    {
        const string incidents = """

            [Rules<Incident>]
            public static partial class IncidentRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Open)]
                public static void Open(Incident incident, TicketOpened opened) { }

                [Rule(To = {|FLOW0014:TicketPhase.Open|})]
                public static void Reopen(Incident incident, TicketOpened opened) { }

                [Rule(From = TicketPhase.Open, To = TicketPhase.Closed)]
                public static void Close(Incident incident, TicketOpened opened) { }
            }
            """;
        var test = new FlowCodeFixTest<AddMaxIterationsCodeFixer>
        {
            CodeActionEquivalenceKey = AddMaxIterationsCodeFixer.Key,
            NumberOfFixAllIterations = 1,
            TestCode = """
                using FlowSdk;

                [Flow<TicketPhase>("ticket")]
                public partial class Ticket { }

                [Flow<TicketPhase>("incident")]
                public partial class Incident { }
                """ + Rules + incidents,
            FixedCode = """
                using FlowSdk;

                [Flow<TicketPhase>("ticket", MaxIterations = 10)]
                public partial class Ticket { }

                [Flow<TicketPhase>("incident", MaxIterations = 10)]
                public partial class Incident { }
                """ + Fixed + incidents.Replace("{|FLOW0014:TicketPhase.Open|}", "TicketPhase.Open", StringComparison.Ordinal),
        };
        return test.RunAsync();
    }

    [Fact]
    public Task Fix_all_writes_one_limit_for_several_loops_of_a_flow_declared_in_another_file()
    {
        var test = new FlowCodeFixTest<AddMaxIterationsCodeFixer>
        {
            CodeActionEquivalenceKey = AddMaxIterationsCodeFixer.Key,
            NumberOfFixAllIterations = 1,
        };
        test.TestState.Sources.Add(("Ticket.cs", """
            using FlowSdk;

            public enum TicketPhase { New, Open, [TerminalPhase] Closed }

            [Flow<TicketPhase>("ticket")]
            public partial class Ticket { }
            """));
        test.TestState.Sources.Add(("TicketRules.cs", """
            using FlowSdk;

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Open)]
                public static void Open(Ticket ticket, PlanSubmitted submitted) { }

                [Rule(From = TicketPhase.Open, To = {|FLOW0014:TicketPhase.New|})]
                public static void Reopen(Ticket ticket, PlanSubmitted submitted) { }

                [Rule(From = TicketPhase.Open, To = {|FLOW0014:TicketPhase.Open|})]
                public static void Again(Ticket ticket, ReviewCompleted review) { }

                [Rule(From = TicketPhase.Open, To = TicketPhase.Closed)]
                public static void Close(Ticket ticket, ReviewCompleted review) { }
            }
            """));
        test.FixedState.Sources.Add(("Ticket.cs", """
            using FlowSdk;

            public enum TicketPhase { New, Open, [TerminalPhase] Closed }

            [Flow<TicketPhase>("ticket", MaxIterations = 10)]
            public partial class Ticket { }
            """));
        test.FixedState.Sources.Add(("TicketRules.cs", """
            using FlowSdk;

            [Rules<Ticket>]
            public static partial class TicketRules
            {
                [Rule(From = TicketPhase.New, To = TicketPhase.Open)]
                public static void Open(Ticket ticket, PlanSubmitted submitted) { }

                [Rule(From = TicketPhase.Open, To = TicketPhase.New)]
                public static void Reopen(Ticket ticket, PlanSubmitted submitted) { }

                [Rule(From = TicketPhase.Open, To = TicketPhase.Open)]
                public static void Again(Ticket ticket, ReviewCompleted review) { }

                [Rule(From = TicketPhase.Open, To = TicketPhase.Closed)]
                public static void Close(Ticket ticket, ReviewCompleted review) { }
            }
            """));
        return test.RunAsync();
    }
}
