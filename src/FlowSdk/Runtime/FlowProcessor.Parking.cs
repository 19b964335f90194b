using System.Reactive.Linq;
using FlowSdk.State;
using FlowSdk.Transport;
using MessagePack;

namespace FlowSdk.Runtime;

/// <summary>Messages that fired no rule: the flow's UnmatchedMessagePolicy (park with the execution, dead-letter, count), parked messages taken in, evaluated again and expired.</summary>
internal sealed partial class FlowProcessor<TState>
{
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
    /// what expired and schedules the next expiry. Returns whether messages waited beside it.
    /// </summary>
    private async Task<bool> AdoptParkedAsync(string executionId)
    {
        var sideKey = ParkingKey(executionId);
        var stateKey = RuntimeServices.StateKey(_flow.Id, executionId);
        for (var attempt = 1; attempt <= _services.MaxWriteAttempts; attempt++)
        {
            var side = await _services.Store.GetAsync(sideKey).ConfigureAwait(false);
            if (side is null)
            {
                return false;
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

                return true;
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
            return true;
        }

        return true;
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

    /// <summary>Publishes a message nobody will handle to the transport's dead-letter subject, counted and logged once.</summary>
    private async Task DeadLetterAsync(ParkedMessage message, string reason, string outcome)
    {
        await _services.Transport.DeadLetterAsync(message.Subject, message.Payload, message.MessageId.Length > 0 ? message.MessageId : null, reason).ConfigureAwait(false);
        CountUnmatched(message.Subject, outcome);
        LogUnmatchedDeadLettered(_logger, _flow.Id, new SafeText(message.Subject), new SafeText(reason));
    }

    private void CountUnmatched(string subject, string outcome) =>
        FlowSdkDiagnostics.Unmatched.Add(1, _flowTag, new("subject", subject), new("outcome", outcome));
}
