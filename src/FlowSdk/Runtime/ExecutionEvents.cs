namespace FlowSdk.Runtime;

/// <summary>
/// Turns what changed in an execution since it was read (the timeline entries after
/// <see cref="ExecutionInfo.EventsFrom"/>, and its status against <see cref="ExecutionInfo.StoredStatus"/>)
/// into <see cref="ExecutionEvent"/>s, for a flow that declares an <c>Events</c> prefix. The events go
/// into the execution's outbox before the write that commits the change, so they are published
/// exactly when the change commits, by the same outbox path as a rule's messages. Every write of an
/// execution goes through here: a rule's commit, a timeout, an approval, an operator's control.
/// </summary>
internal sealed class ExecutionEvents
{
    private readonly string _flowId;
    private readonly MessagePort<ExecutionEvent>[] _ports;

    /// <summary>Creates the events of flow <paramref name="flowId"/>, published under <paramref name="prefix"/>.</summary>
    public ExecutionEvents(string flowId, string prefix)
    {
        _flowId = flowId;
        Prefix = prefix;
        var kinds = Enum.GetValues<ExecutionEventKind>();
        _ports = new MessagePort<ExecutionEvent>[kinds.Length];
        foreach (var kind in kinds)
        {
            _ports[(int)kind] = ExecutionEvent.Port(ExecutionEvent.Subject(prefix, kind));
        }
    }

    /// <summary>The subject prefix.</summary>
    public string Prefix { get; }

    /// <summary>
    /// Appends the events of the execution's changes since it was read to <paramref name="outbox"/>,
    /// each with a message id naming the timeline entry (or, for a status change, the commit) and its
    /// kind, the same on every attempt: a replayed publish is deduplicated.
    /// </summary>
    public void Collect(ExecutionInfo execution, List<OutgoingMessage> outbox)
    {
        var recorded = execution.TimelineEntriesRecorded;
        if (execution.StoredStatus is null)
        {
            Add(outbox, execution, new ExecutionEvent(_flowId, execution.Id, ExecutionEventKind.Started, execution.Status, execution.Phase, recorded, execution.CreatedAt)
            {
                Iteration = execution.Iteration,
            });
        }

        // Entries dropped by the timeline bound before they were published cannot be described any more;
        // the bound keeps at least the latest entry, so a single firing's entry is always here.
        var timeline = execution.Timeline;
        var fresh = (int)Math.Min(Math.Max(recorded - execution.EventsFrom, 0), timeline.Count);
        var controlled = false;
        for (var i = timeline.Count - fresh; i < timeline.Count; i++)
        {
            controlled |= timeline[i].Trigger == TriggerKind.Control;
            var sequence = recorded - (timeline.Count - 1 - i);
            if (FromEntry(execution, timeline[i], sequence) is { } e)
            {
                Add(outbox, execution, e);
            }
        }

        // A rule's publish-and-await starts the wait; a resume or retry that returns to it says so itself.
        if (execution.Status == ExecutionStatus.Waiting && execution.StoredStatus != ExecutionStatus.Waiting && !controlled)
        {
            Add(outbox, execution, new ExecutionEvent(_flowId, execution.Id, ExecutionEventKind.Waiting, execution.Status, execution.Phase, recorded, execution.PendingSince ?? execution.UpdatedAt)
            {
                Iteration = execution.Iteration,
                WaitingFor = "reply",
            });
        }

        if (execution.Status.IsTerminal() && !(execution.StoredStatus?.IsTerminal() ?? false))
        {
            Add(outbox, execution, new ExecutionEvent(_flowId, execution.Id, ExecutionEventKind.Ended, execution.Status, execution.Phase, recorded, execution.UpdatedAt)
            {
                Iteration = execution.Iteration,
                Reason = execution.StatusReason,
            });
        }
    }

    private ExecutionEvent? FromEntry(ExecutionInfo execution, TimelineEntry entry, long sequence)
    {
        ExecutionEventKind kind;
        switch (entry.Action)
        {
            case RuleAction.Pause: kind = ExecutionEventKind.Paused; break;
            case RuleAction.Resume: kind = ExecutionEventKind.Resumed; break;
            case RuleAction.Cancel: kind = ExecutionEventKind.Cancelled; break;
            case RuleAction.Retry: kind = ExecutionEventKind.Retried; break;
            case RuleAction.RequestApproval:
                return new ExecutionEvent(_flowId, execution.Id, ExecutionEventKind.Waiting, ExecutionStatus.WaitingForApproval, entry.PhaseAfter, sequence, entry.At)
                {
                    Rule = entry.Rule,
                    Iteration = entry.Iteration,
                    By = entry.Source,
                    Reason = entry.Reason,
                    WaitingFor = "approval",
                };
            case RuleAction.Approve: kind = ExecutionEventKind.Approved; break;
            case RuleAction.Reject or RuleAction.ApprovalVoid: kind = ExecutionEventKind.Rejected; break;
            default:
                if (entry.Trigger == TriggerKind.Timer)
                {
                    // An outcome the runtime applied on a timer (a timeout): the Ended event says it.
                    return null;
                }

                return new ExecutionEvent(_flowId, execution.Id, ExecutionEventKind.Step, StatusAfter(execution, sequence), entry.PhaseAfter, sequence, entry.At)
                {
                    Rule = entry.Rule,
                    Trigger = entry.Trigger,
                    Action = entry.Action,
                    FromPhase = entry.PhaseBefore,
                    Iteration = entry.Iteration,
                    By = entry.Source,
                };
        }

        return new ExecutionEvent(_flowId, execution.Id, kind, StatusAfter(execution, sequence), entry.PhaseAfter, sequence, entry.At)
        {
            Rule = entry.Rule,
            Trigger = entry.Trigger,
            Iteration = entry.Iteration,
            By = entry.Source,
            Reason = entry.Reason,
        };
    }

    /// <summary>The status after an entry: the execution's current one for its latest entry; Running for an earlier one of the same write.</summary>
    private static ExecutionStatus StatusAfter(ExecutionInfo execution, long sequence)
        => sequence == execution.TimelineEntriesRecorded ? execution.Status : ExecutionStatus.Running;

    private void Add(List<OutgoingMessage> outbox, ExecutionInfo execution, ExecutionEvent e)
    {
        var port = _ports[(int)e.Kind];
        var token = ExecutionEvent.KindToken(e.Kind);
        outbox.Add(new OutgoingMessage(port.Subject, port.MessageType, port.Serialize(e))
        {
            MessageId = string.Concat(_flowId, ".", execution.Id, ".", e.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), ".", token),
        });
    }
}
