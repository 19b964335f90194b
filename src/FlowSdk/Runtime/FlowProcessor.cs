using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reactive.Linq;
using System.Reactive.Subjects;
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
internal sealed partial class FlowProcessor<TState> : IFlowProcessor
    where TState : class, IFlowState, new()
{
    private const string MessageIdHeader = "Nats-Msg-Id";
    private const int MaxCachedExecutions = 10_000;

    private readonly FlowDefinition<TState> _flow;
    private readonly RuntimeServices _services;
    private readonly ILogger _logger;
    private readonly IdleTracker _running = new();
    private readonly Subject<InboundEvent<TState>> _raised = new();
    private readonly Lock _raiseGate = new();
    private readonly DueScheduler _scheduler;
    private readonly RuleApplier<TState> _applier;
    private readonly KeyValuePair<string, object?> _flowTag;
    private IDisposable? _subscription;
    private int _nextLane;

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
    /// checked against the store's revision first. Used with every store, so the runtime takes the
    /// same path in process and on NATS; bounded by <see cref="MaxCachedExecutions"/>.
    /// </summary>
    private readonly ConcurrentDictionary<string, StateEntry> _committed = new(StringComparer.Ordinal);

    public FlowProcessor(FlowDefinition<TState> flow, RuntimeServices services)
    {
        _flow = flow;
        _services = services;
        _logger = services.LoggerFactory.CreateLogger("FlowSdk.Flow." + flow.Id);
        _flowTag = new KeyValuePair<string, object?>("flow", flow.Id);
        _scheduler = new DueScheduler(services.Time, id => Raise(new InboundTimer<TState>(id)));
        _applier = new RuleApplier<TState>(flow, services.MaxChainedFirings, (rule, execution, ex) => LogRuleThrew(_logger, _flow.Id, rule, execution, ex));
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

        sources.Add(_raised);
        var lanes = _services.Lanes;
        _subscription = sources
            .Merge()
            .Where(e => e is not null)
            .Select(e => e!)
            .GroupBy(e => LaneOf(e, lanes))
            .SelectMany(lane => lane.Select(e => Observable.FromAsync(() => RunAsync(e))).Concat())
            .Subscribe(_ => { }, ex => LogPipelineFailed(_logger, _flow.Id, ex));

        await RecoverAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _subscription?.Dispose();
        _scheduler.Dispose();
        await _running.WhenIdleAsync(CancellationToken.None).ConfigureAwait(false);
    }

    internal Task ProcessAsync<TMessage>(InboundMessage<TState, TMessage> e)
        => HandleAsync(e.Key, e.Message, e.Port.RuleSet, e.Transport!.Subject, TriggerKind.MessageAndState, e.TaskId);

    internal Task ProcessStateChangeAsync(InboundStateChange<TState> e)
        => HandleAsync(e.Key, new StateChange(e.Key!, e.Entry.Revision), _flow.StateRules, e.Entry.Key, TriggerKind.State, taskId: null);

    internal async Task ProcessTimerAsync(InboundTimer<TState> e)
    {
        var key = RuntimeServices.StateKey(_flow.Id, e.Key!);
        for (var attempt = 1; ; attempt++)
        {
            var entry = await _services.Store.GetAsync(key).ConfigureAwait(false);
            if (entry is null)
            {
                return;
            }

            var state = Materialize(entry);
            var execution = state.Execution;
            var now = _services.Time.GetUtcNow();
            if (execution.Status.IsTerminal())
            {
                if (_services.Retention is { } retention && now >= execution.UpdatedAt + retention)
                {
                    Forget(key);
                    await _services.Store.DeleteAsync(key).ConfigureAwait(false);
                    LogRemoved(_logger, _flow.Id, execution.Id, execution.Status);
                }
                else
                {
                    ScheduleFor(execution);
                }

                return;
            }

            if (execution.Deadline is not { } deadline || now < deadline)
            {
                ScheduleFor(execution);
                return;
            }

            var outbox = new Outbox();
            _applier.TimeOut(execution, now, outbox);
            if (await TryCommitAsync(state, entry, outbox, attempt).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    private async Task HandleAsync<TMessage>(string? key, TMessage message, IReadOnlyList<Rule<TState, TMessage>> rules, string source, TriggerKind trigger, string? taskId)
    {
        var fresh = false;
        for (var attempt = 1; ; attempt++)
        {
            var now = _services.Time.GetUtcNow();
            var fromCache = false;
            var explain = _logger.IsEnabled(LogLevel.Debug) ? new List<RuleEvaluation>() : null;
            var outbox = new Outbox();
            TState? state = null;
            StateEntry? entry = null;
            string? blocked = null;
            var timedOut = false;
            var republished = false;
            Rule<TState, TMessage>? chosen = null;
            RuleContext? context = null;
            foreach (var rule in rules)
            {
                if (!rule.NeedsState)
                {
                    context = new RuleContext(now, null, outbox);
                    if (Evaluate(rule, null, message, context, explain))
                    {
                        chosen = rule;
                        break;
                    }

                    continue;
                }

                if (state is null)
                {
                    // Always the current value: a watched change may already be superseded, and its
                    // outbox already published by the write that produced it.
                    (state, entry, fromCache) = await LoadAsync(key!, fresh).ConfigureAwait(false);
                    var execution = state.Execution;
                    if (execution.Outbox.Count > 0)
                    {
                        // A host stopped between committing and publishing: publish first (the ids make it idempotent).
                        await PublishAsync(execution.Outbox).ConfigureAwait(false);
                        republished = true;
                    }

                    if (execution.Status.IsTerminal())
                    {
                        blocked = $"the execution is {execution.Status}";
                    }
                    else if (execution.Deadline is { } deadline && now >= deadline)
                    {
                        timedOut = true;
                        break;
                    }
                    else if (execution.Status == ExecutionStatus.Waiting && !string.Equals(taskId, execution.PendingTaskId, StringComparison.Ordinal))
                    {
                        blocked = $"the execution waits for the reply to task {execution.PendingTaskId}";
                    }
                    else if (execution.Status != ExecutionStatus.Waiting && taskId is not null)
                    {
                        blocked = $"no execution waits for task {taskId}";
                    }
                }

                if (blocked is not null)
                {
                    RuleEvaluator.Passed(explain, rule.Info, blocked);
                    continue;
                }

                context = new RuleContext(now, state.Execution.Id, outbox);
                if (Evaluate(rule, state, message, context, explain))
                {
                    chosen = rule;
                    break;
                }
            }

            LogEvaluations(explain, source, key);
            if (timedOut)
            {
                outbox.Clear();
                _applier.TimeOut(state!.Execution, now, outbox);
                if (await TryCommitAsync(state, entry, outbox, attempt).ConfigureAwait(false))
                {
                    return;
                }

                // A conflict on a cached value means it was stale: evaluate again on a fresh read.
                fresh = true;
                continue;
            }

            if (fromCache && (chosen is null || !chosen.NeedsState) && !await IsCurrentAsync(entry!).ConfigureAwait(false))
            {
                // No write will check the cached value this time: it was stale, so evaluate again on a fresh read.
                fresh = true;
                attempt--;
                continue;
            }

            if (chosen is null)
            {
                if (blocked is not null)
                {
                    LogBlocked(_logger, _flow.Id, source, key, blocked);
                }
                else
                {
                    LogNoRuleFired(_logger, _flow.Id, source, key);
                }

                if (republished)
                {
                    await ClearOutboxAsync(state!, entry!).ConfigureAwait(false);
                }

                return;
            }

            if (!chosen.NeedsState)
            {
                chosen.Fire(null!, message, context!);
                CountFiring(chosen.Info, TriggerKind.Message, outbox);
                LogFired(_logger, _flow.Id, chosen.Info.Name, "-", "-");
                await PublishAsync(outbox.Messages).ConfigureAwait(false);
                return;
            }

            var committedEntry = entry;
            var executionId = state!.Execution.Id;
            state = _applier.Apply(chosen, state, () => committedEntry is null ? NewExecution(executionId, now) : Materialize(committedEntry), message, source, trigger, taskId, context!, now);
            if (await TryCommitAsync(state, entry, outbox, attempt).ConfigureAwait(false))
            {
                CountFiring(chosen.Info, chosen.Info.Trigger, outbox);
                return;
            }

            // A conflict on a cached value means it was stale: evaluate again on a fresh read.
            fresh = true;
        }
    }

    private bool Evaluate<TMessage>(Rule<TState, TMessage> rule, TState? state, TMessage message, RuleContext context, List<RuleEvaluation>? explain)
    {
        var fires = RuleEvaluator.Passes(rule, state, message, context, explain);
        FlowSdkDiagnostics.Evaluations.Add(1, _flowTag, new("rule", rule.Info.Name), new("outcome", fires ? "fired" : "passed"));
        return fires;
    }

    /// <summary>
    /// Commits the state with its outbox, then publishes the outbox and empties it. Returns false on
    /// a revision conflict, so the caller evaluates the event again on the newer state, read from the
    /// store (a conflict on a cached value counts as an attempt like any other).
    /// </summary>
    private async Task<bool> TryCommitAsync(TState state, StateEntry? entry, Outbox outbox, int attempt)
    {
        var execution = state.Execution;
        var sequence = execution.Timeline.Count;
        execution.Outbox.Clear();
        for (var i = 0; i < outbox.Messages.Count; i++)
        {
            execution.Outbox.Add(outbox.Messages[i] with { MessageId = $"{_flow.Id}.{execution.Id}.{sequence}.{i + 1}" });
        }

        execution.PublishedOnly = false;
        using var activity = FlowSdkDiagnostics.Source.StartActivity(FlowSdkDiagnostics.FireActivityName);
        var key = RuntimeServices.StateKey(_flow.Id, execution.Id);

        // Recorded before the write, so the watch cannot deliver the write before it is recorded.
        var basedOn = entry?.Revision ?? 0;
        var tracked = execution.Outbox.Count > 0 && _flow.StateRules.Count > 0 && execution.Status == ExecutionStatus.Running;
        if (tracked)
        {
            _undelivered[key] = basedOn;
        }

        var bytes = FlowSerializer.Serialize(_flow.StateFormatter, state);
        var written = entry is null
            ? await _services.Store.TryCreateAsync(key, bytes).ConfigureAwait(false)
            : await _services.Store.TryUpdateAsync(key, bytes, entry.Revision).ConfigureAwait(false);
        if (!written.Succeeded)
        {
            Forget(key);
            if (tracked)
            {
                _undelivered.TryRemove(KeyValuePair.Create(key, basedOn));
            }

            FlowSdkDiagnostics.Conflicts.Add(1, _flowTag);
            LogWriteConflict(_logger, _flow.Id, execution.Id, entry?.Revision ?? 0, written.Revision, attempt);
            if (attempt >= _services.MaxWriteAttempts)
            {
                FlowSdkDiagnostics.ConflictsExhausted.Add(1, _flowTag);
                throw new StateConflictException(_flow.Id, execution.Id, attempt);
            }

            return false;
        }

        if (activity is not null)
        {
            var last = execution.Timeline[^1];
            activity.SetTag("flowsdk.flow", _flow.Id);
            activity.SetTag("flowsdk.execution", execution.Id);
            activity.SetTag("flowsdk.rule", last.Rule);
            activity.SetTag("flowsdk.trigger", last.Trigger.ToString());
            activity.SetTag("flowsdk.phase.before", last.PhaseBefore);
            activity.SetTag("flowsdk.phase.after", last.PhaseAfter);
            activity.SetTag("flowsdk.revision", written.Revision);
        }

        if (entry is null)
        {
            FlowSdkDiagnostics.Created.Add(1, _flowTag);
        }

        if (execution.Status.IsTerminal())
        {
            FlowSdkDiagnostics.Ended.Add(1, _flowTag, new("status", execution.Status.ToString()));
        }

        LogCommitted(_logger, _flow.Id, execution.Id, execution.Timeline[^1].Rule, execution.Phase, execution.Status, written.Revision);
        if (execution.Outbox.Count > 0)
        {
            Forget(key);
            await PublishAsync(execution.Outbox).ConfigureAwait(false);
            await ClearOutboxAsync(state, new StateEntry(key, ReadOnlyMemory<byte>.Empty, written.Revision)).ConfigureAwait(false);
        }
        else
        {
            Remember(new StateEntry(key, bytes, written.Revision));
        }

        ScheduleFor(execution);
        return true;
    }

    /// <summary>Empties a published outbox. A conflict means a newer write took the outbox over: nothing to do.</summary>
    private async Task ClearOutboxAsync(TState state, StateEntry entry)
    {
        var execution = state.Execution;
        execution.Outbox.Clear();
        execution.PublishedOnly = true;
        var key = RuntimeServices.StateKey(_flow.Id, execution.Id);
        var bytes = FlowSerializer.Serialize(_flow.StateFormatter, state);
        var written = await _services.Store.TryUpdateAsync(key, bytes, entry.Revision).ConfigureAwait(false);
        if (written.Succeeded)
        {
            Remember(new StateEntry(key, bytes, written.Revision));
        }
        else
        {
            Forget(key);
        }
    }

    /// <summary>Keeps a committed value with an empty outbox for the next event of its execution, unless a newer one is kept.</summary>
    private void Remember(StateEntry entry)
    {
        if (_committed.Count >= MaxCachedExecutions && !_committed.ContainsKey(entry.Key))
        {
            _committed.Clear();
        }

        _committed.AddOrUpdate(entry.Key, entry, (_, kept) => kept.Revision >= entry.Revision ? kept : entry);
    }

    private void Forget(string key) => _committed.TryRemove(key, out _);

    /// <summary>Whether the store still holds <paramref name="entry"/>'s revision (a cached value is current).</summary>
    private async ValueTask<bool> IsCurrentAsync(StateEntry entry)
    {
        var current = await _services.Store.GetAsync(entry.Key).ConfigureAwait(false);
        if (current is not null && current.Revision == entry.Revision)
        {
            return true;
        }

        Forget(entry.Key);
        return false;
    }

    private void ScheduleFor(ExecutionInfo execution)
    {
        if (execution.Status.IsTerminal())
        {
            if (_services.Retention is { } retention)
            {
                _scheduler.Schedule(execution.Id, execution.UpdatedAt + retention);
            }
            else
            {
                _scheduler.Cancel(execution.Id);
            }
        }
        else if (execution.Deadline is { } deadline)
        {
            _scheduler.Schedule(execution.Id, deadline);
        }
    }

    private void CountFiring(RuleInfo rule, TriggerKind trigger, Outbox outbox)
    {
        FlowSdkDiagnostics.Firings.Add(1, _flowTag, new("rule", rule.Name), new("trigger", trigger.ToString()));
        if (outbox.Messages.Count > 0)
        {
            FlowSdkDiagnostics.DispatchCount.Add(outbox.Messages.Count, _flowTag, new("action", rule.AwaitsReply ? "request" : "publish"));
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
        }
    }

    private async Task RunAsync(InboundEvent<TState> e)
    {
        _running.Add();

        // Leave the delivery thread at once: lanes run in parallel on the thread pool.
        await Task.Yield();
        try
        {
            await e.ProcessAsync(this).ConfigureAwait(false);
            if (e.Transport is { } transport)
            {
                await transport.AckAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            LogEventFailed(_logger, _flow.Id, e.Transport?.Subject ?? "(state)", e.Key, ex);
            if (e.Transport is { } transport)
            {
                await transport.NakAsync(ex.Message).ConfigureAwait(false);
            }
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
            LogUndecodable(_logger, _flow.Id, message.Subject, input.MessageType, ex);
            _ = message.RejectAsync(ex.Message).AsTask();
            return null;
        }
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

        return (int)((uint)StringComparer.Ordinal.GetHashCode(e.Key) % (uint)lanes);
    }

    /// <summary>The execution's committed state: the cached value unless <paramref name="fresh"/>, else read from the store.</summary>
    private async ValueTask<(TState State, StateEntry? Entry, bool FromCache)> LoadAsync(string executionId, bool fresh)
    {
        var key = RuntimeServices.StateKey(_flow.Id, executionId);
        if (!fresh && _committed.TryGetValue(key, out var cached))
        {
            return (Materialize(cached), cached, true);
        }

        var entry = await _services.Store.GetAsync(key).ConfigureAwait(false);
        if (entry is null)
        {
            Forget(key);
            return (NewExecution(executionId, _services.Time.GetUtcNow()), null, false);
        }

        return (Materialize(entry), entry, false);
    }

    private TState Materialize(StateEntry entry) => FlowSerializer.Deserialize(_flow.StateFormatter, entry.Value);

    private TState NewExecution(string executionId, DateTimeOffset now) => _flow.Start(executionId, now);

    private async Task PublishAsync(IReadOnlyList<OutgoingMessage> messages)
    {
        foreach (var message in messages)
        {
            var headers = message.MessageId.Length == 0 ? null : new Dictionary<string, string>(1) { [MessageIdHeader] = message.MessageId };
            await _services.Transport.PublishAsync(message.Subject, message.Payload, headers).ConfigureAwait(false);
        }
    }

    private void LogEvaluations(List<RuleEvaluation>? explain, string source, string? key)
    {
        if (explain is null)
        {
            return;
        }

        foreach (var evaluation in explain)
        {
            LogEvaluation(_logger, _flow.Id, source, key, evaluation.Rule.Name, evaluation.Fired, evaluation.Reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Flow {Flow}: on {Source} (execution {Execution}) rule {Rule} fired={Fired}: {Reason}")]
    private static partial void LogEvaluation(ILogger logger, string flow, string source, string? execution, string rule, bool fired, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Flow {Flow}: rule {Rule} fired for execution {Execution}, now in phase {Phase}")]
    private static partial void LogFired(ILogger logger, string flow, string rule, string execution, string phase);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Flow {Flow}: execution {Execution} committed {Rule} at revision {Revision}: phase {Phase}, status {Status}")]
    private static partial void LogCommitted(ILogger logger, string flow, string execution, string rule, string phase, ExecutionStatus status, ulong revision);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Flow {Flow}: no rule fired for {Source} (execution {Execution})")]
    private static partial void LogNoRuleFired(ILogger logger, string flow, string source, string? execution);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Flow {Flow}: {Source} was not handled for execution {Execution}: {Reason}")]
    private static partial void LogBlocked(ILogger logger, string flow, string source, string? execution, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Flow {Flow}: execution {Execution} changed since revision {Expected} (now {Found}); attempt {Attempt} evaluates the event again")]
    private static partial void LogWriteConflict(ILogger logger, string flow, string execution, ulong expected, ulong found, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow}: execution {Execution} ({Status}) passed its retention and was removed")]
    private static partial void LogRemoved(ILogger logger, string flow, string execution, ExecutionStatus status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Flow {Flow}: rule {Rule} threw for execution {Execution}; the execution is Failed")]
    private static partial void LogRuleThrew(ILogger logger, string flow, string rule, string execution, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Flow {Flow}: {Source} (execution {Execution}) could not be handled")]
    private static partial void LogEventFailed(ILogger logger, string flow, string source, string? execution, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Flow {Flow}: the message on {Subject} is not a valid {MessageType} and was dropped")]
    private static partial void LogUndecodable(ILogger logger, string flow, string subject, string messageType, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Flow {Flow}: the state stored under {Key} cannot be read")]
    private static partial void LogUnreadableState(ILogger logger, string flow, string key, Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Flow {Flow}: the event pipeline stopped")]
    private static partial void LogPipelineFailed(ILogger logger, string flow, Exception exception);
}
