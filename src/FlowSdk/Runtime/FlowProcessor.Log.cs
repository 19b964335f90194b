using Microsoft.Extensions.Logging;

namespace FlowSdk.Runtime;

/// <summary>The processor's log lines, and the rate limit on repeated failures.</summary>
internal sealed partial class FlowProcessor<TState>
{
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Flow {Flow}: {Source} (execution {Execution}) was handled, but settling its message with the transport failed; its lane goes on")]
    private static partial void LogSettleFailed(ILogger logger, string flow, SafeText source, SafeText execution, Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Flow {Flow}: the event pipeline stopped")]
    private static partial void LogPipelineFailed(ILogger logger, string flow, Exception exception);
}
