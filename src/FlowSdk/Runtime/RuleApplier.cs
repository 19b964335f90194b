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
    public TState Apply<TMessage>(Rule<TState, TMessage> rule, TState state, Func<TState>? committed, TMessage message, string source, TriggerKind trigger, string? taskId, RuleContext context, DateTimeOffset now)
    {
        var execution = state.Execution;
        var before = execution.Phase;
        var info = rule.Info;
        var to = info.To ?? before;

        // Phases by index, not by name: the target's index, and whether it completes the execution.
        var toIndex = info.To is null ? _flow.TryPhaseIndex(before) : rule.ToIndexIn(_flow);
        var startsIteration = info.To is not null && toIndex <= _flow.PhaseIndex(before);
        var outbox = context.Outbox;
        var chained = trigger == TriggerKind.State ? execution.ChainedFirings + 1 : 0;
        RuleAction action;
        if (taskId is not null)
        {
            // The awaited reply arrived: the execution runs again.
            FlowSdkDiagnostics.Pending.Add(-1, _flowTag);
            if (execution.PendingSince is { } since)
            {
                FlowSdkDiagnostics.Latency.Record((now - since).TotalMilliseconds, _flowTag);
            }

            execution.Status = ExecutionStatus.Running;
            execution.PendingTaskId = null;
            execution.PendingSince = null;
        }

        if (chained > _maxChainedFirings)
        {
            Escalate(execution, $"Rule '{rule.Info.Name}' fired {chained - 1} times in a row on state changes alone (MaxChainedFirings is {_maxChainedFirings}): its write keeps its own condition true. Make the rule change the phase or its condition.");
            action = RuleAction.Escalate;
        }
        else if (startsIteration && _flow.MaxIterations > 0 && execution.Iteration + 1 > _flow.MaxIterations)
        {
            Escalate(execution, $"Rule '{rule.Info.Name}' would start iteration {execution.Iteration + 1}, but flow '{_flow.Id}' allows {_flow.MaxIterations} (MaxIterations).");
            action = RuleAction.Escalate;
        }
        else
        {
            try
            {
                // Numbered by every entry ever recorded, not the kept ones: unique after old entries are dropped.
                context.TaskIdPrefix = info.AwaitsReply ? $"{execution.Id}.{execution.TimelineEntriesRecorded + 1}" : null;
                rule.Fire(state, message, context);
                if (context.FanOutRequests is not null)
                {
                    FanOutSteps.Start(execution, context, now);
                }

                execution.Phase = to;
                execution.ChainedFirings = chained;
                execution.CountFiring(rule.Info.Name, now);
                if (startsIteration)
                {
                    execution.Iteration++;
                }

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
                    action = outbox.Count > 0 ? RuleAction.Publish : RuleAction.Mutate;
                }

                if (context.RequestedTaskId is { } requested && !execution.Status.IsTerminal())
                {
                    execution.Status = ExecutionStatus.Waiting;
                    execution.PendingTaskId = requested;
                    execution.PendingSince = now;
                    FlowSdkDiagnostics.Pending.Add(1, _flowTag);
                }
            }
            catch (Exception) when (committed is null)
            {
                throw;
            }
            catch (Exception ex)
            {
                // The rule may have changed the state half way: start again from what was committed.
                _ruleThrew?.Invoke(rule.Info.Name, execution.Id, ex);
                outbox.Clear();
                var fresh = committed!();
                state = fresh;
                execution = fresh.Execution;
                execution.Status = ExecutionStatus.Failed;
                execution.StatusReason = $"Rule '{rule.Info.Name}' threw {ex.GetType().Name}: {ex.Message}";
                action = RuleAction.Fail;
            }
        }

        execution.UpdatedAt = now;
        execution.Append(new TimelineEntry(now, rule.Info.Name, trigger == TriggerKind.MessageAndState ? rule.Info.Trigger : trigger, source, action, before, execution.Phase, execution.Iteration), _maxTimelineEntries);
        AddLifecycleEvent(execution, now, outbox);
        return state;
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
