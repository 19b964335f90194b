using FlowSdk.Orchestration;

namespace FlowSdk.Semantics.Flows;

/// <summary>The tick of every schedule of the clock flow: one execution per schedule.</summary>
[Message("test.clock.ticked")]
public sealed record ClockTicked([property: CorrelationKey] string Schedule, DateTimeOffset At) : IScheduleTick<ClockTicked>
{
    public static ClockTicked Create(string schedule, DateTimeOffset at) => new(schedule, at);
}

public enum ClockPhase
{
    Counting,
}

/// <summary>Three minute schedules, one per missed-tick policy, and a cron one.</summary>
[Flow<ClockPhase>("clock")]
[Schedule<ClockTicked>("skip", Every = "00:01:00")]
[Schedule<ClockTicked>("once", Every = "00:01:00", MissedTicks = MissedTickPolicy.CatchUpOnce)]
[Schedule<ClockTicked>("all", Every = "00:01:00", MissedTicks = MissedTickPolicy.CatchUpAll, MaxCatchUp = 3)]
[Schedule<ClockTicked>("hourly-at-30", Cron = "30 * * * *")]
public partial class Clock
{
    public List<DateTimeOffset> Ticks { get; set; } = [];
}

[Rules<Clock>]
public static partial class ClockRules
{
    [Rule(From = ClockPhase.Counting, To = ClockPhase.Counting)]
    public static void Count(Clock clock, ClockTicked tick) => clock.Ticks.Add(tick.At);
}
