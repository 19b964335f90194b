using Cronos;

namespace FlowSdk.Orchestration;

/// <summary>
/// A schedule of a flow, as the generator read it from a <see cref="ScheduleAttribute{TTick}"/>: when
/// it ticks and what it publishes at each tick.
/// </summary>
public abstract class ScheduleDefinition
{
    /// <summary>The default bound of <see cref="MaxCatchUp"/>.</summary>
    public const int DefaultMaxCatchUp = 10;

    /// <summary>
    /// The longest a tick may be late and still count as on time (not missed): a tenth of the time to
    /// the next tick, at most this.
    /// </summary>
    public static readonly TimeSpan OnTimeTolerance = TimeSpan.FromMinutes(1);

    private readonly CronExpression? _cron;
    private readonly TimeZoneInfo _zone;

    private protected ScheduleDefinition(string name, string subject, TimeSpan? every, string? cron, string? timeZone, MissedTickPolicy missedTicks, int maxCatchUp)
    {
        if (string.IsNullOrEmpty(name) || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') || name[0] == '-')
        {
            throw new ArgumentException($"'{name}' is not a valid schedule name: use lowercase letters, digits and dashes, starting with a letter or digit (for example 'nightly').", nameof(name));
        }

        if ((every is null) == (cron is null))
        {
            throw new ArgumentException($"Schedule '{name}' needs either an interval (Every) or a cron expression (Cron), not {(every is null ? "neither" : "both")}.", nameof(every));
        }

        if (every is { } interval && interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(every), every, $"Schedule '{name}': the interval must be longer than zero.");
        }

        if (!Enum.IsDefined(missedTicks))
        {
            throw new ArgumentOutOfRangeException(nameof(missedTicks), missedTicks, $"Schedule '{name}': {missedTicks} is not a missed-tick policy.");
        }

        if (maxCatchUp < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxCatchUp), maxCatchUp, $"Schedule '{name}': MaxCatchUp must be 1 or more.");
        }

        if (every is not null && timeZone is not null)
        {
            throw new ArgumentException($"Schedule '{name}': TimeZone '{timeZone}' applies to a cron expression only; an interval (Every) ticks in no time zone.", nameof(timeZone));
        }

        if (cron is not null)
        {
            _cron = ParseCron(cron, name);
        }

        _zone = timeZone is null ? TimeZoneInfo.Utc : FindZone(timeZone, name);
        Name = name;
        Subject = subject;
        Every = every;
        Cron = cron;
        TimeZone = timeZone;
        MissedTicks = missedTicks;
        MaxCatchUp = maxCatchUp;
    }

    /// <summary>The schedule's name, unique within its flow.</summary>
    public string Name { get; }

    /// <summary>The subject its tick messages are published on.</summary>
    public string Subject { get; }

    /// <summary>The fixed interval, or <see langword="null"/> for a cron schedule.</summary>
    public TimeSpan? Every { get; }

    /// <summary>The cron expression, or <see langword="null"/> for an interval schedule.</summary>
    public string? Cron { get; }

    /// <summary>The time zone the cron expression is read in; <see langword="null"/> for UTC.</summary>
    public string? TimeZone { get; }

    /// <summary>What happens to ticks missed while no host ran.</summary>
    public MissedTickPolicy MissedTicks { get; }

    /// <summary>With <see cref="MissedTickPolicy.CatchUpAll"/>, the most missed ticks published.</summary>
    public int MaxCatchUp { get; }

    /// <summary>How the schedule reads: <c>every 00:05:00</c> or <c>cron 0 2 * * *</c>.</summary>
    public string Describe() => Common.ScheduleText.Describe(Every, Cron, TimeZone);

    /// <summary>The first tick strictly after <paramref name="time"/>, or <see langword="null"/> when the cron expression has none.</summary>
    /// <param name="time">The time.</param>
    /// <returns>The tick, in UTC.</returns>
    public DateTimeOffset? NextAfter(DateTimeOffset time)
    {
        if (Every is { } every)
        {
            var since = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
            var index = Math.DivRem(since, every.Ticks, out var rest);
            if (rest < 0)
            {
                index--;
            }

            return new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + ((index + 1) * every.Ticks), TimeSpan.Zero);
        }

        return _cron!.GetNextOccurrence(time.ToUniversalTime(), _zone)?.ToUniversalTime();
    }

    /// <summary>
    /// The ticks after <paramref name="after"/> up to and including <paramref name="upTo"/>: at most
    /// <paramref name="latest"/> of them, the latest, oldest first; and how many there are in all,
    /// or -1 when the range was too long to count.
    /// </summary>
    internal (List<DateTimeOffset> Latest, long Total) TicksBetween(DateTimeOffset after, DateTimeOffset upTo, int latest)
    {
        // Search backwards from upTo in growing windows, so a long outage costs as much as the few
        // ticks asked for, not every tick of the outage.
        var window = Every ?? TimeSpan.FromMinutes(1);
        while (true)
        {
            var from = window >= upTo - after ? after : upTo - window;
            var ticks = new List<DateTimeOffset>();
            long counted = 0;
            for (var t = NextAfter(from); t is { } tick && tick <= upTo; t = NextAfter(tick))
            {
                ticks.Add(tick);
                counted++;
                if (ticks.Count > latest)
                {
                    ticks.RemoveAt(0);
                }

                if (counted > 100_000)
                {
                    break;
                }
            }

            if (from == after || ticks.Count >= latest)
            {
                return (ticks, from == after && counted <= 100_000 ? counted : -1);
            }

            window = window.Ticks > TimeSpan.MaxValue.Ticks / 4 ? TimeSpan.MaxValue / 2 : window * 4;
        }
    }

    /// <summary>Serializes the tick message of <paramref name="at"/>.</summary>
    internal abstract ReadOnlyMemory<byte> SerializeTick(DateTimeOffset at);

    /// <inheritdoc/>
    public override string ToString() => Name + " (" + Describe() + ")";

    /// <summary>
    /// Reads a cron expression as FlowSdk does: six fields mean seconds first, otherwise five fields
    /// or a macro (<c>@daily</c>).
    /// </summary>
    /// <param name="cron">The expression.</param>
    /// <param name="schedule">The schedule's name, for the error.</param>
    /// <returns>The parsed expression.</returns>
    /// <exception cref="ArgumentException">The text is not a valid cron expression.</exception>
    public static CronExpression ParseCron(string cron, string schedule)
    {
        ArgumentNullException.ThrowIfNull(cron);
        var fields = cron.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            return CronExpression.Parse(cron.Trim(), fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException e)
        {
            throw new ArgumentException($"Schedule '{schedule}': '{cron}' is not a valid cron expression ({e.Message}). Use five fields (minute hour day-of-month month day-of-week), six with seconds first, or a macro such as @daily.", nameof(cron), e);
        }
    }

    private static TimeZoneInfo FindZone(string id, string schedule)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException e)
        {
            throw new ArgumentException($"Schedule '{schedule}': the time zone '{id}' is not known on this machine.", nameof(id), e);
        }
        catch (InvalidTimeZoneException e)
        {
            throw new ArgumentException($"Schedule '{schedule}': the time zone '{id}' is not valid on this machine.", nameof(id), e);
        }
    }
}

/// <summary>A schedule whose ticks are <typeparamref name="TTick"/> messages.</summary>
/// <typeparam name="TTick">The tick message type.</typeparam>
public sealed class ScheduleDefinition<TTick> : ScheduleDefinition
    where TTick : IScheduleTick<TTick>
{
    private readonly MessagePort<TTick> _port;

    /// <summary>Creates a schedule. Called by generated code.</summary>
    /// <param name="name">The schedule's name.</param>
    /// <param name="port">The tick message's port.</param>
    /// <param name="every">The fixed interval, or <see langword="null"/> with <paramref name="cron"/>.</param>
    /// <param name="cron">The cron expression, or <see langword="null"/> with <paramref name="every"/>.</param>
    /// <param name="timeZone">The time zone of the cron expression; UTC when <see langword="null"/>.</param>
    /// <param name="missedTicks">What happens to ticks missed while no host ran.</param>
    /// <param name="maxCatchUp">With <see cref="MissedTickPolicy.CatchUpAll"/>, the most missed ticks published.</param>
    /// <exception cref="ArgumentException">The name, the interval or cron expression, or the time zone is not valid.</exception>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public ScheduleDefinition(string name, MessagePort<TTick> port, TimeSpan? every = null, string? cron = null, string? timeZone = null, MissedTickPolicy missedTicks = MissedTickPolicy.Skip, int maxCatchUp = DefaultMaxCatchUp)
        : base(name, (port ?? throw new ArgumentNullException(nameof(port))).Subject, every, cron, timeZone, missedTicks, maxCatchUp)
    {
        _port = port;
    }

    internal override ReadOnlyMemory<byte> SerializeTick(DateTimeOffset at) => _port.Serialize(TTick.Create(Name, at));
}
