using FlowSdk.State;
using FlowSdk.Transport;
using MessagePack;
using Microsoft.Extensions.Logging;

namespace FlowSdk.Runtime;

/// <summary>
/// Human approval in the processor: a rule that requires approval parks its execution on a request
/// instead of applying (policy Ask), applies at once recorded as auto-approved (Approve), or is
/// rejected at once (Deny). Once a person approves (a control, from any process), the hosts apply
/// the rule to the execution as it is then, evaluated again; a request that expires is rejected.
/// Both come through the execution's timer, which the control's wake-up and the expiry time set off.
/// </summary>
internal sealed partial class FlowProcessor<TState>
{
    /// <summary>
    /// Gates the rule that fires when it requires approval. Returns <see langword="null"/> when the rule
    /// applies now (approved, or the policy approves), else how the event concluded (a request was
    /// committed, or the policy denied it).
    /// </summary>
    private async Task<Conclusion?> GateApprovalAsync<TMessage>(Handling<TMessage> handling, Evaluation<TMessage> evaluation, Rule<TState, TMessage> chosen, int attempt)
    {
        var execution = evaluation.State!.Execution;
        if (handling.Transport is ApprovalTransportMessage)
        {
            // The approved request: the rule still matches, so it applies now.
            Approvals.TakeApproved(execution);
            return null;
        }

        var policy = _services.Options.ApprovalPolicyFor(_flow.Id, chosen.Info);
        var now = evaluation.Now;
        switch (policy)
        {
            case ApprovalPolicy.Approve:
                Approvals.AutoApprove(execution, chosen.Info, now);
                LogApproval(_logger, _flow.Id, chosen.Info.Name, execution.Id, "auto-approved by policy");
                return null;
            case ApprovalPolicy.Deny:
                Approvals.Deny(execution, chosen.Info, now);
                LogApproval(_logger, _flow.Id, chosen.Info.Name, execution.Id, "rejected by policy");
                break;
            default:
                var request = Approvals.Request(execution, chosen.Info, handling.Source, handling.Transport?.Payload.ToArray() ?? [], now);
                LogApprovalRequested(_logger, _flow.Id, chosen.Info.Name, execution.Id, request.Id);
                break;
        }

        if (handling.Replay is { } replay)
        {
            execution.Parked.RemoveAll(p => string.Equals(p.MessageId, replay.Parked.MessageId, StringComparison.Ordinal));
        }

        if (handling.MessageId is not null)
        {
            // The message is taken: a redelivery while the execution waits is a duplicate.
            execution.RecordHandled(handling.MessageId, _services.Options.HandledMessageIds);
        }

        evaluation.Outbox.Clear();
        if (!await TryCommitAsync(evaluation.State, evaluation.Entry, evaluation.Outbox, attempt).ConfigureAwait(false))
        {
            return Conclusion.Conflict;
        }

        FlowSdkDiagnostics.Approvals.Add(1, _flowTag, new("rule", chosen.Info.Name), new("outcome", policy == ApprovalPolicy.Deny ? "denied" : "requested"));
        if (evaluation.Entry is null && handling.Trigger == TriggerKind.MessageAndState)
        {
            await AdoptParkedAsync(execution.Id).ConfigureAwait(false);
        }

        if (policy == ApprovalPolicy.Deny)
        {
            await DrainParkedAsync(execution.Id).ConfigureAwait(false);
        }

        return Conclusion.Fired;
    }

    /// <summary>
    /// The approved rule no longer matched the execution: the request ends, the timeline says so and
    /// why. Returns false on a write conflict.
    /// </summary>
    private async Task<bool> VoidApprovalAsync<TMessage>(Handling<TMessage> handling, Evaluation<TMessage> evaluation, int attempt)
    {
        var approval = (ApprovalTransportMessage)handling.Transport!;
        if (evaluation.State is null && !await LoadExecutionAsync(handling, evaluation, fresh: true).ConfigureAwait(false))
        {
            return true; // decided meanwhile by another host, or timed out
        }

        var execution = evaluation.State!.Execution;
        if (evaluation.Entry is null || !IsApproved(execution, approval.Request.Id))
        {
            return true;
        }

        var why = (evaluation.Explain is { Count: > 0 } explain ? string.Join("; ", explain.Select(e => e.Reason)) : null)
            ?? evaluation.Blocked
            ?? $"flow '{_flow.Id}' has no rule {approval.Request.Rule} on {approval.Request.Subject} any more";
        Approvals.Void(execution, why, evaluation.Now);
        evaluation.Outbox.Clear();
        if (!await TryCommitAsync(evaluation.State, evaluation.Entry, evaluation.Outbox, attempt).ConfigureAwait(false))
        {
            return false;
        }

        LogApproval(_logger, _flow.Id, approval.Request.Rule, execution.Id, "was approved but no longer matches: it did not apply");
        FlowSdkDiagnostics.Approvals.Add(1, _flowTag, new("rule", approval.Request.Rule), new("outcome", "void"));
        await DrainParkedAsync(execution.Id).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// On the execution's timer (an approve or reject control's wake-up, or the request's expiry):
    /// applies an approved request, or rejects one that expired. A deadline that passed wins: the
    /// timer path times the execution out.
    /// </summary>
    private async Task ActOnApprovalAsync(string executionId)
    {
        var key = RuntimeServices.StateKey(_flow.Id, executionId);
        for (var attempt = 1; ; attempt++)
        {
            var entry = await _services.Store.GetAsync(key).ConfigureAwait(false);
            if (entry is null)
            {
                return;
            }

            var state = Materialize(entry);
            var execution = state.Execution;
            if (execution.Status != ExecutionStatus.WaitingForApproval || execution.PendingApproval is not { } request)
            {
                return;
            }

            var now = _services.Time.GetUtcNow();
            if (execution.Deadline is { } deadline && now >= deadline)
            {
                return;
            }

            if (request.Decision is { Approved: true })
            {
                await ApplyApprovedAsync(executionId, request).ConfigureAwait(false);
                return;
            }

            if (request.Decision is not null)
            {
                // Rejected by a control: the commit is a state change, so the state rules take the
                // rejected path after the messages kept meanwhile (drained next on this timer).
                Approvals.ApplyRejected(execution, now);
                if (await TryCommitAsync(state, entry, new Outbox(), attempt).ConfigureAwait(false))
                {
                    LogApprovalRejected(_logger, _flow.Id, request.Rule, executionId, request.Decision.By);
                    return;
                }

                continue;
            }

            if (request.ExpiresAt is not { } expires || now < expires)
            {
                ScheduleFor(execution);
                return;
            }

            Approvals.Expire(execution, request, now);
            if (await TryCommitAsync(state, entry, new Outbox(), attempt).ConfigureAwait(false))
            {
                LogApprovalExpired(_logger, _flow.Id, request.Rule, executionId, request.Id);
                FlowSdkDiagnostics.Approvals.Add(1, _flowTag, new("rule", request.Rule), new("outcome", "expired"));
                return;
            }
        }
    }

    /// <summary>Evaluates the approved rule again, alone, on the message that triggered it: it applies if it still matches.</summary>
    private async Task ApplyApprovedAsync(string executionId, ApprovalRequest request)
    {
        // Evaluated on the store's value: a cached one from before the decision would read as no longer approved.
        Forget(RuntimeServices.StateKey(_flow.Id, executionId));
        var input = _flow.Inputs.FirstOrDefault(i => string.Equals(i.Subject, request.Subject, StringComparison.Ordinal));
        var message = new ApprovalTransportMessage(request);
        InboundEvent<TState> e;
        try
        {
            e = input?.Decode(message) ?? throw new InvalidOperationException($"flow '{_flow.Id}' has no input port on '{request.Subject}' any more");
            if (!string.Equals(e.Key, executionId, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"the message names execution '{e.Key}', not '{executionId}'");
            }
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or InvalidOperationException)
        {
            // The rule cannot be evaluated again: the request ends as for a rule that no longer matches.
            await VoidUnreadableAsync(executionId, request, "its message cannot be read again: " + ex.Message).ConfigureAwait(false);
            return;
        }

        await e.ProcessAsync(this).ConfigureAwait(false);
    }

    /// <summary>Ends an approved request whose message cannot be evaluated again, saying why.</summary>
    private async Task VoidUnreadableAsync(string executionId, ApprovalRequest request, string why)
    {
        var key = RuntimeServices.StateKey(_flow.Id, executionId);
        for (var attempt = 1; ; attempt++)
        {
            var entry = await _services.Store.GetAsync(key).ConfigureAwait(false);
            if (entry is null)
            {
                return;
            }

            var state = Materialize(entry);
            if (!IsApproved(state.Execution, request.Id))
            {
                return;
            }

            Approvals.Void(state.Execution, why, _services.Time.GetUtcNow());
            if (await TryCommitAsync(state, entry, new Outbox(), attempt).ConfigureAwait(false))
            {
                LogApproval(_logger, _flow.Id, request.Rule, executionId, "was approved but cannot be evaluated again: it did not apply");
                return;
            }
        }
    }

    /// <summary>Whether the execution still waits on request <paramref name="requestId"/>, approved and not yet applied.</summary>
    private static bool IsApproved(ExecutionInfo execution, string requestId)
        => execution.Status == ExecutionStatus.WaitingForApproval
        && execution.PendingApproval is { Decision.Approved: true } pending
        && string.Equals(pending.Id, requestId, StringComparison.Ordinal);

    /// <summary>The rules an approved request evaluates again: the approved rule alone.</summary>
    private static Rule<TState, TMessage>[] ApprovedRules<TMessage>(Rule<TState, TMessage>[] rules, TransportMessage? transport)
    {
        if (transport is not ApprovalTransportMessage approval)
        {
            return rules;
        }

        foreach (var rule in rules)
        {
            if (string.Equals(rule.Info.Name, approval.Request.Rule, StringComparison.Ordinal))
            {
                return [rule];
            }
        }

        return [];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow}: rule {Rule} for execution {Execution} {What}")]
    private static partial void LogApproval(ILogger logger, string flow, string rule, string execution, string what);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow}: rule {Rule} for execution {Execution} was rejected by {By}: it did not apply")]
    private static partial void LogApprovalRejected(ILogger logger, string flow, string rule, string execution, string by);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow}: rule {Rule} for execution {Execution} waits for approval (request {Request})")]
    private static partial void LogApprovalRequested(ILogger logger, string flow, string rule, string execution, string request);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow}: rule {Rule} for execution {Execution}: approval request {Request} expired and was rejected")]
    private static partial void LogApprovalExpired(ILogger logger, string flow, string rule, string execution, string request);
}

/// <summary>The message of an approved request, evaluated again for the approved rule alone. Settling it does nothing: the transport's message was settled when the request was made.</summary>
internal sealed class ApprovalTransportMessage(ApprovalRequest request)
    : TransportMessage(request.Subject, request.Payload, EmptyHeaders)
{
    private static readonly IReadOnlyDictionary<string, string> EmptyHeaders = new Dictionary<string, string>();

    public ApprovalRequest Request { get; } = request;

    /// <summary>No id: the message was recorded as taken when the request was made, so this is not a redelivery.</summary>
    public override string? MessageId => null;

    public override ValueTask AckAsync() => ValueTask.CompletedTask;

    public override ValueTask NakAsync(string reason) => ValueTask.CompletedTask;
}
