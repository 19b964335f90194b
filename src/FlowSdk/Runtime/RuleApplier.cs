namespace FlowSdk.Runtime;

/// <summary>
/// Applies a firing to an execution's state: the rule's own changes, the phase, the iteration, the
/// outcome (complete, fail, escalate, wait for a reply), the limits the runtime enforces instead
/// (MaxIterations, MaxChainedFirings), the timeline entry and the lifecycle event. Used by the
/// runtime and by <see cref="FlowDefinition{TState}.Fire{TMessage}"/>, so both apply rules alike.
/// </summary>
internal sealed class RuleApplier<TState>(FlowDefinition<TState> flow, int maxChainedFirings, Action<string, string, Exception>? ruleThrew, int maxTimelineEntries = FlowRuntimeOptions.DefaultMaxTimelineEntries)
    where TState : class, IFlowState, new()
{
    private readonly int _maxTimelineEntries = maxTimelineEntries;
    private readonly FlowDefinition<TState> _flow = flow;
    private readonly int _maxChainedFirings = maxChainedFirings;
    private readonly Action<string, string, Exception>? _ruleThrew = ruleThrew;
    private readonly KeyValuePair<string, object?> _flowTag = new("flow", flow.Id);

    /// <summary>Fires the rule on the state (or applies the outcome the runtime owes instead) and records it.</summary>
    /// <remarks>Without an exception handler of its own, so that <see cref="FlowDefinition{TState}.Fire{TMessage}"/> can have it inlined.</remarks>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public TState Apply<TMessage>(Rule<TState, TMessage> rule, TState state, Func<TState>? committed, TMessage message, string source, TriggerKind trigger, string? taskId, RuleContext context, DateTimeOffset now)
    {
        var execution = state.Execution;
        var before = execution.Phase;
        var info = rule.Info;
        var to = rule.To ?? before;

        // Phases by index, not by name: the target's index, and whether it completes the execution.
        var toIndex = rule.To is null ? _flow.TryPhaseIndex(before) : rule.ToIndexIn(_flow);
        var startsIteration = rule.To is not null && toIndex <= _flow.PhaseIndex(before);
        var outbox = context.Outbox;
        var chained = trigger == TriggerKind.State ? execution.ChainedFirings + 1 : 0;
        RuleAction action;
        if (taskId is not null)
        {
            ReplyArrived(execution, now);
        }

        if (chained > _maxChainedFirings)
        {
            action = EscalateChained(execution, info, chained);
        }
        else if (startsIteration && _flow.MaxIterations > 0 && execution.Iteration + 1 > _flow.MaxIterations)
        {
            action = EscalateIterations(execution, info);
        }
        else if (committed is null)
        {
            // Nothing to start again from: what the rule throws goes to the caller as it is.
            action = FireRule(rule, state, execution, message, context, to, toIndex, startsIteration, chained, now);
        }
        else
        {
            (state, action) = FireRuleOrFail(rule, state, committed, message, context, to, toIndex, startsIteration, chained, now);
            execution = state.Execution;
        }

        execution.UpdatedAt = now;
        execution.Append(new TimelineEntry(now, rule.Name, trigger == TriggerKind.MessageAndState ? rule.Trigger : trigger, source, action, before, execution.Phase, execution.Iteration), _maxTimelineEntries);
        AddLifecycleEvent(execution, now, outbox);
        return state;
    }

    /// <summary>
    /// <see cref="FireRule{TMessage}"/> for the runtime: when the rule throws, the state is read again from what was
    /// committed and the execution fails, naming the rule and the exception.
    /// </summary>
    private (TState State, RuleAction Action) FireRuleOrFail<TMessage>(Rule<TState, TMessage> rule, TState state, Func<TState> committed, TMessage message, RuleContext context, string to, int toIndex, bool startsIteration, int chained, DateTimeOffset now)
    {
        var execution = state.Execution;
        try
        {
            return (state, FireRule(rule, state, execution, message, context, to, toIndex, startsIteration, chained, now));
        }
        catch (Exception ex)
        {
            // The rule may have changed the state half way: start again from what was committed.
            _ruleThrew?.Invoke(rule.Name, execution.Id, ex);
            context.Outbox.Clear();
            var fresh = committed();
            FailedBy(fresh.Execution, rule.Info, ex);
            return (fresh, RuleAction.Fail);
        }
    }

    /// <summary>
    /// The rule's own part of a firing: its method, then the phase, the counters, the iteration and the
    /// outcome. Apart from <see cref="Apply{TMessage}"/> so that the common path carries no exception
    /// handler, and the messages of the rare paths are built out of line.
    /// </summary>
    private RuleAction FireRule<TMessage>(Rule<TState, TMessage> rule, TState state, ExecutionInfo execution, TMessage message, RuleContext context, string to, int toIndex, bool startsIteration, int chained, DateTimeOffset now)
    {
        // Numbered by every entry ever recorded, not the kept ones: unique after old entries are dropped.
        if (rule.AwaitsReply)
        {
            context.TaskIdPrefix = TaskIdPrefix(execution);
        }
        else if (context.TaskIdPrefix is not null)
        {
            context.TaskIdPrefix = null;
        }

        rule.Fire(state, message, context);
        if (context.FanOutRequests is not null)
        {
            FanOutSteps.Start(execution, context, now);
        }

        execution.Phase = to;
        execution.ChainedFirings = chained;
        execution.CountFiring(rule.Name, now);
        if (startsIteration)
        {
            execution.Iteration++;
        }

        RuleAction action;
        if (context.Outcome is { } outcome)
        {
            execution.Status = outcome;
            execution.StatusReason = context.OutcomeReason;
            action = outcome switch
            {
                ExecutionStatus.Failed => RuleAction.Fail,
                ExecutionStatus.Escalated => RuleAction.Escalate,
                _ => RuleAction.Complete,
            };
        }
        else if (toIndex >= 0 && _flow.IsTerminalPhase(toIndex))
        {
            execution.Status = ExecutionStatus.Completed;
            action = RuleAction.Complete;
        }
        else
        {
            action = context.Outbox.Count > 0 ? RuleAction.Publish : RuleAction.Mutate;
        }

        if (context.RequestedTaskId is { } requested && !execution.Status.IsTerminal())
        {
            execution.Status = ExecutionStatus.Waiting;
            execution.PendingTaskId = requested;
            execution.PendingSince = now;
            FlowSdkDiagnostics.Pending.Add(1, _flowTag);
        }

        return action;
    }

    private static string TaskIdPrefix(ExecutionInfo execution) => $"{execution.Id}.{execution.TimelineEntriesRecorded + 1}";

    /// <summary>The awaited reply arrived: the execution runs again.</summary>
    private void ReplyArrived(ExecutionInfo execution, DateTimeOffset now)
    {
        FlowSdkDiagnostics.Pending.Add(-1, _flowTag);
        if (execution.PendingSince is { } since)
        {
            FlowSdkDiagnostics.Latency.Record((now - since).TotalMilliseconds, _flowTag);
        }

        execution.Status = ExecutionStatus.Running;
        execution.PendingTaskId = null;
        execution.PendingSince = null;
    }

    private RuleAction EscalateChained(ExecutionInfo execution, RuleInfo info, int chained)
    {
        Escalate(execution, $"Rule '{info.Name}' fired {chained - 1} times in a row on state changes alone (MaxChainedFirings is {_maxChainedFirings}): its write keeps its own condition true. Make the rule change the phase or its condition.");
        return RuleAction.Escalate;
    }

    private RuleAction EscalateIterations(ExecutionInfo execution, RuleInfo info)
    {
        Escalate(execution, $"Rule '{info.Name}' would start iteration {execution.Iteration + 1}, but flow '{_flow.Id}' allows {_flow.MaxIterations} (MaxIterations).");
        return RuleAction.Escalate;
    }

    private static void FailedBy(ExecutionInfo execution, RuleInfo info, Exception ex)
    {
        execution.Status = ExecutionStatus.Failed;
        execution.StatusReason = $"Rule '{info.Name}' threw {ex.GetType().Name}: {ex.Message}";
    }

    private static void Escalate(ExecutionInfo execution, string reason)
    {
        execution.Status = ExecutionStatus.Escalated;
        execution.StatusReason = reason;
    }

    public void TimeOut(ExecutionInfo execution, DateTimeOffset now, Outbox outbox)
    {
        if (execution.Status == ExecutionStatus.Waiting)
        {
            FlowSdkDiagnostics.Pending.Add(-1, _flowTag);
        }

        execution.Status = ExecutionStatus.TimedOut;
        execution.StatusReason = $"The execution passed its deadline {execution.Deadline:O} (flow '{_flow.Id}' allows {_flow.Timeout}).";
        execution.UpdatedAt = now;
        execution.Append(new TimelineEntry(now, "Timeout", TriggerKind.Timer, "deadline", RuleAction.Fail, execution.Phase, execution.Phase, execution.Iteration), _maxTimelineEntries);
        AddLifecycleEvent(execution, now, outbox);
    }

    public void AddLifecycleEvent(ExecutionInfo execution, DateTimeOffset now, Outbox outbox)
    {
        // Both only for an execution that ended.
        if (!execution.Status.IsTerminal())
        {
            return;
        }

        FanOutSteps.Report(_flow.Id, execution, now, outbox);
        if (_flow.Lifecycle.For(execution.Status) is { } subject)
        {
            outbox.Add(ExecutionEnded.Port(subject), new ExecutionEnded(_flow.Id, execution.Id, execution.Status, execution.Phase, execution.StatusReason, now));
        }
    }
}
