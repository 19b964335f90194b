using System.Diagnostics;
using System.Runtime.CompilerServices;
using FlowSdk.State;
using FlowSdk.Transport;

namespace FlowSdk.Runtime;

/// <summary>Writing an execution: the compare-and-set commit with its outbox, publishing and emptying the outbox, bookkeeping writes, the kept-state cache and the due times.</summary>
internal sealed partial class FlowProcessor<TState>
{
    /// <summary>
    /// Commits the state with its outbox, then publishes the outbox and empties it. Returns false on
    /// a revision conflict, so the caller evaluates the event again on the newer state, read from the
    /// store (a conflict on a cached value counts as an attempt like any other).
    /// </summary>
    /// <param name="state">The state to commit.</param>
    /// <param name="entry">The committed entry it was read from; <see langword="null"/> for a new execution.</param>
    /// <param name="outbox">What the firing publishes.</param>
    /// <param name="attempt">The attempt, from 1.</param>
    /// <param name="handOver">
    /// Whether the caller neither reads nor changes the state after a successful commit, so that its
    /// bookkeeping, once committed with an empty outbox, can be kept for the execution's next event as it
    /// is (taken over by that event) instead of copied.
    /// </param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> TryCommitAsync(TState state, StateEntry? entry, Outbox outbox, int attempt, bool handOver = false)
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
        // The entry read is the execution's own key: not built again.
        var key = entry?.Key ?? RuntimeServices.StateKey(_flow.Id, execution.Id);

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
            await ClearOutboxAsync(state, new StateEntry(key, ReadOnlyMemory<byte>.Empty, written.Revision), created: entry is null).ConfigureAwait(false);
        }
        else
        {
            // Scheduled first: once kept, the bookkeeping may be the next event's (handOver).
            ScheduleFor(execution);
            Remember(new StateEntry(key, bytes, written.Revision), execution, handOver, created: entry is null);
            return true;
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

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ClearOutboxAsync(TState state, StateEntry entry, bool created = false)
    {
        var execution = state.Execution;
        execution.Outbox.Clear();
        execution.PublishedOnly = true;
        var key = entry.Key;
        var bytes = FlowSerializer.Serialize(_flow.StateFormatter, state);
        var written = await _services.Store.TryUpdateAsync(key, bytes, entry.Revision).ConfigureAwait(false);
        if (written.Succeeded)
        {
            Remember(new StateEntry(key, bytes, written.Revision), execution, created: created);
        }
        else
        {
            Forget(key);
        }
    }

    /// <summary>Keeps a committed value with an empty outbox for the next event of its execution, unless a newer one is kept.</summary>
    private void Remember(StateEntry entry) => _committed.Remember(entry);

    /// <summary>
    /// Keeps a committed value with an empty outbox, and <paramref name="written"/>, the bookkeeping just
    /// serialized into its bytes (unchanged since), as those bytes read back: the next event of the
    /// execution takes it over instead of decoding the bookkeeping again. Kept as it is when the writer
    /// hands it over (<paramref name="handOver"/>: it no longer reads or changes it) and it is already
    /// what a read gives; otherwise a copy is kept (<see cref="ExecutionInfo.StoredCopy"/>).
    /// </summary>
    private void Remember(StateEntry entry, ExecutionInfo written, bool handOver = false, bool created = false)
    {
        if (_committed.Capacity > 0)
        {
            _committed.Remember(entry, handOver && written.IsAsStored() ? written : written.StoredCopy(), created);
        }
    }

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
            Remember(new StateEntry(key, bytes, written.Revision), state.Execution);
        }
        else
        {
            Forget(key);
        }

        return true;
    }

    private void CountFiring(RuleInfo rule, TriggerKind trigger, Outbox outbox)
    {
        FlowSdkDiagnostics.Firings.Add(1, _flowTag, new("rule", rule.Name), new("trigger", TriggerName(trigger)));
        if (outbox.Messages.Count > 0)
        {
            FlowSdkDiagnostics.DispatchCount.Add(outbox.Messages.Count, _flowTag, new("action", rule.AwaitsReply ? "request" : "publish"));
        }
    }

    /// <summary>The name of <paramref name="trigger"/> as <see cref="Enum.ToString()"/> gives it, without boxing the value on every firing.</summary>
    private static string TriggerName(TriggerKind trigger) => trigger switch
    {
        TriggerKind.Message => nameof(TriggerKind.Message),
        TriggerKind.State => nameof(TriggerKind.State),
        TriggerKind.MessageAndState => nameof(TriggerKind.MessageAndState),
        TriggerKind.Timer => nameof(TriggerKind.Timer),
        TriggerKind.Control => nameof(TriggerKind.Control),
        _ => trigger.ToString(),
    };

    /// <summary>The execution's committed state: the cached value unless <paramref name="fresh"/>, else read from the store.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(TState State, StateEntry? Entry, bool FromCache)> LoadAsync(string executionId, bool fresh, DateTimeOffset now)
    {
        var key = RuntimeServices.StateKey(_flow.Id, executionId);
        if (!fresh && _committed.TryGet(key, out var cached, out var bookkeeping))
        {
            return (Materialize(cached, bookkeeping), cached, true);
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

    /// <summary>
    /// The state <paramref name="entry"/> holds, its bookkeeping taken over from <paramref name="bookkeeping"/>
    /// (the cache's copy of what those bytes hold) instead of decoded, when there is one. The state's own
    /// members are always read from the bytes.
    /// </summary>
    private TState Materialize(StateEntry entry, ExecutionInfo? bookkeeping)
    {
        if (bookkeeping is null)
        {
            return Materialize(entry);
        }

        var state = Internal.ExecutionInfoFormatter.ReadKept(_flow.StateFormatter, entry.Value, bookkeeping);
        state.Execution.StoredStatus = state.Execution.Status;
        return state;
    }

    private TState NewExecution(string executionId, DateTimeOffset now) => _flow.Start(executionId, now);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask PublishAsync(IReadOnlyList<OutgoingMessage> messages)
    {
        foreach (var message in messages)
        {
            var headers = message.MessageId.Length == 0 ? null : new Dictionary<string, string>(1) { [Transport.MessageHeaders.MessageId] = message.MessageId };
            await _services.Transport.PublishAsync(message.Subject, message.Payload, headers).ConfigureAwait(false);
        }
    }
}
