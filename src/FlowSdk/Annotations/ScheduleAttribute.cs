using FlowSdk.Orchestration;

namespace FlowSdk;

/// <summary>
/// Declares a schedule of a flow: at each tick the runtime publishes a <typeparamref name="TTick"/>
/// message (created with <see cref="IScheduleTick{TSelf}.Create"/>), which the flow's rules take like
/// any other message. Give either <see cref="Every"/> (a fixed interval) or <see cref="Cron"/>.
/// On several hosts sharing a state store, exactly one host publishes a given tick.
/// </summary>
/// <typeparam name="TTick">The tick message: a <c>[Message]</c> type a rule of the flow takes.</typeparam>
/// <example>
/// <code>
/// [Flow&lt;CleanupPhase&gt;("cleanup")]
/// [Schedule&lt;CleanupDue&gt;("nightly", Cron = "0 2 * * *", MissedTicks = MissedTickPolicy.CatchUpOnce)]
/// public partial class Cleanup { }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ScheduleAttribute<TTick> : Attribute
    where TTick : IScheduleTick<TTick>
{
    /// <summary>Declares a schedule.</summary>
    /// <param name="name">
    /// The schedule's name, unique within the flow: lowercase letters, digits and dashes. It names
    /// the schedule in state keys, message ids, graphs and logs, so keep it stable.
    /// </param>
    public ScheduleAttribute(string name) => Name = name;

    /// <summary>The schedule's name.</summary>
    public string Name { get; }

    /// <summary>
    /// A fixed interval as a <see cref="TimeSpan"/> string (<c>"00:05:00"</c>). Ticks fall on whole
    /// multiples of the interval since the Unix epoch (UTC), so every host computes the same ticks.
    /// </summary>
    public string? Every { get; set; }

    /// <summary>
    /// A cron expression (as Cronos reads it): five fields (minute hour day-of-month month
    /// day-of-week), or six with seconds first, or a macro such as <c>@daily</c>. Invalid text is
    /// reported at compile time (FLOW0050).
    /// </summary>
    public string? Cron { get; set; }

    /// <summary>The time zone <see cref="Cron"/> is read in (an IANA or Windows id); UTC when <see langword="null"/>.</summary>
    public string? TimeZone { get; set; }

    /// <summary>What happens to ticks that fell due while no host ran: skipped by default.</summary>
    public MissedTickPolicy MissedTicks { get; set; }

    /// <summary>With <see cref="MissedTickPolicy.CatchUpAll"/>, at most this many missed ticks are published (the latest ones); 10 by default.</summary>
    public int MaxCatchUp { get; set; } = ScheduleDefinition.DefaultMaxCatchUp;
}
