using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using FlowSdk.Internal;
using FlowSdk.State;
using FlowSdk.Transport;
using MessagePack;
using Microsoft.Extensions.Logging;

namespace FlowSdk.Runtime;

/// <summary>
/// Runs one flow. Messages, committed state changes and due times all become events; events are
/// partitioned into lanes by execution, so one execution's events are handled one at a time and in
/// order while different executions proceed in parallel. For each event the rules are evaluated in
/// declaration order, the first that passes fires, the state is committed with compare-and-set
/// together with the messages to publish (the outbox), and only then are the messages published.
/// </summary>
/// <remarks>
/// One file per concern: this one wires the sources into lanes and retries a failed event
/// (<c>FlowProcessor.cs</c>); <c>.Handling</c> evaluates an event and acts on the conclusion;
/// <c>.Commit</c> writes executions, their outboxes and due times; <c>.Parking</c> applies the
/// unmatched-message policy; <c>.Approvals</c> and <c>.FanOut</c> add those features; <c>.Log</c> holds
/// the log lines.
/// </remarks>
internal sealed partial class FlowProcessor<TState> : IFlowProcessor
    where TState : class, IFlowState, new()
{
    private readonly FlowDefinition<TState> _flow;
    private readonly RuntimeServices _services;
    private readonly ILogger _logger;
    private readonly IdleTracker _running = new();
    private readonly Subject<InboundEvent<TState>> _raised = new();
    private readonly Lock _raiseGate = new();
    private readonly DueScheduler _scheduler;
    private readonly RuleApplier<TState> _applier;
    private readonly KeyValuePair<string, object?> _flowTag;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _logGate = new();
    private IDisposable? _subscription;
    private Channel<InboundEvent<TState>>[] _lanes = [];
    private readonly List<Task> _laneLoops = [];
    private volatile bool _closed;
    private int _nextLane;
    private long _logWindow;
    private int _logsInWindow;
    private int _logsSuppressed;

    /// <summary>
    /// Executions with a commit in flight, or committed, whose outbox will be emptied by a second
    /// write that state rules ignore, and whose state change the watch has not delivered yet: key to
    /// the revision the commit was made on. A watch may skip a revision replaced before it was
    /// delivered (a key/value bucket with history 1 does); when it skips the state change and
    /// delivers only the emptying write, this says the state rules still have to see the change.
    /// Only used when the flow has state-only rules.
    /// </summary>
    private readonly ConcurrentDictionary<string, ulong> _undelivered = new(StringComparer.Ordinal);

    /// <summary>
    /// The latest committed value of an execution that this processor wrote or its watch delivered,
    /// by key, always with an empty outbox: the next event of the execution starts from it instead of
    /// reading the store. A stale value is harmless: a write based on it fails its compare-and-set and
    /// the event is evaluated again on a fresh read, and an event that would end without a write is
    /// checked against the store's revision first. Used with every store but the in-memory one, whose
    /// reads are as cheap as a hit (it then has capacity 0); bounded by <see cref="FlowRuntimeOptions.StateCacheCapacity"/>.
    /// </summary>
    private readonly KeptStateCache _committed;

    /// <summary>
    /// The rule work in flight in each lane (one execution at a time, with nested handling of the
    /// same execution), with the cancellation an operator's cancel of the execution triggers. A
    /// lane's source is reused from event to event until a cancel reached it: no allocation and no
    /// shared dictionary per event.
    /// </summary>
    private InflightSlot[] _inflightSlots = [];

    /// <summary>The cancellation of rule work in flight outside its lane's slot (not expected: handled outside the lanes, or nested in another execution's work).</summary>
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _inflight = new(StringComparer.Ordinal);

    public FlowProcessor(FlowDefinition<TState> flow, RuntimeServices services)
    {
        _flow = flow;
        _services = services;
        _logger = services.LoggerFactory.CreateLogger("FlowSdk.Flow." + flow.Id);
        _flowTag = new KeyValuePair<string, object?>("flow", flow.Id);
        _committed = new KeptStateCache(services.Store is IReadsAsCheapAsACache ? 0 : services.Options.StateCacheCapacity, _flowTag);
        _scheduler = new DueScheduler(services.Time, id => Raise(new InboundTimer<TState>(id)));
        _applier = new RuleApplier<TState>(flow, services.MaxChainedFirings, (rule, execution, ex) => LogRuleThrew(_logger, _flow.Id, rule, execution, ex), services.Options.MaxTimelineEntriesFor(flow.Id));
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var subscribe = new SubscribeOptions { QueueGroup = "flowsdk." + _flow.Id, ManualAck = true };
        var sources = _flow.Inputs
            .Select(input => _services.Transport.Subscribe(input.Subject, subscribe).Select(message => Decode(input, message)))
            .ToList();
        if (_flow.StateRules.Count > 0)
        {
            sources.Add(_services.Store.Watch(_flow.Id + ".").Select(OnStateChanged));
        }

        if (_flow.FanOuts.Count > 0)
        {
            // The children of this flow's fan-outs report their end here, from any host.
            sources.Add(_services.Transport.Subscribe(FanOutGroup.ReportSubject(_flow.Id), subscribe).Select(DecodeFanIn));
        }

        // Operators' controls (pause, resume, cancel, retry) from any process wake this host.
        sources.Add(_services.Store.Watch(ExecutionControl.ControlPrefix + _flow.Id + ".").Select(OnControl));
        sources.Add(_raised);
        // One queue and one loop per lane: the loop takes its lane's events one at a time, in order,
        // on the thread pool (never on the thread that delivered them), and goes straight on to the
        // next event queued meanwhile.
        var lanes = new Channel<InboundEvent<TState>>[_services.Lanes];
        var slots = new InflightSlot[lanes.Length];
        for (var i = 0; i < slots.Length; i++)
        {
            slots[i] = new InflightSlot();
        }

        _inflightSlots = slots;
        for (var i = 0; i < lanes.Length; i++)
        {
            var lane = Channel.CreateUnbounded<InboundEvent<TState>>(new UnboundedChannelOptions { SingleReader = true });
            lanes[i] = lane;
            _laneLoops.Add(Task.Run(() => RunLaneAsync(lane.Reader), CancellationToken.None));
        }

        _lanes = lanes;
        _subscription = sources
            .Merge()
            .Subscribe(
                e =>
                {
                    if (e is not null)
                    {
                        lanes[LaneOf(e, lanes.Length)].Writer.TryWrite(e);
                    }
                },
                ex => LogPipelineFailed(_logger, _flow.Id, ex));

        await RecoverAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _subscription?.Dispose();

        // Events still queued are not handled: their messages come back to another host.
        _closed = true;
        foreach (var lane in _lanes)
        {
            lane.Writer.TryComplete();
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _scheduler.Dispose();
        await _running.WhenIdleAsync(CancellationToken.None).ConfigureAwait(false);
        await Task.WhenAll(_laneLoops).ConfigureAwait(false);
    }

    internal ValueTask<bool> ProcessAsync<TMessage>(InboundMessage<TState, TMessage> e)
        => HandleAsync(e.Key, e.Message, ApprovedRules(e.Port.RuleSet, e.Transport), e.Transport!.Subject, TriggerKind.MessageAndState, e.TaskId, e.Transport);

    internal ValueTask<bool> ProcessStateChangeAsync(InboundStateChange<TState> e)
        => HandleAsync(e.Key, new StateChange(e.Key!, e.Entry.Revision), _flow.StateRules, e.Entry.Key, TriggerKind.State, taskId: null, transport: null);

    internal async ValueTask<bool> ProcessTimerAsync(InboundTimer<TState> e)
    {
        var key = RuntimeServices.StateKey(_flow.Id, e.Key!);
        if (e.ReadFresh)
        {
            Forget(key);

            // A control commits what it publishes in the execution's outbox: publish it.
            await PublishPendingOutboxAsync(key).ConfigureAwait(false);
        }

        // An approval decided by a control, or a request that expired.
        await ActOnApprovalAsync(e.Key!).ConfigureAwait(false);

        // Fan-out groups whose timeout passed.
        await TimeOutFanOutsAsync(e.Key!).ConfigureAwait(false);

        // Parked messages expire on the same timer as deadlines and retention.
        await AdoptParkedAsync(e.Key!).ConfigureAwait(false);
        await DrainParkedAsync(e.Key!).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var entry = await _services.Store.GetAsync(key).ConfigureAwait(false);
            if (entry is null)
            {
                return false;
            }

            var state = Materialize(entry);
            var execution = state.Execution;
            var now = _services.Time.GetUtcNow();
            if (execution.Status.IsTerminal())
            {
                if (_services.Retention is { } retention && now >= execution.UpdatedAt + retention)
                {
                    Forget(key);

                    // Compare-and-set: an execution retried meanwhile stays, and only one host counts the removal.
                    if (!await _services.Store.DeleteAsync(key, entry.Revision, new StatusChange(_flow.Id, execution.Status, null)).ConfigureAwait(false))
                    {
                        continue;
                    }

                    await _services.Store.DeleteAsync(ExecutionControl.ControlKey(_flow.Id, execution.Id)).ConfigureAwait(false);
                    LogRemoved(_logger, _flow.Id, execution.Id, execution.Status);
                }
                else
                {
                    ScheduleFor(execution);
                }

                return false;
            }

            if (execution.Status == ExecutionStatus.Paused)
            {
                // The deadline waits for the resume, which wakes this host again.
                return false;
            }

            if (execution.Deadline is not { } deadline || now < deadline)
            {
                ScheduleFor(execution);
                return false;
            }

            var outbox = new Outbox();
            _applier.TimeOut(execution, now, outbox);
            if (await TryCommitAsync(state, entry, outbox, attempt).ConfigureAwait(false))
            {
                await DrainParkedAsync(e.Key!).ConfigureAwait(false);
                return true;
            }
        }
    }

    /// <summary>Finds what a previous host left: outboxes it did not publish, deadlines and removals to keep.</summary>
    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        await foreach (var key in _services.Store.ListKeysAsync(_flow.Id + ".", cancellationToken).ConfigureAwait(false))
        {
            var entry = await _services.Store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (entry is null)
            {
                continue;
            }

            TState state;
            try
            {
                state = Materialize(entry);
            }
            catch (MessagePackSerializationException ex)
            {
                LogUnreadableState(_logger, _flow.Id, key, ex);
                continue;
            }

            if (state.Execution.Outbox.Count > 0)
            {
                await PublishAsync(state.Execution.Outbox).ConfigureAwait(false);
                await ClearOutboxAsync(state, entry).ConfigureAwait(false);
            }

            ScheduleFor(state.Execution);
            if (state.Execution.Parked.Count > 0 && state.Execution.Status != ExecutionStatus.Paused)
            {
                // A control (resume, retry, cancel) may have released them while no host ran: look at them now.
                _scheduler.Schedule(state.Execution.Id, _services.Time.GetUtcNow());
            }
        }

        // Messages parked for executions that did not exist yet expire on this host's timers too.
        await foreach (var key in _services.Store.ListKeysAsync(ParkingPrefix + _flow.Id + ".", cancellationToken).ConfigureAwait(false))
        {
            _scheduler.Schedule(key[(ParkingPrefix.Length + _flow.Id.Length + 1)..], _services.Time.GetUtcNow());
        }
    }

    /// <summary>
    /// Handles a lane's events one after another until the processor stops, and settles each with its
    /// transport: acknowledged once handled, given back when handling gave up. An event that fails is
    /// handled again in place: transient errors with backoff within
    /// <see cref="FlowRuntimeOptions.TransientRetryLimit"/>, other failures up to
    /// <see cref="FlowRuntimeOptions.MaxHandlingAttempts"/> times. The event keeps its lane meanwhile,
    /// so the later events of its execution wait behind it and none passes it. (One method for the
    /// lane, the retries and the settlement: each async level a handled event passes costs a state
    /// machine per event, where this loop's lives as long as the lane.)
    /// </summary>
    private async Task RunLaneAsync(ChannelReader<InboundEvent<TState>> lane)
    {
        while (await lane.WaitToReadAsync().ConfigureAwait(false))
        {
            while (!_closed && lane.TryRead(out var e))
            {
                _running.Add();
                try
                {
                    // Null once handled, or the failure handling gave up on (counted and logged).
                    Exception? failure = null;
                    HandlingAttempts? attempts = null;
                    while (true)
                    {
                        try
                        {
                            await e.ProcessAsync(this).ConfigureAwait(false);
                            failure = null;
                            break;
                        }
                        catch (Exception ex)
                        {
                            failure = ex;
                        }

                        if (e.Key is not null)
                        {
                            // The attempt may have failed after a commit the cache does not know: read afresh.
                            Forget(RuntimeServices.StateKey(_flow.Id, e.Key));
                        }

                        attempts ??= new HandlingAttempts(Environment.TickCount64, _services.Options.HandlingRetryDelay);
                        if (NextAttemptDelay(e, failure, attempts) is not { } delay || !await WaitAsync(delay).ConfigureAwait(false))
                        {
                            GiveUp(e, failure, attempts);
                            break;
                        }
                    }

                    if (e.Transport is { } transport)
                    {
                        if (failure is null)
                        {
                            await transport.AckAsync().ConfigureAwait(false);
                        }
                        else
                        {
                            await transport.NakAsync(failure.Message).ConfigureAwait(false);
                        }
                    }
                }
                catch (Exception ex)
                {
                    // Settling the message failed (handling itself never throws): the lane goes on.
                    LogSettleFailed(_logger, _flow.Id, new SafeText(e.Transport?.Subject ?? "(state)"), new SafeText(e.Key), ex);
                }
                finally
                {
                    if (e.Transport is null)
                    {
                        _services.Work.Done();
                    }

                    _running.Done();
                }
            }

            if (_closed)
            {
                return;
            }
        }
    }

    /// <summary>How long to wait before handling <paramref name="e"/> again after <paramref name="failure"/>, or <see langword="null"/> to give up; counts and logs the retry.</summary>
    private TimeSpan? NextAttemptDelay(InboundEvent<TState> e, Exception failure, HandlingAttempts attempts)
    {
        if (_stopping.IsCancellationRequested)
        {
            return null;
        }

        var options = _services.Options;
        var subject = new SafeText(e.Transport?.Subject ?? "(state)");
        var key = new SafeText(e.Key);
        if (IsTransient(failure) && Environment.TickCount64 - attempts.Started < options.TransientRetryLimit.TotalMilliseconds)
        {
            // Infrastructure, not the message: the message keeps its deliveries and its attempts.
            FlowSdkDiagnostics.Transient.Add(1, _flowTag);
            if (attempts.Transient % 20 == 0)
            {
                LogTransient(_logger, _flow.Id, subject, key, attempts.Transient + 1, new SafeError(failure));
            }

            return attempts.NextTransientDelay();
        }

        attempts.Failed++;
        if (attempts.Failed >= options.MaxHandlingAttempts)
        {
            return null;
        }

        FlowSdkDiagnostics.Retried.Add(1, _flowTag);
        var delay = attempts.NextHandlingDelay();
        if (MayLogFailure(out var suppressed))
        {
            LogHandledAgain(_logger, _flow.Id, subject, key, attempts.Failed, options.MaxHandlingAttempts, new SafeError(failure), delay, suppressed);
        }

        LogEventFailedDetail(_logger, _flow.Id, subject, key, failure);
        return delay;
    }

    /// <summary>Counts and logs an event given up after <paramref name="failure"/>: its message goes back to the transport.</summary>
    private void GiveUp(InboundEvent<TState> e, Exception failure, HandlingAttempts attempts)
    {
        FlowSdkDiagnostics.Failed.Add(1, _flowTag);
        var subject = new SafeText(e.Transport?.Subject ?? "(state)");
        var key = new SafeText(e.Key);
        if (MayLogFailure(out var suppressed))
        {
            var tried = attempts.Failed > 1 ? $" after {attempts.Failed} attempts" : "";
            var outcome = e.Transport is null
                ? $"given up{tried}; the next change of the execution evaluates it again"
                : $"given back to the transport{tried} (delivery {e.Transport.DeliveryCount})";
            LogEventFailed(_logger, _flow.Id, subject, key, new SafeError(failure), outcome, suppressed);
        }

        LogEventFailedDetail(_logger, _flow.Id, subject, key, failure);
    }

    /// <summary>Waits <paramref name="delay"/> on the runtime's clock; false when the runtime stops meanwhile.</summary>
    private async Task<bool> WaitAsync(TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            return true;
        }

        try
        {
            await Task.Delay(delay, _services.Time, _stopping.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The attempts at one event so far, and the backoff before the next.</summary>
    private sealed class HandlingAttempts(long started, TimeSpan handlingDelay)
    {
        private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);
        private TimeSpan _transientDelay = TimeSpan.FromMilliseconds(50);
        private TimeSpan _handlingDelay = handlingDelay;

        /// <summary>When handling started (<see cref="Environment.TickCount64"/>): transient errors are retried for a while from here.</summary>
        public long Started { get; } = started;

        /// <summary>Transient errors met so far.</summary>
        public int Transient { get; private set; }

        /// <summary>Attempts that failed otherwise.</summary>
        public int Failed { get; set; }

        /// <summary>50 ms doubling to 2 s.</summary>
        public TimeSpan NextTransientDelay()
        {
            Transient++;
            return Next(ref _transientDelay);
        }

        /// <summary><see cref="FlowRuntimeOptions.HandlingRetryDelay"/> doubling to 2 s.</summary>
        public TimeSpan NextHandlingDelay() => Next(ref _handlingDelay);

        /// <summary>Returns <paramref name="delay"/> and doubles it for the next time, up to 2 s (a longer one stays as it is).</summary>
        private static TimeSpan Next(ref TimeSpan delay)
        {
            var now = delay;
            if (delay < MaxDelay)
            {
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }

            return now;
        }
    }

    /// <summary>Whether the transport or the store calls <paramref name="exception"/> (or an exception inside it) transient; timeouts always are.</summary>
    private bool IsTransient(Exception exception)
    {
        var transport = _services.Transport as ITransientErrorClassifier;
        var store = _services.Store as ITransientErrorClassifier;
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            if (ex is TimeoutException || transport?.IsTransient(ex) == true || store?.IsTransient(ex) == true)
            {
                return true;
            }
        }

        return false;
    }

    private InboundEvent<TState>? Decode(InputPort<TState> input, TransportMessage message)
    {
        try
        {
            var e = input.Decode(message);
            if (e.Key is not null && FlowIds.ValidateExecutionId(e.Key) is { } problem)
            {
                throw new InvalidOperationException($"A {input.MessageType} on '{message.Subject}' cannot name an execution: {problem}.");
            }

            return e;
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or InvalidOperationException)
        {
            Reject(message, input.MessageType, ex);
            return null;
        }
    }

    /// <summary>A message that cannot be read: logged (rate-limited) and rejected, so the transport dead-letters it.</summary>
    private void Reject(TransportMessage message, string messageType, Exception ex)
    {
        var subject = new SafeText(message.Subject);
        if (MayLogFailure(out var suppressed))
        {
            LogUndecodable(_logger, _flow.Id, subject, messageType, new SafeText(ex.Message), suppressed);
        }

        LogUndecodableDetail(_logger, _flow.Id, subject, ex);
        _ = message.RejectAsync(ex.Message).AsTask();
    }

    private InboundEvent<TState>? OnStateChanged(StateEntry entry)
    {
        // Runtime-raised events are counted as work until handled, so WhenIdleAsync waits for them.
        var id = entry.Key[(_flow.Id.Length + 1)..];
        try
        {
            var execution = Materialize(entry).Execution;
            var skipped = false;
            if (_undelivered.TryGetValue(entry.Key, out var basedOn) && entry.Revision > basedOn && _undelivered.TryRemove(KeyValuePair.Create(entry.Key, basedOn)))
            {
                // This revision is the tracked state change, a later one, or the write that emptied
                // its outbox; in the last case the watch skipped the state change itself.
                skipped = execution.PublishedOnly;
            }

            if (execution.Outbox.Count == 0)
            {
                Remember(entry);
            }

            if ((execution.PublishedOnly && !skipped) || execution.Status.IsTerminal())
            {
                return null;
            }
        }
        catch (MessagePackSerializationException ex)
        {
            LogUnreadableState(_logger, _flow.Id, entry.Key, ex);
            return null;
        }

        _services.Work.Add();
        return new InboundStateChange<TState>(id, entry);
    }

    /// <summary>
    /// An operator's control was committed for an execution (by any process): cancel the rule work in
    /// flight for it when it was cancelled, and handle what the control released (kept messages, a
    /// deadline that passed while it was paused) through the timer path.
    /// </summary>
    private InboundTimer<TState> OnControl(StateEntry entry)
    {
        var id = entry.Key[(ExecutionControl.ControlPrefix.Length + _flow.Id.Length + 1)..];
        if (ExecutionControl.ReadWake(entry.Value) == ExecutionControlAction.Cancel)
        {
            CancelInflight(id);
        }

        _services.Work.Add();
        return new InboundTimer<TState>(id) { ReadFresh = true };
    }

    private void Raise(InboundEvent<TState> e)
    {
        _services.Work.Add();
        lock (_raiseGate)
        {
            _raised.OnNext(e);
        }
    }

    private int LaneOf(InboundEvent<TState> e, int lanes)
    {
        if (e.Key is null)
        {
            return (int)((uint)Interlocked.Increment(ref _nextLane) % (uint)lanes);
        }

        return LaneOf(e.Key, lanes);
    }

    /// <summary>The lane of an execution's events.</summary>
    private static int LaneOf(string key, int lanes) => (int)((uint)StringComparer.Ordinal.GetHashCode(key) % (uint)lanes);
}
