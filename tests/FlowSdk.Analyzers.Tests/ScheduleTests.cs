using Cronos;
using FlowSdk.Analyzers.Tests.Infrastructure;
using FlowSdk.Generators.Parsing.Shared;

namespace FlowSdk.Analyzers.Tests;

/// <summary>FLOW0050 (cron text), FLOW0051 (schedule), FLOW0052 (ticks no rule takes), and the cron grammar held to Cronos.</summary>
public sealed class ScheduleTests
{
    public static TheoryData<string> Expressions() =>
    [
        "* * * * *", "0 2 * * *", "*/5 * * * *", "0 0 1 1 *", "30 * * * *", "0 9-17 * * MON-FRI", "0 0 L * *",
        "0 0 LW * *", "0 0 L-3 * *", "0 0 15W * *", "0 0 ? * 5L", "0 0 ? * MON#2", "0 0 1,15 * *", "*/10 * * * * *",
        "0 0 12 * * ?", "? * * * *", "@daily", "@hourly", "@every_minute", "@yearly", "0 0 * JAN,JUL *", "5-10/2 * * * *", "0 0 * * 7",
        "", "* * * *", "* * * * * * *", "60 * * * *", "0 24 * * *", "0 0 0 * *", "0 0 32 * *", "0 0 * 13 *", "0 0 * * 8",
        "*/0 * * * *", "@often", "a b c d e", "0 0 * * MON#6", "1,,2 * * * *", "0 0 * FOO *", "- * * * *",
    ];

    [Theory]
    [MemberData(nameof(Expressions))]
    public void The_cron_grammar_agrees_with_Cronos(string text)
    {
        var fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        var cronos = CronExpression.TryParse(text.Trim(), fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard, out _);
        Assert.Equal(cronos, CronSyntax.Validate(text) is null);
    }

    [Fact]
    public Task Invalid_cron_text_is_reported_at_Cron() =>
        Verify.FragmentAsync(
            """
            using System;
            using FlowSdk;
            using FlowSdk.Orchestration;

            [Message("cleanup.due")]
            public sealed record CleanupDue([property: CorrelationKey] string Schedule, DateTimeOffset At) : IScheduleTick<CleanupDue>
            {
                public static CleanupDue Create(string schedule, DateTimeOffset at) => new(schedule, at);
            }

            [Flow<PlanPhase>("plan-review")]
            [Schedule<CleanupDue>("nightly", Cron = {|#0:"0 25 * * *"|})]
            public partial class PlanReview { }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.InvalidCron)
                .WithLocation(0)
                .WithArguments("nightly", "plan-review", "0 25 * * *", "the hours field '25' has '25', which is not a value from 0 to 23"));

    [Fact]
    public Task A_schedule_with_neither_interval_nor_cron_is_reported() =>
        Verify.FragmentAsync(
            """
            using System;
            using FlowSdk;
            using FlowSdk.Orchestration;

            [Message("cleanup.due")]
            public sealed record CleanupDue([property: CorrelationKey] string Schedule, DateTimeOffset At) : IScheduleTick<CleanupDue>
            {
                public static CleanupDue Create(string schedule, DateTimeOffset at) => new(schedule, at);
            }

            [Flow<PlanPhase>("plan-review")]
            [{|#0:Schedule<CleanupDue>("nightly")|}]
            public partial class PlanReview { }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.InvalidSchedule)
                .WithLocation(0)
                .WithArguments("nightly", "plan-review", "it needs either Every (a fixed interval) or Cron"));

    [Fact]
    public Task A_time_zone_on_an_interval_schedule_is_reported_at_the_time_zone() =>
        Verify.FragmentAsync(
            """
            using System;
            using FlowSdk;
            using FlowSdk.Orchestration;

            [Message("cleanup.due")]
            public sealed record CleanupDue([property: CorrelationKey] string Schedule, DateTimeOffset At) : IScheduleTick<CleanupDue>
            {
                public static CleanupDue Create(string schedule, DateTimeOffset at) => new(schedule, at);
            }

            [Flow<PlanPhase>("plan-review")]
            [Schedule<CleanupDue>("nightly", Every = "1.00:00:00", TimeZone = {|#0:"Europe/Paris"|})]
            public partial class PlanReview { }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.InvalidSchedule)
                .WithLocation(0)
                .WithArguments("nightly", "plan-review", "TimeZone = \"Europe/Paris\" applies to Cron only: Every = \"1.00:00:00\" ticks on whole multiples of it since the Unix epoch, in UTC whatever the zone; remove TimeZone, or use Cron with it (for example Cron = \"0 0 * * *\" for midnight there)"));

    private const string Cleanup = """
        using System;
        using FlowSdk;
        using FlowSdk.Orchestration;

        [Message("cleanup.due")]
        public sealed record CleanupDue([property: CorrelationKey] string Schedule, DateTimeOffset At) : IScheduleTick<CleanupDue>
        {
            public static CleanupDue Create(string schedule, DateTimeOffset at) => new(schedule, at);
        }

        [Message("cleanup.started", External = true)]
        public sealed record CleanupStarted([property: CorrelationKey] string Schedule);

        public enum CleanupPhase { Idle, [TerminalPhase] Done }

        """;

    [Fact]
    public Task A_schedule_whose_ticks_a_rule_takes_needs_no_producer_and_is_not_reported() =>
        Verify.AnalyzerAsync(Cleanup + """
            [Flow<CleanupPhase>("cleanup")]
            [Schedule<CleanupDue>("nightly", Cron = "0 2 * * *")]
            public partial class Cleanup { }

            [Rules<Cleanup>]
            public static partial class CleanupRules
            {
                [Rule(From = CleanupPhase.Idle, To = CleanupPhase.Done)]
                public static void Run(Cleanup cleanup, CleanupDue due) { }
            }
            """);

    [Fact]
    public Task A_tick_message_the_rules_of_another_flow_take_is_warned_at_the_schedule() =>
        Verify.AnalyzerAsync(Cleanup + """
            [Flow<CleanupPhase>("cleanup")]
            [{|#0:Schedule<CleanupDue>("nightly", Cron = "0 2 * * *")|}]
            public partial class Cleanup { }

            [Rules<Cleanup>]
            public static partial class CleanupRules
            {
                [Rule(From = CleanupPhase.Idle, To = CleanupPhase.Done)]
                public static void Run(Cleanup cleanup, CleanupDue due) { }
            }

            // A second flow whose schedule reuses the tick record: each flow receives the other's ticks.
            [Flow<CleanupPhase>("archive")]
            [{|#1:Schedule<CleanupDue>("hourly", Every = "01:00:00")|}]
            public partial class Archive { }

            [Rules<Archive>]
            public static partial class ArchiveRules
            {
                [Rule(From = CleanupPhase.Idle, To = CleanupPhase.Done)]
                public static void Run(Archive archive, CleanupDue due) { }
            }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.ScheduleTickTakenByAnotherFlow).WithLocation(0).WithArguments("nightly", "cleanup", "CleanupDue", "cleanup.due", "'archive'"),
            Verify.Diagnostic(DiagnosticDescriptors.ScheduleTickTakenByAnotherFlow).WithLocation(1).WithArguments("hourly", "archive", "CleanupDue", "cleanup.due", "'cleanup'"));

    [Fact]
    public Task A_schedule_whose_ticks_no_rule_of_its_flow_takes_is_reported_at_the_tick_type() =>
        Verify.AnalyzerAsync(Cleanup + """
            [Flow<CleanupPhase>("cleanup")]
            [Schedule<{|#0:CleanupDue|}>("nightly", Every = "1.00:00:00")]
            public partial class Cleanup { }

            [Rules<Cleanup>]
            public static partial class CleanupRules
            {
                [Rule(From = CleanupPhase.Idle, To = CleanupPhase.Done)]
                public static void Start(Cleanup cleanup, CleanupStarted started) { }
            }
            """,
            Verify.Diagnostic(DiagnosticDescriptors.ScheduleTickWithoutRule)
                .WithLocation(0)
                .WithArguments("nightly", "cleanup", "CleanupDue"));
}
