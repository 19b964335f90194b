using System.ComponentModel;

namespace FlowSdk;

/// <summary>
/// What a rule or condition can ask of the runtime while it runs: the time, the execution, extra
/// messages, and outcomes other than the rule's phase change. Take it as the last parameter.
/// </summary>
/// <remarks>
/// A context is valid only while the condition or rule it is handed to runs: keep no reference to it.
/// <see cref="FlowDefinition{TState}.Fire{TMessage}"/> reuses one per thread for its firings.
/// </remarks>
public sealed class RuleContext
{
    internal RuleContext(DateTimeOffset now, string? executionId, Outbox outbox, string flowId = "")
    {
        Now = now;
        ExecutionId = executionId;
        Outbox = outbox;
        FlowId = flowId;
    }

    /// <summary>The id of the flow the rule belongs to.</summary>
    internal string FlowId { get; private set; }

    /// <summary>The groups this firing fans out, in the order it asked; <see langword="null"/> for none.</summary>
    internal List<FanOutRequest>? FanOutRequests { get; private set; }

    /// <summary>The time of the event, from the runtime's clock. Use it instead of <see cref="DateTimeOffset.UtcNow"/>: conditions must be deterministic.</summary>
    public DateTimeOffset Now { get; private set; }

    /// <summary>The execution the rule runs for; <see langword="null"/> for a message-only rule.</summary>
    public string? ExecutionId { get; private set; }

    /// <summary>
    /// Cancelled when an operator cancels the execution while the rule runs (<see cref="FlowRuntime.CancelAsync"/>):
    /// a rule that works long can stop early. Whatever it returns then is not committed, since the
    /// cancellation changed the execution first. <see cref="CancellationToken.None"/> outside the runtime.
    /// </summary>
    public CancellationToken CancellationToken
    {
        get
        {
            CancellationTokenTaken = true;
            return _cancellationToken;
        }

        internal set => _cancellationToken = value;
    }

    /// <summary>
    /// Whether code read <see cref="CancellationToken"/> since the context was made or reset: the
    /// runtime then never hands the token's source to another execution's work, since a callback
    /// registered on it may still be there.
    /// </summary>
    internal bool CancellationTokenTaken { get; private set; }

    private CancellationToken _cancellationToken;

    internal Outbox Outbox { get; }

    /// <summary>Whether a firing holds this context (<see cref="FiringScratch"/>).</summary>
    internal bool Held { get; set; }

    internal ExecutionStatus? Outcome { get; private set; }

    internal string? OutcomeReason { get; private set; }

    /// <summary>The task id a request of this firing gets; set only for rules declared with <c>AwaitReply = true</c>.</summary>
    internal string? TaskIdPrefix { get; set; }

    internal string? RequestedTaskId { get; private set; }

    /// <summary>
    /// Makes the context new again for another rule's evaluation (same outbox, left as it is): what a
    /// condition or rule asked of it before is forgotten, as with a context just created.
    /// </summary>
    internal void Reset(DateTimeOffset now, string? executionId, string flowId)
    {
        Now = now;

        // Written only when they change: a reference written to the heap costs a GC write barrier.
        if (!ReferenceEquals(ExecutionId, executionId))
        {
            ExecutionId = executionId;
        }

        if (!ReferenceEquals(FlowId, flowId))
        {
            FlowId = flowId;
        }

        _cancellationToken = default;
        CancellationTokenTaken = false;
        if (FanOutRequests is not null || Outcome is not null || OutcomeReason is not null || TaskIdPrefix is not null || RequestedTaskId is not null)
        {
            FanOutRequests = null;
            Outcome = null;
            OutcomeReason = null;
            TaskIdPrefix = null;
            RequestedTaskId = null;
        }
    }

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

    /// <summary>
    /// Fans out group <paramref name="group"/>: starts one child execution per item, with the message
    /// <paramref name="create"/> makes from the child's execution id and the item, when the firing
    /// commits. The execution then waits for the group; once it finishes (its mode, or its timeout),
    /// the change is committed and the flow's rules read the results with <c>group.Results(state)</c>.
    /// </summary>
    /// <remarks>
    /// The child ids are <see cref="FanOutGroup.ChildId"/>: derived from this execution, the group and the
    /// index, so a firing evaluated again never starts other children, and a group the execution already
    /// started is not started again (its results, once in, stay). No items: the group finishes at once.
    /// </remarks>
    /// <typeparam name="TItem">What each child is made from.</typeparam>
    /// <typeparam name="TInput">The message that starts a child.</typeparam>
    /// <typeparam name="TResult">The child's result message.</typeparam>
    /// <param name="group">The group, from the generated <c>&lt;State&gt;Flow.FanOuts</c> class.</param>
    /// <param name="items">One item per child, in order.</param>
    /// <param name="create">Makes a child's start message from its execution id (use it as the message's correlation key) and its item.</param>
    /// <exception cref="InvalidOperationException">A message-only rule; the group fanned out twice in one firing; a message whose correlation key is not the child id it was given.</exception>
    public void FanOut<TItem, TInput, TResult>(FanOutGroup<TInput, TResult> group, IEnumerable<TItem> items, Func<string, TItem, TInput> create)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(create);
        if (ExecutionId is null)
        {
            throw new InvalidOperationException($"A message-only rule has no execution to fan out group '{group.Name}' from.");
        }

        if (FlowId.Length == 0)
        {
            throw new InvalidOperationException($"Fan-out group '{group.Name}' can only be fanned out by a flow's rule run by the runtime or FlowDefinition.Fire.");
        }

        if (FanOutRequests?.Exists(r => string.Equals(r.Group.Name, group.Name, StringComparison.Ordinal)) == true)
        {
            throw new InvalidOperationException($"Fan-out group '{group.Name}' is fanned out twice in one firing.");
        }

        var messages = new List<OutgoingMessage>();
        var index = 0;
        foreach (var item in items)
        {
            var childId = FanOutGroup.ChildId(FlowId, ExecutionId, group.Name, index);
            if (FlowIds.ValidateExecutionId(childId) is { } problem)
            {
                throw new InvalidOperationException($"Fan-out group '{group.Name}' cannot start child {index}: {problem}.");
            }

            var message = create(childId, item) ?? throw new InvalidOperationException($"Fan-out group '{group.Name}': the message made for child {index} is null.");
            var key = group.KeyOf(message);
            if (!string.Equals(key, childId, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Fan-out group '{group.Name}': the {group.Input.MessageType} made for child {index} has correlation key '{key}'; it must be the child's execution id '{childId}', the id handed to the create function.");
            }

            messages.Add(new OutgoingMessage(group.Input.Subject, group.Input.MessageType, group.Input.Serialize(message))
            {
                MessageId = new FanOutParent(FlowId, ExecutionId, group.Name, index).MessageId,
            });
            index++;
        }

        (FanOutRequests ??= []).Add(new FanOutRequest(group, messages));
    }

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
