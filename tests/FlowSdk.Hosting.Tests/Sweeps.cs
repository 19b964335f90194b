using FlowSdk.Orchestration;

namespace FlowSdk.Hosting.Tests;

/// <summary>A sweep is due: the tick of the sweep flow's schedules.</summary>
[Message("sweeps.due")]
public sealed record SweepDue([property: CorrelationKey] string Schedule, DateTimeOffset At) : IScheduleTick<SweepDue>
{
    public static SweepDue Create(string schedule, DateTimeOffset at) => new(schedule, at);
}

public enum SweepPhase
{
    Waiting,
    Sweeping,
    [TerminalPhase]
    Swept,
}

/// <summary>A flow with two schedules whose ticks act in two phases: what the graph draws for schedules.</summary>
[Flow<SweepPhase>("sweep")]
[Schedule<SweepDue>("hourly", Every = "01:00:00")]
[Schedule<SweepDue>("nightly", Cron = "0 2 * * *", MissedTicks = MissedTickPolicy.CatchUpOnce)]
public partial class Sweep
{
    public int Runs { get; set; }
}

[Rules<Sweep>]
public static partial class SweepRules
{
    [Rule(From = SweepPhase.Waiting, To = SweepPhase.Sweeping)]
    public static void Start(Sweep sweep, SweepDue due) => sweep.Runs++;

    [Rule(From = SweepPhase.Sweeping, To = SweepPhase.Swept)]
    public static void Finish(Sweep sweep, SweepDue due) => sweep.Runs++;
}
