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
    /// checked against the store's revision first. Used with every store, so the runtime takes the
    /// same path in process and on NATS; bounded by <see cref="FlowRuntimeOptions.StateCacheCapacity"/>.
    /// </summary>
    private readonly KeptStateCache _committed;

    /// <summary>The cancellation of the rule work in flight for each execution, cancelled when an operator cancels the execution.</summary>
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _inflight = new(StringComparer.Ordinal);

    public FlowProcessor(FlowDefinition<TState> flow, RuntimeServices services)
    {
        _flow = flow;
        _services = services;
        _logger = services.LoggerFactory.CreateLogger("FlowSdk.Flow." + flow.Id);
        _flowTag = new KeyValuePair<string, object?>("flow", flow.Id);
        _committed = new KeptStateCache(services.Options.StateCacheCapacity, _flowTag);
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
        await _stopping.CancelAsync().ConfigureAwait(false);
        _scheduler.Dispose();
        await _running.WhenIdleAsync(CancellationToken.None).ConfigureAwait(false);
    }

    internal Task<bool> ProcessAsync<TMessage>(InboundMessage<TState, TMessage> e)
        => HandleAsync(e.Key, e.Message, ApprovedRules(e.Port.RuleSet, e.Transport), e.Transport!.Subject, TriggerKind.MessageAndState, e.TaskId, e.Transport);

    internal Task<bool> ProcessStateChangeAsync(InboundStateChange<TState> e)
        => HandleAsync(e.Key, new StateChange(e.Key!, e.Entry.Revision), _flow.StateRules, e.Entry.Key, TriggerKind.State, taskId: null, transport: null);

    internal async Task<bool> ProcessTimerAsync(InboundTimer<TState> e)
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

    /// <summary>
    /// Evaluates one event and commits what the rule that fires does. A message that names an
    /// execution and fires no rule is handled by the flow's <see cref="UnmatchedMessagePolicy"/>; a
    /// redelivery of a message the execution already took is a duplicate. Returns whether a rule fired.
    /// </summary>
    private async Task<bool> HandleAsync<TMessage>(string? key, TMessage message, IReadOnlyList<Rule<TState, TMessage>> rules, string source, TriggerKind trigger, string? taskId, TransportMessage? transport)
    {
        var replay = transport as ParkedTransportMessage;
        var messageId = trigger == TriggerKind.MessageAndState ? transport?.MessageId : null;
        using var inflight = key is null ? null : new CancellationTokenSource();
        if (inflight is not null)
        {
            _inflight[key!] = inflight;
        }

        try
        {
            var handling = new Handling<TMessage>(key, message, rules, source, trigger, taskId, transport, replay, messageId, inflight?.Token ?? CancellationToken.None);
            return await HandleAsync(handling).ConfigureAwait(false);
        }
        finally
        {
            if (inflight is not null)
            {
                _inflight.TryRemove(KeyValuePair.Create(key!, inflight));
            }
        }
    }

    /// <summary>
    /// Evaluates the event and concludes, again on a fresh read of the execution while a write meets
    /// a newer revision (<see cref="TryCommitAsync"/> bounds the attempts by <c>MaxWriteAttempts</c>).
    /// </summary>
    private async Task<bool> HandleAsync<TMessage>(Handling<TMessage> handling)
    {
        var fresh = false;
        for (var attempt = 1; ; attempt++)
        {
            // One clock read per attempt: creation, deadline, timeline and parking all use it.
            var evaluation = await EvaluateAsync(handling, fresh, _services.Time.GetUtcNow(), explain: handling.Transport is ApprovalTransportMessage).ConfigureAwait(false);
            LogEvaluations(evaluation.Explain, handling.Source, handling.Key);
            switch (await ConcludeAsync(handling, evaluation, attempt).ConfigureAwait(false))
            {
                case Conclusion.Fired:
                    return true;
                case Conclusion.NotFired:
                    return false;
                case Conclusion.Stale:
                    // No write checked the cached value this time: not an attempt.
                    attempt--;
                    break;
            }

            // The cached value was stale, or a write met a newer revision: evaluate again on a fresh read.
            fresh = true;
        }
    }

    /// <summary>Evaluates the rules in declaration order until one fires, loading the execution for the first rule that needs it.</summary>
    private async Task<Evaluation<TMessage>> EvaluateAsync<TMessage>(Handling<TMessage> handling, bool fresh, DateTimeOffset now, bool explain = false)
    {
        var evaluation = new Evaluation<TMessage>(now, explain || _logger.IsEnabled(LogLevel.Debug) ? new List<RuleEvaluation>() : null);
        foreach (var rule in handling.Rules)
        {
            if (!rule.NeedsState)
            {
                evaluation.Context = new RuleContext(now, null, evaluation.Outbox, _flow.Id);
                if (Evaluate(rule, null, handling.Message, evaluation.Context, evaluation.Explain))
                {
                    evaluation.Chosen = rule;
                    return evaluation;
                }

                continue;
            }

            if (evaluation.State is null && !await LoadExecutionAsync(handling, evaluation, fresh).ConfigureAwait(false))
            {
                // A duplicate, or a deadline that passed: no rule is evaluated.
                return evaluation;
            }

            if (evaluation.Blocked is not null)
            {
                RuleEvaluator.Passed(evaluation.Explain, rule.Info, evaluation.Blocked);
                continue;
            }

            evaluation.Context = new RuleContext(now, evaluation.State!.Execution.Id, evaluation.Outbox, _flow.Id) { CancellationToken = handling.Cancelled };
            if (Evaluate(rule, evaluation.State, handling.Message, evaluation.Context, evaluation.Explain))
            {
                evaluation.Chosen = rule;
                return evaluation;
            }
        }

        return evaluation;
    }

    /// <summary>
    /// Loads the execution for the rules and says why none may fire (<see cref="Evaluation{TMessage}.Blocked"/>).
    /// Returns false when no rule is evaluated at all: the message is a duplicate, or the deadline passed.
    /// </summary>
    private async Task<bool> LoadExecutionAsync<TMessage>(Handling<TMessage> handling, Evaluation<TMessage> evaluation, bool fresh)
    {
        // Always the current value: a watched change may already be superseded, and its outbox
        // already published by the write that produced it.
        var (state, entry, fromCache) = await LoadAsync(handling.Key!, fresh, evaluation.Now).ConfigureAwait(false);
        (evaluation.State, evaluation.Entry, evaluation.FromCache) = (state, entry, fromCache);
        var execution = state.Execution;
        if (handling.Replay is null && handling.MessageId is not null && execution.Knows(handling.MessageId))
        {
            // A redelivery of a message this execution took (or parked) already. Whoever committed it
            // may have stopped before publishing its outputs (a crash, or a transient error right
            // after the commit): publish them (the ids make it idempotent).
            evaluation.Duplicate = true;
            if (execution.Outbox.Count > 0)
            {
                await PublishAsync(execution.Outbox).ConfigureAwait(false);
                await ClearOutboxAsync(state, entry!).ConfigureAwait(false);
            }

            return false;
        }

        if (execution.Outbox.Count > 0)
        {
            // A host stopped between committing and publishing: publish first (the ids make it idempotent).
            await PublishAsync(execution.Outbox).ConfigureAwait(false);
            evaluation.Republished = true;
        }

        if (execution.Status.IsTerminal())
        {
            evaluation.Blocked = $"the execution is {execution.Status}";
        }
        else if (execution.Status == ExecutionStatus.Paused)
        {
            // Checked before the deadline: a paused execution's deadline waits for the resume.
            evaluation.Blocked = "the execution is Paused";
        }
        else if (handling.Replay is { } replay && !execution.Parked.Exists(p => string.Equals(p.MessageId, replay.Parked.MessageId, StringComparison.Ordinal)))
        {
            // Another host applied (or dead-lettered) this parked message since it was read.
            evaluation.Duplicate = true;
            return false;
        }
        else if (execution.Deadline is { } deadline && evaluation.Now >= deadline)
        {
            evaluation.TimedOut = true;
            return false;
        }
        else if (handling.Transport is ApprovalTransportMessage approval)
        {
            if (!IsApproved(execution, approval.Request.Id))
            {
                // Another host applied (or voided) the approved request since it was read.
                evaluation.Duplicate = true;
                return false;
            }
        }
        else if (execution.Status == ExecutionStatus.WaitingForApproval)
        {
            evaluation.Blocked = $"the execution waits for approval of rule {execution.PendingApproval?.Rule}";
        }
        else if (execution.Status == ExecutionStatus.Waiting && !string.Equals(handling.TaskId, execution.PendingTaskId, StringComparison.Ordinal))
        {
            evaluation.Blocked = $"the execution waits for the reply to task {execution.PendingTaskId}";
        }
        else if (execution.Status != ExecutionStatus.Waiting && handling.TaskId is not null)
        {
            evaluation.Blocked = $"no execution waits for task {handling.TaskId}";
        }

        return true;
    }

    /// <summary>Acts on what the evaluation found: a duplicate, a deadline, no rule, or the rule that fires.</summary>
    private async Task<Conclusion> ConcludeAsync<TMessage>(Handling<TMessage> handling, Evaluation<TMessage> evaluation, int attempt)
    {
        if (evaluation.Duplicate)
        {
            await OnDuplicateAsync(handling).ConfigureAwait(false);
            return Conclusion.NotFired;
        }

        if (evaluation.TimedOut)
        {
            return await TimeOutAsync(handling, evaluation, attempt).ConfigureAwait(false) ? Conclusion.NotFired : Conclusion.Conflict;
        }

        if (evaluation.FromCache && evaluation.Chosen is not { NeedsState: true } && !await IsCurrentAsync(evaluation.Entry!).ConfigureAwait(false))
        {
            // No write will check the cached value this time, and it was stale.
            return Conclusion.Stale;
        }

        if (evaluation.Chosen is null && handling.Transport is ApprovalTransportMessage)
        {
            return await VoidApprovalAsync(handling, evaluation, attempt).ConfigureAwait(false) ? Conclusion.NotFired : Conclusion.Conflict;
        }

        if (evaluation.Chosen is not { } chosen)
        {
            return await NoRuleFiredAsync(handling, evaluation).ConfigureAwait(false) ? Conclusion.NotFired : Conclusion.Conflict;
        }

        if (!chosen.NeedsState)
        {
            chosen.Fire(null!, handling.Message, evaluation.Context!);
            CountFiring(chosen.Info, TriggerKind.Message, evaluation.Outbox);
            LogFired(_logger, _flow.Id, chosen.Info.Name, "-", "-");
            await PublishAsync(evaluation.Outbox.Messages).ConfigureAwait(false);
            return Conclusion.Fired;
        }

        if (chosen.Info.Approval is not null && await GateApprovalAsync(handling, evaluation, chosen, attempt).ConfigureAwait(false) is { } gated)
        {
            return gated;
        }

        return await ApplyAsync(handling, evaluation, chosen, attempt).ConfigureAwait(false) ? Conclusion.Fired : Conclusion.Conflict;
    }

    /// <summary>A redelivery of a message the execution already took: counted, logged, and the work after its commit done again.</summary>
    private async Task OnDuplicateAsync<TMessage>(Handling<TMessage> handling)
    {
        FlowSdkDiagnostics.Duplicates.Add(1, _flowTag);
        LogDuplicate(_logger, _flow.Id, new SafeText(handling.Source), new SafeText(handling.Key), new SafeText(handling.MessageId));
        if (handling.Replay is null)
        {
            // Whoever applied it may have stopped (crashed) between its commit and the work after it.
            // Take in what waits beside the execution and evaluate its parked messages again, or they
            // would wait for nothing.
            await AdoptParkedAsync(handling.Key!).ConfigureAwait(false);
            await DrainParkedAsync(handling.Key!).ConfigureAwait(false);
        }
    }

    /// <summary>Commits the passed deadline (the execution times out). False on a write conflict.</summary>
    private async Task<bool> TimeOutAsync<TMessage>(Handling<TMessage> handling, Evaluation<TMessage> evaluation, int attempt)
    {
        evaluation.Outbox.Clear();
        _applier.TimeOut(evaluation.State!.Execution, evaluation.Now, evaluation.Outbox);
        if (!await TryCommitAsync(evaluation.State, evaluation.Entry, evaluation.Outbox, attempt).ConfigureAwait(false))
        {
            return false;
        }

        await DrainParkedAsync(handling.Key!).ConfigureAwait(false);
        return true;
    }

    /// <summary>No rule fired: a message that names an execution follows the unmatched policy. False when the parking write met a newer revision.</summary>
    private async Task<bool> NoRuleFiredAsync<TMessage>(Handling<TMessage> handling, Evaluation<TMessage> evaluation)
    {
        var source = new SafeText(handling.Source);
        if (evaluation.Blocked is not null)
        {
            LogBlocked(_logger, _flow.Id, source, new SafeText(handling.Key), evaluation.Blocked);
        }
        else
        {
            LogNoRuleFired(_logger, _flow.Id, source, new SafeText(handling.Key));
        }

        if (handling.Trigger == TriggerKind.MessageAndState && handling.Replay is null && handling.Key is not null && handling.Transport is not null)
        {
            var reason = evaluation.Blocked ?? (evaluation.State is null ? "no rule passes" : $"no rule passes in phase {evaluation.State.Execution.Phase}");
            return await UnmatchedAsync(handling.Key, handling.Transport, handling.MessageId, evaluation.State, evaluation.Entry, evaluation.Republished, reason, evaluation.Now).ConfigureAwait(false);
        }

        if (evaluation.Republished)
        {
            await ClearOutboxAsync(evaluation.State!, evaluation.Entry!).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Applies the rule that fires to the execution and commits it, then takes in and evaluates what waits. False on a write conflict.</summary>
    private async Task<bool> ApplyAsync<TMessage>(Handling<TMessage> handling, Evaluation<TMessage> evaluation, Rule<TState, TMessage> chosen, int attempt)
    {
        var now = evaluation.Now;
        var committedEntry = evaluation.Entry;
        var executionId = evaluation.State!.Execution.Id;
        if (committedEntry is null)
        {
            LinkFanOutChild(evaluation.State, handling.MessageId);
        }

        var state = _applier.Apply(chosen, evaluation.State, () => committedEntry is null ? LinkFanOutChild(NewExecution(executionId, now), handling.MessageId) : Materialize(committedEntry), handling.Message, handling.Source, handling.Trigger, handling.TaskId, evaluation.Context!, now);
        if (handling.Replay is { } replay)
        {
            state.Execution.Parked.RemoveAll(p => string.Equals(p.MessageId, replay.Parked.MessageId, StringComparison.Ordinal));
        }

        if (handling.MessageId is not null)
        {
            state.Execution.RecordHandled(handling.MessageId, _services.Options.HandledMessageIds);
        }

        if (!await TryCommitAsync(state, committedEntry, evaluation.Outbox, attempt).ConfigureAwait(false))
        {
            return false;
        }

        CountFiring(chosen.Info, chosen.Info.Trigger, evaluation.Outbox);
        if (handling.Replay is { } applied)
        {
            FlowSdkDiagnostics.Unmatched.Add(1, _flowTag, new("subject", handling.Source), new("outcome", "applied"));
            LogParkedApplied(_logger, _flow.Id, new SafeText(handling.Source), new SafeText(handling.Key), chosen.Info.Name, now - applied.Parked.ParkedAt);
            return true;
        }

        if (committedEntry is null && handling.Trigger == TriggerKind.MessageAndState)
        {
            // Messages that arrived before the execution existed wait beside it: take them in.
            await AdoptParkedAsync(executionId).ConfigureAwait(false);
        }

        await DrainParkedAsync(executionId).ConfigureAwait(false);
        return true;
    }

    /// <summary>One event on its way through the rules: what stays the same across its attempts.</summary>
    private sealed record Handling<TMessage>(string? Key, TMessage Message, IReadOnlyList<Rule<TState, TMessage>> Rules, string Source, TriggerKind Trigger, string? TaskId, TransportMessage? Transport, ParkedTransportMessage? Replay, string? MessageId, CancellationToken Cancelled);

    /// <summary>What one evaluation of the rules found, at one clock read.</summary>
    private sealed class Evaluation<TMessage>(DateTimeOffset now, List<RuleEvaluation>? explain)
    {
        public DateTimeOffset Now { get; } = now;

        /// <summary>Each rule's verdict, when Debug logging is on.</summary>
        public List<RuleEvaluation>? Explain { get; } = explain;

        /// <summary>What the rule that fires publishes.</summary>
        public Outbox Outbox { get; } = new();

        /// <summary>The execution, once a rule needed it (a new one when it does not exist).</summary>
        public TState? State { get; set; }

        /// <summary>The committed entry <see cref="State"/> was read from; <see langword="null"/> when the execution does not exist.</summary>
        public StateEntry? Entry { get; set; }

        /// <summary>Whether <see cref="Entry"/> came from the cache of committed values.</summary>
        public bool FromCache { get; set; }

        /// <summary>Why no rule that needs the execution may fire, or <see langword="null"/>.</summary>
        public string? Blocked { get; set; }

        /// <summary>Whether the message is one the execution already took.</summary>
        public bool Duplicate { get; set; }

        /// <summary>Whether the execution's deadline passed.</summary>
        public bool TimedOut { get; set; }

        /// <summary>Whether an outbox a stopped host left was published again, to be emptied.</summary>
        public bool Republished { get; set; }

        /// <summary>The rule that fires, or <see langword="null"/>.</summary>
        public Rule<TState, TMessage>? Chosen { get; set; }

        /// <summary>The context <see cref="Chosen"/> was evaluated with.</summary>
        public RuleContext? Context { get; set; }
    }

    /// <summary>How one evaluation of an event ended.</summary>
    private enum Conclusion
    {
        /// <summary>A rule fired and its change was committed.</summary>
        Fired,

        /// <summary>Done without a firing (duplicate, unmatched, timed out).</summary>
        NotFired,

        /// <summary>A write met a newer revision: evaluate again on a fresh read.</summary>
        Conflict,

        /// <summary>The cached value was stale and nothing was written: evaluate again, not counted as an attempt.</summary>
        Stale,
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
        var sequence = execution.TimelineEntriesRecorded;
        execution.Outbox.Clear();
        for (var i = 0; i < outbox.Messages.Count; i++)
        {
            // A fan-out's start message keeps the id it was given: derived from the group, not the firing.
            var message = outbox.Messages[i];
            execution.Outbox.Add(message.MessageId.Length > 0 ? message : message with { MessageId = $"{_flow.Id}.{execution.Id}.{sequence}.{i + 1}" });
        }

        _flow.Events?.Collect(execution, execution.Outbox);

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

        // The store moves the flow's progress counters with the write, in its transaction.
        var change = new StatusChange(_flow.Id, entry is null ? null : execution.StoredStatus ?? _flow.ReadExecution(entry.Value).Status, execution.Status);
        var written = entry is null
            ? await _services.Store.TryCreateAsync(key, bytes, change).ConfigureAwait(false)
            : await _services.Store.TryUpdateAsync(key, bytes, entry.Revision, change).ConfigureAwait(false);
        if (written.Succeeded)
        {
            execution.StoredStatus = execution.Status;
            execution.EventsFrom = execution.TimelineEntriesRecorded;
        }
        else
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
    /// <summary>
    /// Publishes and empties what the execution's outbox holds, written by another process's control
    /// (its lifecycle events, a cancelled fan-out child's report).
    /// </summary>
    private async Task PublishPendingOutboxAsync(string key)
    {
        if (await _services.Store.GetAsync(key).ConfigureAwait(false) is not { } entry)
        {
            return;
        }

        var state = Materialize(entry);
        if (state.Execution.Outbox.Count > 0)
        {
            await PublishAsync(state.Execution.Outbox).ConfigureAwait(false);
            await ClearOutboxAsync(state, entry).ConfigureAwait(false);
        }
    }

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
    private void Remember(StateEntry entry) => _committed.Remember(entry);

    private void Forget(string key) => _committed.Forget(key);

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
        if (execution.Status == ExecutionStatus.Paused)
        {
            // Nothing comes due while paused: the resume wakes the hosts.
            _scheduler.Cancel(execution.Id);
        }
        else if (execution.Status.IsTerminal())
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
        else if (Earliest(Earliest(Earliest(execution.Deadline, ParkedExpiry(execution)), Approvals.Due(execution)), FanOutSteps.Due(execution)) is { } due)
        {
            _scheduler.Schedule(execution.Id, due);
        }
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : (a < b ? a : b);

    /// <summary>When the oldest message parked with <paramref name="execution"/> expires, or <see langword="null"/>.</summary>
    private DateTimeOffset? ParkedExpiry(ExecutionInfo execution)
    {
        DateTimeOffset? earliest = null;
        foreach (var parked in execution.Parked)
        {
            earliest = Earliest(earliest, parked.ParkedAt + _services.Options.ParkedMessageTimeout);
        }

        return earliest;
    }

    /// <summary>The key of the messages parked for an execution that does not exist yet; outside the flow's key prefix, so listings and watches of executions never see it.</summary>
    private string ParkingKey(string executionId) => string.Concat(ParkingPrefix, _flow.Id, ".", executionId);

    private const string ParkingPrefix = "_parked.";

    /// <summary>
    /// Applies the flow's <see cref="UnmatchedMessagePolicy"/> to a message that named an execution
    /// and fired no rule: park it with the execution (or beside it, before it exists), dead-letter
    /// it, or count it. Always counted and logged at Information. Returns false when the parking
    /// write met a newer revision, so the caller evaluates the message again.
    /// </summary>
    private async Task<bool> UnmatchedAsync(string executionId, TransportMessage transport, string? messageId, TState? state, StateEntry? entry, bool republished, string reason, DateTimeOffset now)
    {
        var subject = transport.Subject;
        var policy = _services.Options.UnmatchedPolicyFor(_flow.Id, subject);
        if (state is not null && entry is not null && state.Execution.Status is ExecutionStatus.Paused or ExecutionStatus.WaitingForApproval)
        {
            // A paused execution (or one waiting for approval) keeps its messages whatever the policy: they are handled on resume (or decision).
            policy = UnmatchedMessagePolicy.Park;
        }

        if (state is not null && state.Execution.Status.IsTerminal() && policy == UnmatchedMessagePolicy.Park)
        {
            // Nothing fires for an ended execution again: parking would only delay the dead letter.
            policy = UnmatchedMessagePolicy.DeadLetter;
        }

        if (policy == UnmatchedMessagePolicy.Park && state is null)
        {
            policy = UnmatchedMessagePolicy.DeadLetter;
        }

        if (policy == UnmatchedMessagePolicy.Park)
        {
            var execution = state!.Execution;
            var parked = new ParkedMessage(subject, transport.Payload.ToArray(), messageId ?? "local:" + Guid.NewGuid().ToString("N"), now, reason);
            if (entry is null)
            {
                return await ParkBesideAsync(executionId, parked, now).ConfigureAwait(false);
            }

            if (execution.Parked.Count >= _services.Options.MaxParkedMessages)
            {
                if (republished)
                {
                    await ClearOutboxAsync(state, entry).ConfigureAwait(false);
                }

                await DeadLetterAsync(parked, $"{reason}; execution {executionId} already has {execution.Parked.Count} parked messages (MaxParkedMessages)", "dead_lettered").ConfigureAwait(false);
                return true;
            }

            execution.Parked.Add(parked);
            if (republished)
            {
                execution.Outbox.Clear();
            }

            if (!await TryWriteBookkeepingAsync(RuntimeServices.StateKey(_flow.Id, executionId), state, entry).ConfigureAwait(false))
            {
                return false;
            }

            ScheduleFor(execution);
            CountUnmatched(subject, "parked");
            LogParked(_logger, _flow.Id, new SafeText(subject), new SafeText(executionId), new SafeText(reason), execution.Parked.Count);
            return true;
        }

        if (republished && state is not null && entry is not null)
        {
            await ClearOutboxAsync(state, entry).ConfigureAwait(false);
        }

        if (policy == UnmatchedMessagePolicy.DeadLetter)
        {
            await DeadLetterAsync(new ParkedMessage(subject, transport.Payload.ToArray(), messageId ?? "", now, reason), reason, "dead_lettered").ConfigureAwait(false);
            return true;
        }

        CountUnmatched(subject, "counted");
        LogUnmatchedCounted(_logger, _flow.Id, new SafeText(subject), new SafeText(executionId), new SafeText(reason));
        return true;
    }

    /// <summary>
    /// Parks a message for an execution that does not exist yet, under <see cref="ParkingKey"/>; the
    /// rule that creates the execution takes it in (<see cref="AdoptParkedAsync"/>). After the write,
    /// looks whether the execution appeared meanwhile: if so, returns false so the message is
    /// evaluated again on it, since its creator may have looked for parked messages before this write.
    /// </summary>
    private async Task<bool> ParkBesideAsync(string executionId, ParkedMessage parked, DateTimeOffset now)
    {
        var sideKey = ParkingKey(executionId);
        var side = await _services.Store.GetAsync(sideKey).ConfigureAwait(false);
        var record = side is null ? NewExecution(executionId, now) : Materialize(side);
        if (record.Execution.Knows(parked.MessageId))
        {
            FlowSdkDiagnostics.Duplicates.Add(1, _flowTag);
            LogDuplicate(_logger, _flow.Id, new SafeText(parked.Subject), new SafeText(executionId), new SafeText(parked.MessageId));
            return true;
        }

        if (record.Execution.Parked.Count >= _services.Options.MaxParkedMessages)
        {
            await DeadLetterAsync(parked, $"{parked.Reason}; {record.Execution.Parked.Count} messages already wait for execution {executionId} to exist (MaxParkedMessages)", "dead_lettered").ConfigureAwait(false);
            return true;
        }

        record.Execution.Parked.Add(parked);
        if (!await TryWriteBookkeepingAsync(sideKey, record, side).ConfigureAwait(false))
        {
            return false;
        }

        if (await _services.Store.GetAsync(RuntimeServices.StateKey(_flow.Id, executionId)).ConfigureAwait(false) is not null)
        {
            return false;
        }

        _scheduler.Schedule(executionId, ParkedExpiry(record.Execution)!.Value);
        CountUnmatched(parked.Subject, "parked");
        LogParked(_logger, _flow.Id, new SafeText(parked.Subject), new SafeText(executionId), new SafeText(parked.Reason), record.Execution.Parked.Count);
        return true;
    }

    /// <summary>
    /// Moves the messages parked beside an execution into it once it exists (those it does not know
    /// yet, in their order), then removes the record beside it. While it does not exist, dead-letters
    /// what expired and schedules the next expiry.
    /// </summary>
    private async Task AdoptParkedAsync(string executionId)
    {
        var sideKey = ParkingKey(executionId);
        var stateKey = RuntimeServices.StateKey(_flow.Id, executionId);
        for (var attempt = 1; attempt <= _services.MaxWriteAttempts; attempt++)
        {
            var side = await _services.Store.GetAsync(sideKey).ConfigureAwait(false);
            if (side is null)
            {
                return;
            }

            var record = Materialize(side);
            var now = _services.Time.GetUtcNow();
            var entry = await _services.Store.GetAsync(stateKey).ConfigureAwait(false);
            if (entry is null)
            {
                var expired = record.Execution.Parked.Where(p => p.ParkedAt + _services.Options.ParkedMessageTimeout <= now).ToList();
                if (expired.Count > 0)
                {
                    record.Execution.Parked.RemoveAll(expired.Contains);

                    // Never deleted here: a message parked between this write and a delete would be lost.
                    if (!await TryWriteBookkeepingAsync(sideKey, record, side).ConfigureAwait(false))
                    {
                        continue;
                    }

                    foreach (var parked in expired)
                    {
                        await DeadLetterAsync(parked, $"{parked.Reason}; execution {executionId} did not exist within {_services.Options.ParkedMessageTimeout} (ParkedMessageTimeout)", "expired").ConfigureAwait(false);
                    }
                }

                if (ParkedExpiry(record.Execution) is { } next)
                {
                    _scheduler.Schedule(executionId, next);
                }

                return;
            }

            var state = Materialize(entry);
            var execution = state.Execution;
            var adopted = record.Execution.Parked.Where(p => !execution.Knows(p.MessageId)).ToList();
            if (adopted.Count > 0)
            {
                var room = Math.Max(0, _services.Options.MaxParkedMessages - execution.Parked.Count);
                execution.Parked.AddRange(adopted.Take(room));
                if (!await TryWriteBookkeepingAsync(stateKey, state, entry).ConfigureAwait(false))
                {
                    continue;
                }

                foreach (var parked in adopted.Skip(room))
                {
                    await DeadLetterAsync(parked, $"{parked.Reason}; execution {executionId} already has {execution.Parked.Count} parked messages (MaxParkedMessages)", "dead_lettered").ConfigureAwait(false);
                }

                ScheduleFor(execution);
            }

            // Safe to delete: whoever parks beside the execution from now on sees that it exists.
            await _services.Store.DeleteAsync(sideKey).ConfigureAwait(false);
            return;
        }
    }

    /// <summary>
    /// Evaluates an execution's parked messages again, oldest first, after its state changed:
    /// applies the first that fires a rule and starts over, until none fires. Dead-letters those
    /// that expired, and all of them once the execution has ended.
    /// </summary>
    private async Task DrainParkedAsync(string executionId)
    {
        var stateKey = RuntimeServices.StateKey(_flow.Id, executionId);
        for (var pass = 0; pass < 10_000; pass++)
        {
            if (!_committed.TryGet(stateKey, out var entry))
            {
                entry = await _services.Store.GetAsync(stateKey).ConfigureAwait(false);
            }

            if (entry is null)
            {
                return;
            }

            var state = Materialize(entry);
            var execution = state.Execution;
            if (execution.Parked.Count == 0 || execution.Status == ExecutionStatus.Paused)
            {
                // A paused execution keeps its messages, unexpired, until it is resumed.
                return;
            }

            var now = _services.Time.GetUtcNow();
            var ended = execution.Status.IsTerminal();
            var expired = execution.Parked.Where(p => ended || p.ParkedAt + _services.Options.ParkedMessageTimeout <= now).ToList();
            if (expired.Count > 0)
            {
                execution.Parked.RemoveAll(expired.Contains);
                if (execution.Outbox.Count > 0)
                {
                    await PublishAsync(execution.Outbox).ConfigureAwait(false);
                    execution.Outbox.Clear();
                }

                if (!await TryWriteBookkeepingAsync(stateKey, state, entry).ConfigureAwait(false))
                {
                    continue;
                }

                foreach (var parked in expired)
                {
                    var why = ended
                        ? $"{parked.Reason}; execution {executionId} ended ({execution.Status}) before a rule took the message"
                        : $"{parked.Reason}; no rule took it within {_services.Options.ParkedMessageTimeout} (ParkedMessageTimeout)";
                    await DeadLetterAsync(parked, why, "expired").ConfigureAwait(false);
                }

                ScheduleFor(execution);
                continue;
            }

            var fired = false;
            foreach (var parked in execution.Parked.ToList())
            {
                var input = _flow.Inputs.FirstOrDefault(i => string.Equals(i.Subject, parked.Subject, StringComparison.Ordinal));
                InboundEvent<TState> e;
                try
                {
                    e = input?.Decode(new ParkedTransportMessage(parked)) ?? throw new InvalidOperationException($"flow '{_flow.Id}' has no input port on '{parked.Subject}' any more");
                }
                catch (Exception ex) when (ex is MessagePackSerializationException or InvalidOperationException)
                {
                    execution.Parked.Remove(parked);
                    if (await TryWriteBookkeepingAsync(stateKey, state, entry).ConfigureAwait(false))
                    {
                        await DeadLetterAsync(parked, "the parked message cannot be read again: " + ex.Message, "dead_lettered").ConfigureAwait(false);
                    }

                    fired = true;
                    break;
                }

                if (await e.ProcessAsync(this).ConfigureAwait(false))
                {
                    fired = true;
                    break;
                }
            }

            if (!fired)
            {
                return;
            }
        }
    }

    /// <summary>Writes bookkeeping only (parked messages): compare-and-set, and marked as no change state rules react to.</summary>
    private async Task<bool> TryWriteBookkeepingAsync(string key, TState state, StateEntry? entry)
    {
        state.Execution.PublishedOnly = true;
        var bytes = FlowSerializer.Serialize(_flow.StateFormatter, state);
        var written = entry is null
            ? await _services.Store.TryCreateAsync(key, bytes).ConfigureAwait(false)
            : await _services.Store.TryUpdateAsync(key, bytes, entry.Revision).ConfigureAwait(false);
        if (!written.Succeeded)
        {
            Forget(key);
            FlowSdkDiagnostics.Conflicts.Add(1, _flowTag);
            return false;
        }

        if (!key.StartsWith(ParkingPrefix, StringComparison.Ordinal) && state.Execution.Outbox.Count == 0)
        {
            Remember(new StateEntry(key, bytes, written.Revision));
        }
        else
        {
            Forget(key);
        }

        return true;
    }

    /// <summary>Publishes a message nobody will handle to the transport's dead-letter subject, counted and logged once.</summary>
    private async Task DeadLetterAsync(ParkedMessage message, string reason, string outcome)
    {
        await _services.Transport.DeadLetterAsync(message.Subject, message.Payload, message.MessageId.Length > 0 ? message.MessageId : null, reason).ConfigureAwait(false);
        CountUnmatched(message.Subject, outcome);
        LogUnmatchedDeadLettered(_logger, _flow.Id, new SafeText(message.Subject), new SafeText(reason));
    }

    private void CountUnmatched(string subject, string outcome) =>
        FlowSdkDiagnostics.Unmatched.Add(1, _flowTag, new("subject", subject), new("outcome", outcome));

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

    private async Task RunAsync(InboundEvent<TState> e)
    {
        _running.Add();

        // Leave the delivery thread at once: lanes run in parallel on the thread pool.
        await Task.Yield();
        try
        {
            var failure = await HandleInPlaceAsync(e).ConfigureAwait(false);
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
        finally
        {
            if (e.Transport is null)
            {
                _services.Work.Done();
            }

            _running.Done();
        }
    }

    /// <summary>
    /// Handles an event, and handles it again in place while it fails: transient errors with backoff
    /// within <see cref="FlowRuntimeOptions.TransientRetryLimit"/>, other failures up to
    /// <see cref="FlowRuntimeOptions.MaxHandlingAttempts"/> times. The event keeps its lane meanwhile,
    /// so the later events of its execution wait behind it and none passes it. Returns
    /// <see langword="null"/> once handled, or the failure it gave up on (counted and logged).
    /// </summary>
    private async Task<Exception?> HandleInPlaceAsync(InboundEvent<TState> e)
    {
        HandlingAttempts? attempts = null;
        while (true)
        {
            Exception failure;
            try
            {
                await e.ProcessAsync(this).ConfigureAwait(false);
                return null;
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
                return failure;
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

    /// <summary>At most <see cref="FlowRuntimeOptions.MaxFailureLogsPerSecond"/> Warning lines a second of the runtime's clock; says how many were held back since the last one.</summary>
    private bool MayLogFailure(out int suppressed)
    {
        lock (_logGate)
        {
            var second = _services.Time.GetTimestamp() / _services.Time.TimestampFrequency;
            if (second != _logWindow)
            {
                _logWindow = second;
                _logsInWindow = 0;
            }

            if (_logsInWindow >= _services.Options.MaxFailureLogsPerSecond)
            {
                _logsSuppressed++;
                suppressed = 0;
                return false;
            }

            _logsInWindow++;
            suppressed = _logsSuppressed;
            _logsSuppressed = 0;
            return true;
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
        if (ExecutionControl.ReadWake(entry.Value) == ExecutionControlAction.Cancel && _inflight.TryGetValue(id, out var inflight))
        {
            try
            {
                inflight.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The work ended meanwhile.
            }
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

        return (int)((uint)StringComparer.Ordinal.GetHashCode(e.Key) % (uint)lanes);
    }

    /// <summary>The execution's committed state: the cached value unless <paramref name="fresh"/>, else read from the store.</summary>
    private async ValueTask<(TState State, StateEntry? Entry, bool FromCache)> LoadAsync(string executionId, bool fresh, DateTimeOffset now)
    {
        var key = RuntimeServices.StateKey(_flow.Id, executionId);
        if (!fresh && _committed.TryGet(key, out var cached))
        {
            return (Materialize(cached), cached, true);
        }

        var entry = await _services.Store.GetAsync(key).ConfigureAwait(false);
        if (entry is null)
        {
            Forget(key);
            return (NewExecution(executionId, now), null, false);
        }

        return (Materialize(entry), entry, false);
    }

    private TState Materialize(StateEntry entry)
    {
        var state = FlowSerializer.Deserialize(_flow.StateFormatter, entry.Value);
        state.Execution.StoredStatus = state.Execution.Status;
        return state;
    }

    private TState NewExecution(string executionId, DateTimeOffset now) => _flow.Start(executionId, now);

    private async Task PublishAsync(IReadOnlyList<OutgoingMessage> messages)
    {
        foreach (var message in messages)
        {
            var headers = message.MessageId.Length == 0 ? null : new Dictionary<string, string>(1) { [Transport.MessageHeaders.MessageId] = message.MessageId };
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
    private static partial void LogNoRuleFired(ILogger logger, string flow, SafeText source, SafeText execution);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Flow {Flow}: {Source} was not handled for execution {Execution}: {Reason}")]
    private static partial void LogBlocked(ILogger logger, string flow, SafeText source, SafeText execution, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Flow {Flow}: execution {Execution} changed since revision {Expected} (now {Found}); attempt {Attempt} evaluates the event again")]
    private static partial void LogWriteConflict(ILogger logger, string flow, string execution, ulong expected, ulong found, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow}: execution {Execution} ({Status}) passed its retention and was removed")]
    private static partial void LogRemoved(ILogger logger, string flow, string execution, ExecutionStatus status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Flow {Flow}: rule {Rule} threw for execution {Execution}; the execution is Failed")]
    private static partial void LogRuleThrew(ILogger logger, string flow, string rule, string execution, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flow {Flow}: {Source} (execution {Execution}) could not be handled: {Error}; {Outcome} ({Suppressed} similar lines held back before this one)")]
    private static partial void LogEventFailed(ILogger logger, string flow, SafeText source, SafeText execution, SafeError error, string outcome, int suppressed);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Flow {Flow}: {Source} (execution {Execution}) could not be handled")]
    private static partial void LogEventFailedDetail(ILogger logger, string flow, SafeText source, SafeText execution, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow}: {Source} (execution {Execution}) could not be handled (attempt {Attempt} of {Attempts}): {Error}; handled again in {Delay}, the execution's later events wait ({Suppressed} similar lines held back before this one)")]
    private static partial void LogHandledAgain(ILogger logger, string flow, SafeText source, SafeText execution, int attempt, int attempts, SafeError error, TimeSpan delay, int suppressed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow}: {Source} (execution {Execution}) met a transient infrastructure error (attempt {Attempt}), retrying in process: {Error}")]
    private static partial void LogTransient(ILogger logger, string flow, SafeText source, SafeText execution, int attempt, SafeError error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flow {Flow}: the message on {Subject} is not a valid {MessageType} and was dead-lettered: {Error} ({Suppressed} similar lines held back before this one)")]
    private static partial void LogUndecodable(ILogger logger, string flow, SafeText subject, string messageType, SafeText error, int suppressed);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Flow {Flow}: the message on {Subject} could not be read")]
    private static partial void LogUndecodableDetail(ILogger logger, string flow, SafeText subject, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow}: the message on {Subject} for execution {Execution} fired no rule ({Reason}); parked with the execution ({Count} parked)")]
    private static partial void LogParked(ILogger logger, string flow, SafeText subject, SafeText execution, SafeText reason, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow}: the parked message on {Subject} for execution {Execution} fired rule {Rule} after {Waited}")]
    private static partial void LogParkedApplied(ILogger logger, string flow, SafeText subject, SafeText execution, string rule, TimeSpan waited);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow}: the message on {Subject} for execution {Execution} fired no rule ({Reason}); acknowledged and counted (policy Count)")]
    private static partial void LogUnmatchedCounted(ILogger logger, string flow, SafeText subject, SafeText execution, SafeText reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow}: the message on {Subject} fired no rule and was dead-lettered: {Reason}")]
    private static partial void LogUnmatchedDeadLettered(ILogger logger, string flow, SafeText subject, SafeText reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Flow {Flow}: {Source} (execution {Execution}) is message {MessageId}, which the execution already took: a redelivery, acknowledged")]
    private static partial void LogDuplicate(ILogger logger, string flow, SafeText source, SafeText execution, SafeText messageId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Flow {Flow}: the state stored under {Key} cannot be read")]
    private static partial void LogUnreadableState(ILogger logger, string flow, string key, Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Flow {Flow}: the event pipeline stopped")]
    private static partial void LogPipelineFailed(ILogger logger, string flow, Exception exception);
}
