using System.Runtime.CompilerServices;
using FlowSdk.State;
using FlowSdk.Transport;
using Microsoft.Extensions.Logging;

namespace FlowSdk.Runtime;

/// <summary>Handling one event: evaluate the rules in order, conclude (fire, time out, park, dead-letter, duplicate), and act on the conclusion; a write conflict evaluates again.</summary>
internal sealed partial class FlowProcessor<TState>
{
    /// <summary>
    /// Evaluates one event and commits what the rule that fires does. A message that names an
    /// execution and fires no rule is handled by the flow's <see cref="UnmatchedMessagePolicy"/>; a
    /// redelivery of a message the execution already took is a duplicate. Returns whether a rule fired.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> HandleAsync<TMessage>(string? key, TMessage message, IReadOnlyList<Rule<TState, TMessage>> rules, string source, TriggerKind trigger, string? taskId, TransportMessage? transport)
    {
        var replay = transport as ParkedTransportMessage;
        // Only an execution records the ids it took: a message without a key has no use for one.
        var messageId = trigger == TriggerKind.MessageAndState && key is not null ? transport?.MessageId : null;
        InflightSlot? slot = null;
        CancellationTokenSource? own = null;
        var cancelled = key is null ? CancellationToken.None : EnterInflight(key, out slot, out own);
        var handling = new Handling<TMessage>(key, message, rules, source, trigger, taskId, transport, replay, messageId, cancelled);
        try
        {
            // Evaluated and concluded again on a fresh read of the execution while a write meets a
            // newer revision (TryCommitAsync bounds the attempts by MaxWriteAttempts).
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
        finally
        {
            if (key is not null)
            {
                LeaveInflight(key, slot, own, handling.TokenTaken);
            }
        }
    }

    /// <summary>
    /// Marks <paramref name="key"/>'s rule work as in flight and returns the token an operator's
    /// cancel of the execution cancels: its lane's source (<paramref name="slot"/>), or, if that slot
    /// holds another execution's work, a source of its own (<paramref name="own"/>).
    /// </summary>
    private CancellationToken EnterInflight(string key, out InflightSlot? slot, out CancellationTokenSource? own)
    {
        var slots = _inflightSlots;
        if (slots.Length > 0)
        {
            var lane = slots[LaneOf(key, slots.Length)];
            lock (lane.Gate)
            {
                // The lane's own event, or handling nested in it for the same execution (parked
                // messages taken in after a commit): both share the lane's source.
                if (lane.Key is null || string.Equals(lane.Key, key, StringComparison.Ordinal))
                {
                    lane.Key = key;
                    lane.Depth++;
                    slot = lane;
                    own = null;
                    return lane.Source.Token;
                }
            }
        }

        slot = null;
        own = new CancellationTokenSource();
        _inflight[key] = own;
        return own.Token;
    }

    /// <summary>
    /// Ends what <see cref="EnterInflight"/> began. A source a cancel reached (or may still reach),
    /// or whose token rule code read (<paramref name="tokenTaken"/>: it may have left a callback
    /// registered on it), is never handed out again.
    /// </summary>
    private void LeaveInflight(string key, InflightSlot? slot, CancellationTokenSource? own, bool tokenTaken)
    {
        if (slot is not null)
        {
            lock (slot.Gate)
            {
                if (tokenTaken)
                {
                    slot.Spent = true;
                }

                if (--slot.Depth == 0)
                {
                    slot.Key = null;
                    if (slot.Spent)
                    {
                        // Not disposed: the cancel may still be running on another thread.
                        slot.Source = new CancellationTokenSource();
                        slot.Spent = false;
                    }
                }
            }

            return;
        }

        _inflight.TryRemove(KeyValuePair.Create(key, own!));
        own!.Dispose();
    }

    /// <summary>Cancels the rule work in flight for execution <paramref name="id"/>, if any.</summary>
    private void CancelInflight(string id)
    {
        CancellationTokenSource? source = null;
        var slots = _inflightSlots;
        if (slots.Length > 0)
        {
            var lane = slots[LaneOf(id, slots.Length)];
            lock (lane.Gate)
            {
                if (string.Equals(lane.Key, id, StringComparison.Ordinal))
                {
                    // Taken for this cancel: the lane replaces it when the work ends, so the cancel
                    // below can never reach the next execution's work.
                    source = lane.Source;
                    lane.Spent = true;
                }
            }
        }

        Cancel(source);
        if (!_inflight.IsEmpty && _inflight.TryGetValue(id, out var own))
        {
            Cancel(own);
        }

        static void Cancel(CancellationTokenSource? source)
        {
            try
            {
                source?.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The work ended meanwhile.
            }
        }
    }

    /// <summary>The rule work in flight in one lane: which execution's, and the cancellation an operator's cancel triggers.</summary>
    private sealed class InflightSlot
    {
        public Lock Gate { get; } = new();

        /// <summary>The execution whose work is in flight, or <see langword="null"/>.</summary>
        public string? Key { get; set; }

        /// <summary>How many handlings of <see cref="Key"/> are in flight (nested ones included).</summary>
        public int Depth { get; set; }

        /// <summary>Cancelled by an operator's cancel of <see cref="Key"/>.</summary>
        public CancellationTokenSource Source { get; set; } = new();

        /// <summary>A cancel took <see cref="Source"/>: replace it when the work ends.</summary>
        public bool Spent { get; set; }
    }

    /// <summary>Evaluates the rules in declaration order until one fires, loading the execution for the first rule that needs it.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Evaluation<TMessage>> EvaluateAsync<TMessage>(Handling<TMessage> handling, bool fresh, DateTimeOffset now, bool explain = false)
    {
        var evaluation = new Evaluation<TMessage>(now, explain || _logger.IsEnabled(LogLevel.Debug) ? new List<RuleEvaluation>() : null);
        // By index: enumerating the list through its interface allocates an enumerator per event.
        var rules = handling.Rules;
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
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

            evaluation.Context = handling.ContextWithToken(now, evaluation.State!.Execution.Id, evaluation.Outbox, _flow.Id);
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
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> LoadExecutionAsync<TMessage>(Handling<TMessage> handling, Evaluation<TMessage> evaluation, bool fresh)
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

    /// <summary>
    /// Acts on what the evaluation found: a duplicate, a deadline, no rule, or the rule that fires.
    /// The usual case, a rule on the execution without approval, goes straight to <see cref="ApplyAsync"/>
    /// without an async level (a state machine per event) of its own.
    /// </summary>
    private ValueTask<Conclusion> ConcludeAsync<TMessage>(Handling<TMessage> handling, Evaluation<TMessage> evaluation, int attempt)
        => !evaluation.Duplicate && !evaluation.TimedOut && evaluation.Chosen is { NeedsState: true, Info.Approval: null } chosen
            ? ApplyAsync(handling, evaluation, chosen, attempt)
            : ConcludeOtherwiseAsync(handling, evaluation, attempt);

    /// <summary>Everything <see cref="ConcludeAsync"/> does not pass straight on.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Conclusion> ConcludeOtherwiseAsync<TMessage>(Handling<TMessage> handling, Evaluation<TMessage> evaluation, int attempt)
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

        return await ApplyAsync(handling, evaluation, chosen, attempt).ConfigureAwait(false);
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

    /// <summary>Applies the rule that fires to the execution and commits it, then takes in and evaluates what waits. <see cref="Conclusion.Conflict"/> on a write conflict.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Conclusion> ApplyAsync<TMessage>(Handling<TMessage> handling, Evaluation<TMessage> evaluation, Rule<TState, TMessage> chosen, int attempt)
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

        // Read before the commit: after it the state is not looked at again (the commit hands its
        // bookkeeping over to the execution's next event).
        var parked = state.Execution.ParkedCount > 0;
        if (!await TryCommitAsync(state, committedEntry, evaluation.Outbox, attempt, handOver: true).ConfigureAwait(false))
        {
            return Conclusion.Conflict;
        }

        CountFiring(chosen.Info, chosen.Info.Trigger, evaluation.Outbox);
        if (handling.Replay is { } applied)
        {
            FlowSdkDiagnostics.Unmatched.Add(1, _flowTag, new("subject", handling.Source), new("outcome", "applied"));
            LogParkedApplied(_logger, _flow.Id, new SafeText(handling.Source), new SafeText(handling.Key), chosen.Info.Name, now - applied.Parked.ParkedAt);
            return Conclusion.Fired;
        }

        var adopted = false;
        if (committedEntry is null && handling.Trigger == TriggerKind.MessageAndState)
        {
            // Messages that arrived before the execution existed wait beside it: take them in.
            adopted = await AdoptParkedAsync(executionId).ConfigureAwait(false);
        }

        if (adopted || parked)
        {
            // Evaluated again on the execution as committed; without any, there is nothing to read back.
            await DrainParkedAsync(executionId).ConfigureAwait(false);
        }

        return Conclusion.Fired;
    }

    /// <summary>One event on its way through the rules: what stays the same across its attempts.</summary>
    private sealed record Handling<TMessage>(string? Key, TMessage Message, IReadOnlyList<Rule<TState, TMessage>> Rules, string Source, TriggerKind Trigger, string? TaskId, TransportMessage? Transport, ParkedTransportMessage? Replay, string? MessageId, CancellationToken Cancelled)
    {
        private RuleContext? _lastWithToken;
        private bool _tokenTaken;

        /// <summary>Whether rule code read <see cref="Cancelled"/> from a context this handling made.</summary>
        public bool TokenTaken => _tokenTaken || _lastWithToken?.CancellationTokenTaken == true;

        /// <summary>A context for a rule on the execution, handing it <see cref="Cancelled"/>; remembers whether the previous one's token was read.</summary>
        public RuleContext ContextWithToken(DateTimeOffset now, string executionId, Outbox outbox, string flowId)
        {
            _tokenTaken = TokenTaken;
            var context = new RuleContext(now, executionId, outbox, flowId) { CancellationToken = Cancelled };
            _lastWithToken = context;
            return context;
        }
    }

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
}
