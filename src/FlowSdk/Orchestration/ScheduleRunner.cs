using System.Globalization;
using FlowSdk.Runtime;
using Microsoft.Extensions.Logging;

namespace FlowSdk.Orchestration;

/// <summary>
/// Publishes the ticks of one schedule. Every host running the flow runs one; they agree through the
/// schedule's cursor in the state store (<see cref="ScheduleCursor"/>): a host claims the ticks that
/// fell due with a compare-and-set write of the cursor, publishes them (each under the message id
/// <c>flowsdk-schedule.&lt;flow&gt;.&lt;schedule&gt;.&lt;tick&gt;</c>), then clears them from the cursor.
/// A host that loses the compare-and-set publishes nothing. Ticks claimed by a host that stopped
/// before clearing them are published again by the next host after <see cref="RepublishAfter"/>,
/// under the same ids, which the transport's duplicate window and the runtime's record of applied
/// message ids drop.
/// </summary>
internal sealed partial class ScheduleRunner : IAsyncDisposable
{
    /// <summary>How long claimed ticks may stay unpublished before another host publishes them.</summary>
    public static readonly TimeSpan RepublishAfter = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    private readonly string _flow;
    private readonly ScheduleDefinition _schedule;
    private readonly RuntimeServices _services;
    private readonly ILogger _logger;
    private readonly string _key;
    private readonly ITimer _timer;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private Task _running = Task.CompletedTask;
    private bool _busy;
    private bool _again;
    private bool _stopped;

    public ScheduleRunner(string flow, ScheduleDefinition schedule, RuntimeServices services)
    {
        _flow = flow;
        _schedule = schedule;
        _services = services;
        _logger = services.LoggerFactory.CreateLogger("FlowSdk.Schedules");
        _key = ScheduleCursor.Key(flow, schedule.Name);
        _timer = services.Time.CreateTimer(static s => ((ScheduleRunner)s!).Wake(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Ticks published by this host.</summary>
    public long Published => Interlocked.Read(ref _published);

    private long _published;

    /// <summary>Publishes what is due now (on a first start: nothing, the schedule starts from now), then arms the timer.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var next = await StepAsync(cancellationToken).ConfigureAwait(false);
        Arm(next);
    }

    public async ValueTask DisposeAsync()
    {
        Task running;
        lock (_gate)
        {
            _stopped = true;
            running = _running;
        }

        await _timer.DisposeAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await running.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        _stopping.Dispose();
    }

    private void Wake()
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            if (_busy)
            {
                _again = true;
                return;
            }

            _busy = true;

            // Taken on inside the timer's callback, before it returns: a test's virtual clock that
            // fires the timer sees the work pending until the ticks are published.
            _services.Work.Add();
            _running = Task.Run(RunAsync);
        }
    }

    private async Task RunAsync()
    {
        DateTimeOffset? next = null;
        try
        {
            while (true)
            {
                try
                {
                    next = await StepAsync(_stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    LogStepFailed(_logger, _flow, _schedule.Name, e);
                    next = _services.Time.GetUtcNow() + RetryAfter;
                }

                lock (_gate)
                {
                    if (!_again || _stopped)
                    {
                        _busy = false;
                        if (!_stopped)
                        {
                            Arm(next);
                        }

                        return;
                    }

                    _again = false;
                }
            }
        }
        finally
        {
            _services.Work.Done();
        }
    }

    private void Arm(DateTimeOffset? next)
    {
        if (next is not { } due)
        {
            return;
        }

        var delay = due - _services.Time.GetUtcNow();
        try
        {
            _timer.Change(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Stopped meanwhile.
        }
    }

    /// <summary>Claims and publishes what is due; returns when to look again (<see langword="null"/>: never).</summary>
    internal async Task<DateTimeOffset?> StepAsync(CancellationToken cancellationToken)
    {
        var store = _services.Store;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var now = _services.Time.GetUtcNow();
            var entry = await store.GetAsync(_key, cancellationToken).ConfigureAwait(false);
            if (entry is null)
            {
                // The schedule's first start anywhere: it starts from now, with nothing missed.
                var created = await store.TryCreateAsync(_key, new ScheduleCursor(now, now, []).Encode(), cancellationToken).ConfigureAwait(false);
                if (created.Succeeded)
                {
                    LogStarted(_logger, _flow, _schedule);
                    return _schedule.NextAfter(now);
                }

                continue;
            }

            var cursor = ScheduleCursor.Decode(entry.Value.Span, _key);
            if (cursor.Pending.Count > 0)
            {
                if (now - cursor.ClaimedAt < RepublishAfter)
                {
                    // The host that claimed them is publishing them.
                    return cursor.ClaimedAt + RepublishAfter;
                }

                LogRepublishing(_logger, _flow, _schedule.Name, cursor.Pending.Count);
                await PublishAsync(cursor.Pending, cancellationToken).ConfigureAwait(false);
                await store.TryUpdateAsync(_key, (cursor with { Pending = [] }).Encode(), entry.Revision, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var (latest, total) = _schedule.TicksBetween(cursor.Last, now, _schedule.MaxCatchUp);
            if (latest.Count == 0)
            {
                return _schedule.NextAfter(cursor.Last > now ? cursor.Last : now);
            }

            var fire = Choose(latest, now);
            var claim = await store.TryUpdateAsync(_key, new ScheduleCursor(latest[^1], now, fire).Encode(), entry.Revision, cancellationToken).ConfigureAwait(false);
            if (!claim.Succeeded)
            {
                // Another host claimed them.
                continue;
            }

            var missed = total < 0 ? -1 : total - fire.Count;
            if (missed != 0)
            {
                LogMissed(_logger, _flow, _schedule.Name, missed, _schedule.MissedTicks, fire.Count);
            }

            await PublishAsync(fire, cancellationToken).ConfigureAwait(false);
            await store.TryUpdateAsync(_key, new ScheduleCursor(latest[^1], now, []).Encode(), claim.Revision, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Which of the due ticks (the latest few, oldest first) to publish, by the schedule's policy.</summary>
    private List<DateTimeOffset> Choose(List<DateTimeOffset> due, DateTimeOffset now)
    {
        var last = due[^1];
        var period = _schedule.NextAfter(last) is { } following ? following - last : ScheduleDefinition.OnTimeTolerance;
        var tolerance = period / 10 < ScheduleDefinition.OnTimeTolerance ? period / 10 : ScheduleDefinition.OnTimeTolerance;
        var onTime = now - last <= tolerance;
        return _schedule.MissedTicks switch
        {
            MissedTickPolicy.CatchUpAll => due,
            MissedTickPolicy.CatchUpOnce => [last],
            _ => onTime ? [last] : [],
        };
    }

    private async Task PublishAsync(IReadOnlyList<DateTimeOffset> ticks, CancellationToken cancellationToken)
    {
        foreach (var tick in ticks)
        {
            var headers = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [Transport.MessageHeaders.MessageId] = MessageId(_flow, _schedule.Name, tick),
            };
            await _services.Transport.PublishAsync(_schedule.Subject, _schedule.SerializeTick(tick), headers, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _published);
            LogTick(_logger, _flow, _schedule.Name, tick);
        }
    }

    /// <summary>The message id of a tick: the same on every host, so a tick published twice is dropped as a duplicate.</summary>
    public static string MessageId(string flow, string schedule, DateTimeOffset tick) =>
        string.Concat("flowsdk-schedule.", flow, ".", schedule, ".", tick.UtcTicks.ToString(CultureInfo.InvariantCulture));

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow}: schedule {Schedule} starts now")]
    private static partial void LogStarted(ILogger logger, string flow, ScheduleDefinition schedule);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Flow {Flow}: schedule {Schedule} ticked for {Tick:O}")]
    private static partial void LogTick(ILogger logger, string flow, string schedule, DateTimeOffset tick);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow}: schedule {Schedule} missed {Missed} tick(s) (-1: too many to count): they fell due while no host ran, or the clock moved past them before a host could publish them (a stalled host, a test clock advanced in one jump); policy {Policy} publishes {Published}")]
    private static partial void LogMissed(ILogger logger, string flow, string schedule, long missed, MissedTickPolicy policy, int published);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flow {Flow}: schedule {Schedule} publishes again {Count} tick(s) a host claimed but did not finish publishing")]
    private static partial void LogRepublishing(ILogger logger, string flow, string schedule, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flow {Flow}: schedule {Schedule} could not advance; trying again shortly")]
    private static partial void LogStepFailed(ILogger logger, string flow, string schedule, Exception exception);
}
