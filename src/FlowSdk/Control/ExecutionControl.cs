using FlowSdk.Runtime;
using FlowSdk.State;

namespace FlowSdk;

/// <summary>
/// Pause, resume, cancel and retry executions. A control is a compare-and-set write of the
/// execution's state (its status, and a timeline entry saying who and why), so every host that runs
/// the flow sees it, whichever process made it: a command line next to a host on the same database
/// file, or an operator's process on NATS. After the write, a small record under
/// <c>_control.&lt;flow&gt;.&lt;execution&gt;</c> wakes the hosts, which then handle what the control
/// released (kept messages, a passed deadline) or cancel the rule work in flight.
/// <see cref="FlowRuntime"/> and <see cref="FlowClient{TState}"/> call it; the command line of
/// generated hosts (<c>pause</c>, <c>resume</c>, <c>cancel</c>, <c>retry</c>) too.
/// </summary>
public static class ExecutionControl
{
    /// <summary>Who a control is recorded as coming from when the caller does not say: <c>api</c>.</summary>
    public const string DefaultBy = "api";

    /// <summary>The prefix of the keys that wake the hosts after a control; outside every flow's key prefix, so listings of executions never see them.</summary>
    internal const string ControlPrefix = "_control.";

    private const int MaxWriteAttempts = 10;

    /// <summary>Whether <paramref name="action"/> applies to an execution in <paramref name="status"/>.</summary>
    /// <param name="action">The control.</param>
    /// <param name="status">The execution's status.</param>
    /// <returns>Pause: Running or Waiting. Resume: Paused. Cancel: Running, Waiting, Paused or WaitingForApproval. Retry: Failed or TimedOut. Approve and Reject: WaitingForApproval.</returns>
    public static bool Allows(ExecutionControlAction action, ExecutionStatus status) => action switch
    {
        ExecutionControlAction.Pause => status is ExecutionStatus.Running or ExecutionStatus.Waiting,
        ExecutionControlAction.Resume => status is ExecutionStatus.Paused,
        ExecutionControlAction.Cancel => status is ExecutionStatus.Running or ExecutionStatus.Waiting or ExecutionStatus.Paused or ExecutionStatus.WaitingForApproval,
        ExecutionControlAction.Retry => status is ExecutionStatus.Failed or ExecutionStatus.TimedOut,
        ExecutionControlAction.Approve or ExecutionControlAction.Reject => status is ExecutionStatus.WaitingForApproval,
        _ => false,
    };

    /// <summary>
    /// Why <paramref name="action"/> does not apply to an execution in <paramref name="status"/>, in words
    /// an operator reads next to a disabled button or in an error (for example "it has ended, so it
    /// cannot be paused"); <see langword="null"/> when it applies. The same text the refused control's
    /// <see cref="ExecutionControlException"/> gives.
    /// </summary>
    /// <param name="action">The control.</param>
    /// <param name="status">The execution's status.</param>
    /// <returns>The reason, or <see langword="null"/> when <see cref="Allows"/> is true.</returns>
    public static string? Refusal(ExecutionControlAction action, ExecutionStatus status)
    {
        if (Allows(action, status))
        {
            return null;
        }

        return status.IsTerminal() && action != ExecutionControlAction.Retry
            ? $"it has ended, so it cannot be {Past(action)}"
            : $"{Verb(action)} applies to {AllowedText(action)} executions";
    }

    /// <summary>Applies <paramref name="action"/> to one execution with a compare-and-set write of its state.</summary>
    /// <param name="store">The state store the flow's executions live in.</param>
    /// <param name="flow">The flow.</param>
    /// <param name="executionId">The execution id.</param>
    /// <param name="action">The control.</param>
    /// <param name="by">Who gives the control, recorded in the timeline; <see cref="DefaultBy"/> when <see langword="null"/>.</param>
    /// <param name="reason">Why, recorded in the timeline (and in the status reason of a cancelled execution).</param>
    /// <param name="time">The clock; the system clock when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the control before its write.</param>
    /// <returns>The execution's status before and after.</returns>
    /// <exception cref="ExecutionControlException">The flow has no such execution, or its status does not allow the control.</exception>
    /// <exception cref="StateConflictException">The execution kept changing under the control's writes.</exception>
    public static async Task<ExecutionControlResult> ApplyAsync(IStateStore store, FlowDefinition flow, string executionId, ExecutionControlAction action, string? by = null, string? reason = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentException.ThrowIfNullOrEmpty(executionId);
        by = string.IsNullOrWhiteSpace(by) ? DefaultBy : by.Trim();
        reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        time ??= TimeProvider.System;
        var key = RuntimeServices.StateKey(flow.Id, executionId);
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var entry = await store.GetAsync(key, cancellationToken).ConfigureAwait(false)
                ?? throw new ExecutionControlException(flow.Id, executionId, action, null, $"Flow '{flow.Id}' has no execution '{executionId}': nothing to {Verb(action)}.");
            var (value, before, after) = flow.Control(entry.Value, action, by, reason, time.GetUtcNow());
            var written = await store.TryUpdateAsync(key, value, entry.Revision, new StatusChange(flow.Id, before, after), CancellationToken.None).ConfigureAwait(false);
            if (!written.Succeeded)
            {
                continue; // a rule committed meanwhile: decide again on the newer state
            }

            CountPendingReply(flow, action, after, value);

            await WakeAsync(store, flow.Id, executionId, action).ConfigureAwait(false);
            return new ExecutionControlResult(flow.Id, executionId, action, before, after, null);
        }

        throw new StateConflictException(flow.Id, executionId, MaxWriteAttempts);
    }

    /// <summary>
    /// Applies <paramref name="action"/> to every execution of <paramref name="flow"/> it can apply to,
    /// optionally only to those in <paramref name="status"/>: for example cancel every Waiting one.
    /// An execution that changed meanwhile so that the control no longer applies is reported, not thrown.
    /// </summary>
    /// <param name="store">The state store.</param>
    /// <param name="flow">The flow.</param>
    /// <param name="action">The control.</param>
    /// <param name="status">Only executions in this status; every status the control applies to when <see langword="null"/>.</param>
    /// <param name="by">Who gives the control.</param>
    /// <param name="reason">Why.</param>
    /// <param name="time">The clock.</param>
    /// <param name="cancellationToken">Stops between executions.</param>
    /// <returns>One result per execution the filter selected, ordered by execution id.</returns>
    /// <exception cref="ExecutionControlException"><paramref name="status"/> is a status the control never applies to.</exception>
    public static async Task<IReadOnlyList<ExecutionControlResult>> ApplyManyAsync(IStateStore store, FlowDefinition flow, ExecutionControlAction action, ExecutionStatus? status = null, string? by = null, string? reason = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(flow);
        if (status is { } wanted && !Allows(action, wanted))
        {
            throw new ExecutionControlException(flow.Id, "*", action, wanted, $"A {wanted} execution cannot be {Past(action)}; {Verb(action)} applies to {AllowedText(action)} executions.");
        }

        var keys = new List<string>();
        await foreach (var key in store.ListKeysAsync(flow.Id + ".", cancellationToken).ConfigureAwait(false))
        {
            keys.Add(key);
        }

        keys.Sort(StringComparer.Ordinal);
        var results = new List<ExecutionControlResult>();
        foreach (var key in keys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var entry = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (entry is null)
            {
                continue;
            }

            var current = flow.ReadExecution(entry.Value).Status;
            if (status is { } only ? current != only : !Allows(action, current))
            {
                continue;
            }

            var id = key[(flow.Id.Length + 1)..];
            try
            {
                results.Add(await ApplyAsync(store, flow, id, action, by, reason, time, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is ExecutionControlException or StateConflictException)
            {
                results.Add(new ExecutionControlResult(flow.Id, id, action, (ex as ExecutionControlException)?.Status, (ex as ExecutionControlException)?.Status, ex.Message));
            }
        }

        return results;
    }

    /// <summary>
    /// Changes the bookkeeping of one execution for <paramref name="action"/>: status, status reason,
    /// deadline (retry), parked message times (resume), and a timeline entry with who and why.
    /// </summary>
    /// <returns>The status before.</returns>
    internal static ExecutionStatus Transition(FlowDefinition flow, ExecutionInfo execution, ExecutionControlAction action, string by, string? reason, DateTimeOffset now)
    {
        var before = execution.Status;
        if (action is ExecutionControlAction.Approve or ExecutionControlAction.Reject)
        {
            // Its own refusals: they name the request and who decided it already.
            Approvals.Decide(flow, execution, action, by, reason, now);
            return before;
        }

        if (Refusal(action, before) is { } why)
        {
            throw new ExecutionControlException(flow.Id, execution.Id, action, before, $"Execution '{execution.Id}' of flow '{flow.Id}' is {before}: {why}.");
        }

        RuleAction recorded;
        switch (action)
        {
            case ExecutionControlAction.Pause:
                execution.Status = ExecutionStatus.Paused;
                execution.StatusReason = Described("Paused", by, reason);
                execution.PublishedOnly = true; // nothing for state rules to react to
                recorded = RuleAction.Pause;
                break;
            case ExecutionControlAction.Resume:
                execution.Status = execution.PendingTaskId is null ? ExecutionStatus.Running : ExecutionStatus.Waiting;
                execution.StatusReason = null;

                // The pause does not count against ParkedMessageTimeout: kept messages expire from the resume on.
                for (var i = 0; i < execution.Parked.Count; i++)
                {
                    execution.Parked[i] = execution.Parked[i] with { ParkedAt = now };
                }

                execution.PublishedOnly = false;
                recorded = RuleAction.Resume;
                break;
            case ExecutionControlAction.Cancel:
                execution.Status = ExecutionStatus.Cancelled;
                execution.StatusReason = Described("Cancelled", by, reason);
                execution.PublishedOnly = true;
                recorded = RuleAction.Cancel;
                break;
            default:
                // An execution that timed out while it waited for approval waits again (an expired request is rejected at once).
                execution.Status = execution.PendingApproval is not null ? ExecutionStatus.WaitingForApproval
                    : execution.PendingTaskId is null ? ExecutionStatus.Running : ExecutionStatus.Waiting;
                execution.StatusReason = null;
                execution.ChainedFirings = 0;

                // A retry starts a fresh time budget: a TimedOut execution would otherwise time out again at once.
                if (flow.Timeout is { } timeout)
                {
                    execution.Deadline = now + timeout;
                }

                execution.PublishedOnly = false;
                recorded = RuleAction.Retry;
                break;
        }

        execution.UpdatedAt = now;
        execution.Append(new TimelineEntry(now, action.ToString(), TriggerKind.Control, by, recorded, execution.Phase, execution.Phase, execution.Iteration) { Reason = reason });
        return before;
    }

    /// <summary>
    /// Keeps the pending-replies counter (<see cref="FlowSdkDiagnostics.PendingCallbacks"/>) right after
    /// a committed control: a cancelled execution that waited for a reply (Waiting, or Paused while
    /// waiting) no longer does; a retried one waits again when it goes back to Waiting.
    /// </summary>
    private static void CountPendingReply(FlowDefinition flow, ExecutionControlAction action, ExecutionStatus after, byte[] value)
    {
        if (action == ExecutionControlAction.Cancel && flow.ReadExecution(value).PendingTaskId is not null)
        {
            FlowSdkDiagnostics.Pending.Add(-1, new KeyValuePair<string, object?>("flow", flow.Id));
        }
        else if (action == ExecutionControlAction.Retry && after == ExecutionStatus.Waiting)
        {
            FlowSdkDiagnostics.Pending.Add(1, new KeyValuePair<string, object?>("flow", flow.Id));
        }
    }

    /// <summary>The key that wakes the hosts of <paramref name="flowId"/> after a control of <paramref name="executionId"/>.</summary>
    internal static string ControlKey(string flowId, string executionId) => string.Concat(ControlPrefix, flowId, ".", executionId);

    /// <summary>Reads the control a wake-up record names; <see langword="null"/> when it is not one.</summary>
    internal static ExecutionControlAction? ReadWake(ReadOnlyMemory<byte> value)
        => Enum.TryParse<ExecutionControlAction>(System.Text.Encoding.UTF8.GetString(value.Span), out var action) ? action : null;

    /// <summary>Writes the wake-up record: every host watching the flow's control keys handles what the control released.</summary>
    private static async Task WakeAsync(IStateStore store, string flowId, string executionId, ExecutionControlAction action)
    {
        var key = ControlKey(flowId, executionId);
        var value = System.Text.Encoding.UTF8.GetBytes(action.ToString());
        for (var attempt = 0; attempt < MaxWriteAttempts; attempt++)
        {
            var current = await store.GetAsync(key).ConfigureAwait(false);
            var written = current is null
                ? await store.TryCreateAsync(key, value).ConfigureAwait(false)
                : await store.TryUpdateAsync(key, value, current.Revision).ConfigureAwait(false);
            if (written.Succeeded)
            {
                return;
            }
        }
    }

    private static string Described(string what, string by, string? reason) => reason is null ? $"{what} by {by}" : $"{what} by {by}: {reason}";

    private static string Verb(ExecutionControlAction action) => action.ToString().ToLowerInvariant();

    private static string Past(ExecutionControlAction action) => action switch
    {
        ExecutionControlAction.Pause => "paused",
        ExecutionControlAction.Resume => "resumed",
        ExecutionControlAction.Cancel => "cancelled",
        ExecutionControlAction.Approve => "approved",
        ExecutionControlAction.Reject => "rejected",
        _ => "retried",
    };

    private static string AllowedText(ExecutionControlAction action) => action switch
    {
        ExecutionControlAction.Pause => "Running and Waiting",
        ExecutionControlAction.Resume => "Paused",
        ExecutionControlAction.Cancel => "Running, Waiting, Paused and WaitingForApproval",
        ExecutionControlAction.Approve or ExecutionControlAction.Reject => "WaitingForApproval",
        _ => "Failed and TimedOut",
    };
}
