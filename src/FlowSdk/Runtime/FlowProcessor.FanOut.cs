using FlowSdk.State;
using FlowSdk.Transport;
using MessagePack;
using Microsoft.Extensions.Logging;

namespace FlowSdk.Runtime;

/// <summary>
/// Fan-out / fan-in in the processor. The firing that fans out commits the group in the parent's state
/// with the outbox that starts the children (<see cref="FanOutSteps.Start"/>); each child, created from a
/// start message, keeps its link to the group, and the commit that ends it carries a report to the
/// parent's flow (<see cref="FanOutSteps.Report"/>). Here the parent's hosts take the reports in, one
/// compare-and-set write each, until the group finishes by its mode or its timeout: that commit is a
/// state change, on which the rule that fans in fires.
/// </summary>
internal sealed partial class FlowProcessor<TState>
{
    /// <summary>Links a new execution created by a fan-out's start message to the group that started it.</summary>
    private static TState LinkFanOutChild(TState state, string? messageId)
    {
        if (state.Execution.FanOutParent is null && FanOutParent.FromMessageId(messageId) is { } parent)
        {
            state.Execution.FanOutParent = parent;
        }

        return state;
    }

    private InboundEvent<TState>? DecodeFanIn(TransportMessage message)
    {
        try
        {
            var report = FlowSerializer.Deserialize(FanOutReport.Formatter.Instance, message.Payload);
            if (!string.Equals(report.Parent.Flow, _flow.Id, StringComparison.Ordinal) || FlowIds.ValidateExecutionId(report.Parent.ExecutionId) is not null)
            {
                throw new InvalidOperationException($"the report names execution '{report.Parent.ExecutionId}' of flow '{report.Parent.Flow}', not one of flow '{_flow.Id}'");
            }

            return new InboundFanIn<TState>(message, report);
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or InvalidOperationException)
        {
            Reject(message, "fan-in report", ex);
            return null;
        }
    }

    /// <summary>
    /// Takes a child's report into its group: recorded while the group waits (finishing it when its mode
    /// says so), counted and dropped once it finished, ignored when the child already reported.
    /// </summary>
    internal async ValueTask<bool> ProcessFanInAsync(InboundFanIn<TState> e)
    {
        var report = e.Report;
        var parent = report.Parent;
        var group = _flow.FanOuts.FirstOrDefault(g => string.Equals(g.Name, parent.Group, StringComparison.Ordinal));
        var key = RuntimeServices.StateKey(_flow.Id, parent.ExecutionId);
        for (var attempt = 1; ; attempt++)
        {
            var entry = await _services.Store.GetAsync(key).ConfigureAwait(false);
            var record = entry is null ? null : Materialize(entry);
            var waiting = record?.Execution.FindFanOut(parent.Group);
            if (group is null || waiting is null || parent.Index < 0 || parent.Index >= waiting.Expected
                || !string.Equals(report.End.ExecutionId, FanOutGroup.ChildId(_flow.Id, parent.ExecutionId, parent.Group, parent.Index), StringComparison.Ordinal))
            {
                CountFanIn(parent.Group, "stray");
                LogFanInStray(_logger, _flow.Id, parent.ExecutionId, parent.Group, report.End.ExecutionId);
                return false;
            }

            if (waiting.HasReported(parent.Index))
            {
                // A report taken already (a redelivery): a child is counted once.
                CountFanIn(parent.Group, "duplicate");
                return false;
            }

            var now = _services.Time.GetUtcNow();
            var late = waiting.FinishedAt is not null;
            if (late)
            {
                waiting.Late.Add(parent.Index);
            }
            else
            {
                waiting.Add(report.End with { ResultPayload = report.ResultFor(group) }, now);
            }

            await PublishLeftOutboxAsync(record!).ConfigureAwait(false);
            if (!await TryCommitAsync(record!, entry, new Outbox(), attempt).ConfigureAwait(false))
            {
                continue;
            }

            CountFanIn(parent.Group, late ? "late" : "ended");
            if (late)
            {
                LogFanInLate(_logger, _flow.Id, parent.ExecutionId, parent.Group, report.End.ExecutionId, report.End.Status);
            }
            else if (waiting.FinishedAt is not null)
            {
                LogFanInFinished(_logger, _flow.Id, parent.ExecutionId, parent.Group, waiting.Outcome!.Value, waiting.Ended.Count, waiting.Expected);
            }

            if (record!.Execution.Status.IsTerminal())
            {
                // Recorded, so a retry of the parent finds its group up to date; nothing fires on it now.
                LogFanInParentEnded(_logger, _flow.Id, parent.ExecutionId, parent.Group, report.End.ExecutionId, report.End.Status, record.Execution.Status);
            }

            return true;
        }
    }

    /// <summary>On the execution's timer: finishes the groups whose timeout passed, with the results in so far.</summary>
    private async Task TimeOutFanOutsAsync(string executionId)
    {
        if (_flow.FanOuts.Count == 0)
        {
            return;
        }

        var key = RuntimeServices.StateKey(_flow.Id, executionId);
        for (var attempt = 1; ; attempt++)
        {
            var entry = await _services.Store.GetAsync(key).ConfigureAwait(false);
            if (entry is null)
            {
                return;
            }

            var state = Materialize(entry);
            var now = _services.Time.GetUtcNow();
            var expired = state.Execution.FanOuts.Where(g => g.FinishedAt is null && g.Deadline is { } deadline && now >= deadline).ToList();
            if (expired.Count == 0)
            {
                return;
            }

            foreach (var group in expired)
            {
                group.Finish(FanOutOutcome.TimedOut, now);
            }

            await PublishLeftOutboxAsync(state).ConfigureAwait(false);
            if (await TryCommitAsync(state, entry, new Outbox(), attempt).ConfigureAwait(false))
            {
                foreach (var group in expired)
                {
                    LogFanInFinished(_logger, _flow.Id, executionId, group.Name, FanOutOutcome.TimedOut, group.Ended.Count, group.Expected);
                }

                return;
            }
        }
    }

    /// <summary>
    /// Publishes what the last commit left in the outbox (its host may still be publishing it, or may
    /// have stopped): the write that follows empties the outbox, so it must not drop unpublished
    /// messages. The ids make a second publish a duplicate the transport drops.
    /// </summary>
    private async Task PublishLeftOutboxAsync(TState state)
    {
        if (state.Execution.Outbox.Count > 0)
        {
            await PublishAsync(state.Execution.Outbox).ConfigureAwait(false);
        }
    }

    private void CountFanIn(string group, string outcome)
        => FlowSdkDiagnostics.FanOut.Add(1, _flowTag, new("group", group), new("outcome", outcome));

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow}: fan-out group {Group} of execution {Execution} finished ({Outcome}) with {Ended} of {Expected} children ended")]
    private static partial void LogFanInFinished(ILogger logger, string flow, string execution, string group, FanOutOutcome outcome, int ended, int expected);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow}: child {Child} of fan-out group {Group} of execution {Execution} ended ({Status}) after its parent ended ({ParentStatus}): the report is recorded in the group, and no rule fires on it unless the parent is retried")]
    private static partial void LogFanInParentEnded(ILogger logger, string flow, string execution, string group, string child, ExecutionStatus status, ExecutionStatus parentStatus);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow}: child {Child} of fan-out group {Group} of execution {Execution} ended ({Status}) after the group finished: its result was dropped")]
    private static partial void LogFanInLate(ILogger logger, string flow, string execution, string group, string child, ExecutionStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flow {Flow}: child {Child} reported to fan-out group {Group} of execution {Execution}, which no such group waits for: dropped")]
    private static partial void LogFanInStray(ILogger logger, string flow, string execution, string group, string child);
}

/// <summary>A child's report of its end, for the parent execution it names.</summary>
internal sealed class InboundFanIn<TState>(TransportMessage transport, FanOutReport report) : InboundEvent<TState>(transport, report.Parent.ExecutionId)
    where TState : class, IFlowState, new()
{
    public FanOutReport Report { get; } = report;

    public override ValueTask<bool> ProcessAsync(FlowProcessor<TState> processor) => processor.ProcessFanInAsync(this);
}
