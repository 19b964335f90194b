using FlowSdk;
using FlowSdk.Orchestration;

namespace SchedulesSample;

/// <summary>A report is due: the tick of the report flow's schedules, one execution per schedule (its name is the key).</summary>
[Message("reports.due")]
public sealed record ReportDue([property: CorrelationKey] string Schedule, DateTimeOffset At) : IScheduleTick<ReportDue>
{
    /// <summary>Creates the tick the runtime publishes for <paramref name="schedule"/> at <paramref name="at"/>.</summary>
    /// <param name="schedule">The schedule's name.</param>
    /// <param name="at">When the tick fell due (UTC).</param>
    /// <returns>The tick.</returns>
    public static ReportDue Create(string schedule, DateTimeOffset at) => new(schedule, at);
}

/// <summary>A report went out, with the ticks it collected.</summary>
[Message("reports.sent", External = true)]
public sealed record ReportSent(string Schedule, int Ticks, DateTimeOffset First, DateTimeOffset Last);

/// <summary>The phases of a report.</summary>
public enum ReportPhase
{
    /// <summary>Collecting ticks.</summary>
    Collecting,

    /// <summary>Sent.</summary>
    [TerminalPhase]
    Sent,
}

/// <summary>A report that collects <see cref="Report.Needed"/> ticks, then is sent.</summary>
[Flow<ReportPhase>("report", MaxIterations = 10)]
[Schedule<ReportDue>("every-second", Every = "00:00:01")]
[Schedule<ReportDue>("nightly", Cron = "0 2 * * *", TimeZone = "Europe/Paris", MissedTicks = MissedTickPolicy.CatchUpOnce)]
public partial class Report
{
    /// <summary>How many ticks a report collects.</summary>
    public const int Needed = 3;

    /// <summary>When each collected tick fell due.</summary>
    public List<DateTimeOffset> Ticks { get; set; } = [];
}

/// <summary>How a report moves.</summary>
[Rules<Report>]
public static partial class ReportRules
{
    /// <summary>A tick is collected until the last one is due.</summary>
    [Rule(From = ReportPhase.Collecting, To = ReportPhase.Collecting)]
    [When(nameof(NotLast), Description = "more ticks are needed")]
    public static void Collect(Report report, ReportDue due) => report.Ticks.Add(due.At);

    /// <summary>The last tick sends the report.</summary>
    [Rule(From = ReportPhase.Collecting, To = ReportPhase.Sent)]
    public static ReportSent Send(Report report, ReportDue due)
    {
        report.Ticks.Add(due.At);
        return new ReportSent(due.Schedule, report.Ticks.Count, report.Ticks[0], report.Ticks[^1]);
    }

    private static bool NotLast(Report report, ReportDue due) => report.Ticks.Count < Report.Needed - 1;
}
