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

    /// <summary>Fires the rule on the state (or applies the outcome the runtime owes instead) and records it.</summary>
    /// <remarks>
    /// Without an exception handler of its own, so that <see cref="FlowDefinition{TState}.Fire{TMessage}"/> can have it inlined.
    /// The steps are <see cref="FiringSteps"/>'s, which a generated port's firing calls around the rule method too.
    /// </remarks>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public TState Apply<TMessage>(Rule<TState, TMessage> rule, TState state, Func<TState>? committed, TMessage message, string source, TriggerKind trigger, string? taskId, RuleContext context, DateTimeOffset now)
    {
        var execution = state.Execution;
        var before = execution.Phase;
        var to = rule.To ?? before;

        // Phases by index, not by name: the target's index, and whether it completes the execution.
        var toIndex = rule.TargetIndex(_flow, before, out var startsIteration);
        var outbox = context.Outbox;
        var chained = trigger == TriggerKind.State ? execution.ChainedFirings + 1 : 0;
        RuleAction action;
        if (taskId is not null)
        {
            FiringSteps.ReplyArrived(_flow, execution, now);
        }

        if (!FiringSteps.Admit(_flow, execution, rule.Name, chained, _maxChainedFirings, startsIteration))
        {
            action = RuleAction.Escalate;
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

        FiringSteps.Record(_flow, execution, rule.Name, trigger == TriggerKind.MessageAndState ? rule.Trigger : trigger, source, action, before, _maxTimelineEntries, outbox, now);
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
    /// handler.
    /// </summary>
    private RuleAction FireRule<TMessage>(Rule<TState, TMessage> rule, TState state, ExecutionInfo execution, TMessage message, RuleContext context, string to, int toIndex, bool startsIteration, int chained, DateTimeOffset now)
    {
        FiringSteps.Prepare(context, execution, rule.AwaitsReply);
        rule.Fire(state, message, context);
        return FiringSteps.Fired(_flow, execution, context, rule.Name, to, toIndex, startsIteration, chained, now);
    }

    private static void FailedBy(ExecutionInfo execution, RuleInfo info, Exception ex)
    {
        execution.Status = ExecutionStatus.Failed;
        execution.StatusReason = $"Rule '{info.Name}' threw {ex.GetType().Name}: {ex.Message}";
    }

    public void TimeOut(ExecutionInfo execution, DateTimeOffset now, Outbox outbox) => FiringSteps.TimeOut(_flow, execution, _maxTimelineEntries, now, outbox);

    public void AddLifecycleEvent(ExecutionInfo execution, DateTimeOffset now, Outbox outbox) => FiringSteps.AddLifecycleEvent(_flow, execution, now, outbox);
}

/// <summary>
/// The steps of applying a firing, in the order they are taken: the awaited reply (<see cref="ReplyArrived"/>), the
/// limits (<see cref="Admit"/>), the context (<see cref="Prepare"/>), then the rule method, then what it did
/// (<see cref="Fired"/>: phase, counters, iteration, outcome) and the record of it (<see cref="Record"/>: update time,
/// timeline entry, lifecycle event). <see cref="RuleApplier{TState}.Apply{TMessage}"/> takes them around the rule's
/// delegate; a generated port's firing (<see cref="PortFiring"/>) takes the same steps around a direct call of the
/// rule method. Not generic: a flow's phases, limits and lifecycle are read from <see cref="FlowDefinition"/>.
/// </summary>
internal static class FiringSteps
{
    /// <summary>The awaited reply arrived: the execution runs again.</summary>
    public static void ReplyArrived(FlowDefinition flow, ExecutionInfo execution, DateTimeOffset now)
    {
        var tag = new KeyValuePair<string, object?>("flow", flow.Id);
        FlowSdkDiagnostics.Pending.Add(-1, tag);
        if (execution.PendingSince is { } since)
        {
            FlowSdkDiagnostics.Latency.Record((now - since).TotalMilliseconds, tag);
        }

        execution.Status = ExecutionStatus.Running;
        execution.PendingTaskId = null;
        execution.PendingSince = null;
    }

    /// <summary>
    /// Whether the runtime's limits let the rule fire: past <paramref name="maxChainedFirings"/> state-triggered firings
    /// in a row, or starting an iteration past the flow's MaxIterations, the execution is escalated instead (and
    /// <see langword="false"/> returned: the rule method is not called).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static bool Admit(FlowDefinition flow, ExecutionInfo execution, string rule, int chained, int maxChainedFirings, bool startsIteration)
    {
        if (chained > maxChainedFirings)
        {
            EscalateChained(execution, rule, chained, maxChainedFirings);
            return false;
        }

        if (startsIteration && flow.MaxIterations > 0 && execution.Iteration + 1 > flow.MaxIterations)
        {
            EscalateIterations(flow, execution, rule);
            return false;
        }

        return true;
    }

    /// <summary>Makes the context ready for the rule method: the task id a request of a rule that awaits a reply gets.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static void Prepare(RuleContext context, ExecutionInfo execution, bool awaitsReply)
    {
        // Numbered by every entry ever recorded, not the kept ones: unique after old entries are dropped.
        if (awaitsReply)
        {
            context.TaskIdPrefix = TaskIdPrefix(execution);
        }
        else if (context.TaskIdPrefix is not null)
        {
            context.TaskIdPrefix = null;
        }
    }

    /// <summary>
    /// What the rule method did, applied to the execution: the fan-outs it asked for, the phase, the chained count, the
    /// rule's counter, the iteration and the outcome. <paramref name="context"/> is <see langword="null"/> for a rule
    /// whose methods take no context and publish nothing (a generated firing hands them none): then it asked nothing.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static RuleAction Fired(FlowDefinition flow, ExecutionInfo execution, RuleContext? context, string rule, string to, int toIndex, bool startsIteration, int chained, DateTimeOffset now)
    {
        if (context?.FanOutRequests is not null)
        {
            FanOutSteps.Start(execution, context, now);
        }

        execution.Phase = to;
        execution.ChainedFirings = chained;
        execution.CountFiring(rule, now);
        if (startsIteration)
        {
            execution.Iteration++;
        }

        RuleAction action;
        if (context?.Outcome is { } outcome)
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
        else if (toIndex >= 0 && flow.IsTerminalPhase(toIndex))
        {
            execution.Status = ExecutionStatus.Completed;
            action = RuleAction.Complete;
        }
        else
        {
            action = context is not null && context.Outbox.Count > 0 ? RuleAction.Publish : RuleAction.Mutate;
        }

        if (context?.RequestedTaskId is { } requested && !execution.Status.IsTerminal())
        {
            execution.Status = ExecutionStatus.Waiting;
            execution.PendingTaskId = requested;
            execution.PendingSince = now;
            FlowSdkDiagnostics.Pending.Add(1, new KeyValuePair<string, object?>("flow", flow.Id));
        }

        return action;
    }

    /// <summary>
    /// Records the firing: the update time, the timeline entry (at most <paramref name="maxTimelineEntries"/> kept), and
    /// for an execution that ended its fan-out report and lifecycle event, added to <paramref name="outbox"/> (a new
    /// one when none is given). Returns the outbox that holds them.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static Outbox? Record(FlowDefinition flow, ExecutionInfo execution, string rule, TriggerKind trigger, string source, RuleAction action, string before, int maxTimelineEntries, Outbox? outbox, DateTimeOffset now)
    {
        execution.UpdatedAt = now;
        execution.Append(new TimelineEntry(now, rule, trigger, source, action, before, execution.Phase, execution.Iteration), maxTimelineEntries);
        if (execution.Status.IsTerminal())
        {
            outbox ??= new Outbox();
            AddLifecycleEvent(flow, execution, now, outbox);
        }

        return outbox;
    }

    /// <summary>The execution passed its deadline: it times out, recorded, with its lifecycle event.</summary>
    public static void TimeOut(FlowDefinition flow, ExecutionInfo execution, int maxTimelineEntries, DateTimeOffset now, Outbox outbox)
    {
        if (execution.Status == ExecutionStatus.Waiting)
        {
            FlowSdkDiagnostics.Pending.Add(-1, new KeyValuePair<string, object?>("flow", flow.Id));
        }

        execution.Status = ExecutionStatus.TimedOut;
        execution.StatusReason = $"The execution passed its deadline {execution.Deadline:O} (flow '{flow.Id}' allows {flow.Timeout}).";
        execution.UpdatedAt = now;
        execution.Append(new TimelineEntry(now, "Timeout", TriggerKind.Timer, "deadline", RuleAction.Fail, execution.Phase, execution.Phase, execution.Iteration), maxTimelineEntries);
        AddLifecycleEvent(flow, execution, now, outbox);
    }

    public static void AddLifecycleEvent(FlowDefinition flow, ExecutionInfo execution, DateTimeOffset now, Outbox outbox)
    {
        // Both only for an execution that ended.
        if (!execution.Status.IsTerminal())
        {
            return;
        }

        FanOutSteps.Report(flow.Id, execution, now, outbox);
        if (flow.Lifecycle.For(execution.Status) is { } subject)
        {
            outbox.Add(ExecutionEnded.Port(subject), new ExecutionEnded(flow.Id, execution.Id, execution.Status, execution.Phase, execution.StatusReason, now));
        }
    }

    private static string TaskIdPrefix(ExecutionInfo execution) => $"{execution.Id}.{execution.TimelineEntriesRecorded + 1}";

    private static void EscalateChained(ExecutionInfo execution, string rule, int chained, int maxChainedFirings)
        => Escalate(execution, $"Rule '{rule}' fired {chained - 1} times in a row on state changes alone (MaxChainedFirings is {maxChainedFirings}): its write keeps its own condition true. Make the rule change the phase or its condition.");

    private static void EscalateIterations(FlowDefinition flow, ExecutionInfo execution, string rule)
        => Escalate(execution, $"Rule '{rule}' would start iteration {execution.Iteration + 1}, but flow '{flow.Id}' allows {flow.MaxIterations} (MaxIterations).");

    private static void Escalate(ExecutionInfo execution, string reason)
    {
        execution.Status = ExecutionStatus.Escalated;
        execution.StatusReason = reason;
    }
}
