using System.Reactive.Linq;
using FlowSdk.Internal;
using FlowSdk.State;
using FlowSdk.Transport;
using MessagePack;
using Microsoft.Extensions.Logging;

namespace FlowSdk.Runtime;

/// <summary>
/// Runs one flow: subscribes to its input subjects, partitions events into lanes by execution,
/// and for each event evaluates the rules, commits the state with compare-and-set, then publishes.
/// </summary>
internal sealed partial class FlowProcessor<TState> : IFlowProcessor
    where TState : class, IFlowState, new()
{
    private readonly FlowDefinition<TState> _flow;
    private readonly RuntimeServices _services;
    private readonly ILogger _logger;
    private readonly IdleTracker _inFlight = new();
    private IDisposable? _subscription;
    private int _nextLane;

    public FlowProcessor(FlowDefinition<TState> flow, RuntimeServices services)
    {
        _flow = flow;
        _services = services;
        _logger = services.LoggerFactory.CreateLogger("FlowSdk.Flow." + flow.Id);
    }

    public void Start()
    {
        var subscribe = new SubscribeOptions { QueueGroup = "flowsdk." + _flow.Id, ManualAck = true };
        var events = _flow.Inputs
            .Select(input => _services.Transport.Subscribe(input.Subject, subscribe).Select(message => Decode(input, message)))
            .Merge()
            .Where(e => e is not null)
            .Select(e => e!);

        var lanes = _services.Lanes;
        _subscription = events
            .GroupBy(e => LaneOf(e, lanes))
            .SelectMany(lane => lane.Select(e => Observable.FromAsync(() => RunAsync(e))).Concat())
            .Subscribe(
                _ => { },
                ex => LogPipelineFailed(_logger, _flow.Id, ex));
    }

    public async ValueTask DisposeAsync()
    {
        _subscription?.Dispose();
        await _inFlight.WhenIdleAsync(CancellationToken.None).ConfigureAwait(false);
    }

    internal async Task ProcessAsync<TMessage>(InboundMessage<TState, TMessage> e)
    {
        var rules = e.Port.RuleSet;
        for (var attempt = 1; ; attempt++)
        {
            StateEntry? entry = null;
            TState? state = null;
            Rule<TState, TMessage>? chosen = null;
            foreach (var rule in rules)
            {
                if (!rule.NeedsState)
                {
                    if (rule.ConditionsHold(null!, e.Message))
                    {
                        chosen = rule;
                        break;
                    }

                    continue;
                }

                if (state is null)
                {
                    (state, entry) = await LoadAsync(e.Key!).ConfigureAwait(false);
                    if (state.Execution.Status.IsTerminal())
                    {
                        LogIgnoredTerminal(_logger, _flow.Id, state.Execution.Id, state.Execution.Status, e.Transport.Subject);
                        return;
                    }
                }

                if (rule.Info.From is { } from && !string.Equals(from, state.Execution.Phase, StringComparison.Ordinal))
                {
                    continue;
                }

                if (rule.ConditionsHold(state, e.Message))
                {
                    chosen = rule;
                    break;
                }
            }

            if (chosen is null)
            {
                LogNoRuleFired(_logger, _flow.Id, e.Transport.Subject, e.Key);
                return;
            }

            var outbox = new Outbox();
            if (!chosen.NeedsState)
            {
                chosen.Fire(null!, e.Message, outbox);
                LogFired(_logger, _flow.Id, chosen.Info.Name, "-", "-");
                await PublishAsync(outbox).ConfigureAwait(false);
                return;
            }

            state = Apply(chosen, state!, entry, e.Message, e.Transport.Subject, outbox);
            var bytes = FlowSerializer.Serialize(_flow.StateFormatter, state);
            var key = RuntimeServices.StateKey(_flow.Id, state.Execution.Id);
            var written = entry is null
                ? await _services.Store.TryCreateAsync(key, bytes).ConfigureAwait(false)
                : await _services.Store.TryUpdateAsync(key, bytes, entry.Revision).ConfigureAwait(false);
            if (!written.Succeeded)
            {
                LogWriteConflict(_logger, _flow.Id, state.Execution.Id, entry?.Revision ?? 0, written.Revision, attempt);
                if (attempt >= _services.MaxWriteAttempts)
                {
                    throw new StateConflictException(_flow.Id, state.Execution.Id, attempt);
                }

                continue;
            }

            LogFired(_logger, _flow.Id, chosen.Info.Name, state.Execution.Id, state.Execution.Phase);
            await PublishAsync(outbox).ConfigureAwait(false);
            return;
        }
    }

    private TState Apply<TMessage>(Rule<TState, TMessage> rule, TState state, StateEntry? entry, TMessage message, string source, Outbox outbox)
    {
        var now = _services.Time.GetUtcNow();
        var execution = state.Execution;
        var before = execution.Phase;
        var to = rule.Info.To ?? before;
        var startsIteration = rule.Info.To is not null && _flow.PhaseOrder[to] <= _flow.PhaseOrder[before];
        RuleAction action;
        if (startsIteration && _flow.MaxIterations > 0 && execution.Iteration + 1 > _flow.MaxIterations)
        {
            execution.Status = ExecutionStatus.Escalated;
            execution.StatusReason = $"Rule '{rule.Info.Name}' would start iteration {execution.Iteration + 1}, but flow '{_flow.Id}' allows {_flow.MaxIterations} (MaxIterations).";
            action = RuleAction.Escalate;
        }
        else
        {
            try
            {
                rule.Fire(state, message, outbox);
                execution.Phase = to;
                if (startsIteration)
                {
                    execution.Iteration++;
                }

                if (_flow.TerminalPhases.Contains(to))
                {
                    execution.Status = ExecutionStatus.Completed;
                    action = RuleAction.Complete;
                }
                else
                {
                    action = outbox.Messages.Count > 0 ? RuleAction.Publish : RuleAction.Mutate;
                }
            }
            catch (Exception ex)
            {
                // The rule may have changed the state half way: start again from what was committed.
                LogRuleThrew(_logger, _flow.Id, rule.Info.Name, execution.Id, ex);
                outbox.Clear();
                state = entry is null ? NewExecution(execution.Id) : Materialize(entry);
                execution = state.Execution;
                execution.Status = ExecutionStatus.Failed;
                execution.StatusReason = $"Rule '{rule.Info.Name}' threw {ex.GetType().Name}: {ex.Message}";
                action = RuleAction.Fail;
            }
        }

        execution.UpdatedAt = now;
        execution.Append(new TimelineEntry(now, rule.Info.Name, rule.Info.Trigger, source, action, before, execution.Phase, execution.Iteration));
        return state;
    }

    private async Task RunAsync(InboundEvent<TState> e)
    {
        _inFlight.Add();

        // Leave the delivery thread at once: lanes run in parallel on the thread pool.
        await Task.Yield();
        try
        {
            await e.ProcessAsync(this).ConfigureAwait(false);
            await e.Transport.AckAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogEventFailed(_logger, _flow.Id, e.Transport.Subject, e.Key, ex);
            await e.Transport.NakAsync(ex.Message).ConfigureAwait(false);
        }
        finally
        {
            _inFlight.Done();
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
            _ = message.NakAsync(ex.Message).AsTask();
            return null;
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

    private async ValueTask<(TState State, StateEntry? Entry)> LoadAsync(string executionId)
    {
        var entry = await _services.Store.GetAsync(RuntimeServices.StateKey(_flow.Id, executionId)).ConfigureAwait(false);
        return entry is null ? (NewExecution(executionId), null) : (Materialize(entry), entry);
    }

    private TState Materialize(StateEntry entry) => FlowSerializer.Deserialize(_flow.StateFormatter, entry.Value);

    private TState NewExecution(string executionId)
    {
        var state = new TState();
        var execution = state.Execution;
        var now = _services.Time.GetUtcNow();
        execution.Id = executionId;
        execution.Flow = _flow.Id;
        execution.Phase = _flow.InitialPhase;
        execution.Status = ExecutionStatus.Running;
        execution.Iteration = 1;
        execution.CreatedAt = now;
        execution.UpdatedAt = now;
        return state;
    }

    private async Task PublishAsync(Outbox outbox)
    {
        foreach (var message in outbox.Messages)
        {
            await _services.Transport.PublishAsync(message.Subject, message.Payload).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Flow {Flow}: rule {Rule} fired for execution {Execution}, now in phase {Phase}")]
    private static partial void LogFired(ILogger logger, string flow, string rule, string execution, string phase);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Flow {Flow}: no rule fired for the message on {Subject} (execution {Execution})")]
    private static partial void LogNoRuleFired(ILogger logger, string flow, string subject, string? execution);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Flow {Flow}: execution {Execution} is {Status}; the message on {Subject} was ignored")]
    private static partial void LogIgnoredTerminal(ILogger logger, string flow, string execution, ExecutionStatus status, string subject);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Flow {Flow}: execution {Execution} changed since revision {Expected} (now {Found}); attempt {Attempt} evaluates the event again")]
    private static partial void LogWriteConflict(ILogger logger, string flow, string execution, ulong expected, ulong found, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Flow {Flow}: rule {Rule} threw for execution {Execution}; the execution is Failed")]
    private static partial void LogRuleThrew(ILogger logger, string flow, string rule, string execution, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Flow {Flow}: the message on {Subject} (execution {Execution}) could not be handled")]
    private static partial void LogEventFailed(ILogger logger, string flow, string subject, string? execution, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Flow {Flow}: the message on {Subject} is not a valid {MessageType} and was dropped")]
    private static partial void LogUndecodable(ILogger logger, string flow, string subject, string messageType, Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Flow {Flow}: the event pipeline stopped")]
    private static partial void LogPipelineFailed(ILogger logger, string flow, Exception exception);
}
