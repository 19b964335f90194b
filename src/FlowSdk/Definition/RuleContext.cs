using System.ComponentModel;

namespace FlowSdk;

/// <summary>
/// What a rule or condition can ask of the runtime while it runs: the time, the execution, extra
/// messages, and outcomes other than the rule's phase change. Take it as the last parameter.
/// </summary>
public sealed class RuleContext
{
    internal RuleContext(DateTimeOffset now, string? executionId, Outbox outbox)
    {
        Now = now;
        ExecutionId = executionId;
        Outbox = outbox;
    }

    /// <summary>The time of the event, from the runtime's clock. Use it instead of <see cref="DateTimeOffset.UtcNow"/>: conditions must be deterministic.</summary>
    public DateTimeOffset Now { get; }

    /// <summary>The execution the rule runs for; <see langword="null"/> for a message-only rule.</summary>
    public string? ExecutionId { get; }

    /// <summary>
    /// Cancelled when an operator cancels the execution while the rule runs (<see cref="FlowRuntime.CancelAsync"/>):
    /// a rule that works long can stop early. Whatever it returns then is not committed, since the
    /// cancellation changed the execution first. <see cref="CancellationToken.None"/> outside the runtime.
    /// </summary>
    public CancellationToken CancellationToken { get; internal set; }

    internal Outbox Outbox { get; }

    internal ExecutionStatus? Outcome { get; private set; }

    internal string? OutcomeReason { get; private set; }

    /// <summary>The task id a request of this firing gets; set only for rules declared with <c>AwaitReply = true</c>.</summary>
    internal string? TaskIdPrefix { get; set; }

    internal string? RequestedTaskId { get; private set; }

    /// <summary>
    /// Publishes the request of a publish-and-await rule: sets its task id and parks the execution
    /// until the reply carrying it arrives. Called by generated code for rules declared with
    /// <c>AwaitReply = true</c>.
    /// </summary>
    /// <typeparam name="T">The request's message type; it needs a <see cref="TaskIdAttribute"/> property.</typeparam>
    /// <param name="port">The request's port.</param>
    /// <param name="message">The request; <see langword="null"/> publishes nothing and the execution does not wait.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Request<T>(MessagePort<T> port, T? message)
    {
        ArgumentNullException.ThrowIfNull(port);
        if (message is null)
        {
            return;
        }

        if (TaskIdPrefix is null)
        {
            throw new InvalidOperationException($"Only a rule declared with [Rule(AwaitReply = true)] publishes a request; publish {port.MessageType} with Publish instead.");
        }

        if (port.WithTaskId is null)
        {
            throw new InvalidOperationException($"{port.MessageType} cannot carry a task id: give it a string property marked [TaskId].");
        }

        if (RequestedTaskId is not null)
        {
            throw new InvalidOperationException("A firing publishes at most one request.");
        }

        RequestedTaskId = TaskIdPrefix;
        Outbox.Add(port, port.WithTaskId(message, TaskIdPrefix));
    }

    /// <summary>Publishes one more message after the state change is committed.</summary>
    /// <remarks>
    /// The generated <c>&lt;State&gt;Flow.Ports</c> class has a port for each message the flow's rules take
    /// or return. For a message a rule only publishes here, declare the port once with the formatter the
    /// generator wrote for it: <c>new MessagePort&lt;Audited&gt;("audit", AuditedFormatter.Instance)</c>
    /// (docs/testing.md).
    /// </remarks>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="port">The message's port (from a generated <c>Ports</c> class, or declared as the remarks say).</param>
    /// <param name="message">The message.</param>
    public void Publish<T>(MessagePort<T> port, T? message) => Outbox.Add(port, message);

    /// <summary>Completes the execution when the rule's firing commits, whatever phase it moves to.</summary>
    public void Complete() => SetOutcome(ExecutionStatus.Completed, null);

    /// <summary>Fails the execution when the rule's firing commits.</summary>
    /// <param name="reason">Why, in words a person on call understands.</param>
    public void Fail(string reason) => SetOutcome(ExecutionStatus.Failed, reason);

    /// <summary>Escalates the execution to a person when the rule's firing commits.</summary>
    /// <param name="reason">Why, in words a person on call understands.</param>
    public void Escalate(string reason) => SetOutcome(ExecutionStatus.Escalated, reason);

    private void SetOutcome(ExecutionStatus status, string? reason)
    {
        if (ExecutionId is null)
        {
            throw new InvalidOperationException("A message-only rule has no execution to complete, fail or escalate.");
        }

        Outcome = status;
        OutcomeReason = reason;
    }
}

/// <summary>The trigger of a state-only rule: a committed change of an execution's state.</summary>
/// <param name="ExecutionId">The execution whose state changed.</param>
/// <param name="Revision">The revision of the change.</param>
public sealed record StateChange(string ExecutionId, ulong Revision);
