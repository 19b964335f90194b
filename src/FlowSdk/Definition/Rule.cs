using System.ComponentModel;

namespace FlowSdk.Internal;

/// <summary>
/// A rule triggered by a message of type <typeparamref name="TMessage"/>: its description plus the
/// generated delegates that call the user's condition and rule methods directly.
/// </summary>
/// <typeparam name="TState">The flow's state class.</typeparam>
/// <typeparam name="TMessage">The triggering message type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class Rule<TState, TMessage>
    where TState : class, IFlowState, new()
{
    private readonly Func<TState, TMessage, RuleContext, bool>[] _conditions;
    private readonly Action<TState, TMessage, RuleContext> _fire;

    // What evaluation reads on every event, copied out of Info once so the hot path reads fields of this object only.
    private readonly bool _needsState;
    private readonly string? _from;
    private readonly bool _hasGuards;
    private readonly bool _allConditions;
    private PhaseIndex? _toIndex;

    /// <summary>Creates a rule. Called by generated code.</summary>
    /// <param name="info">What the rule is.</param>
    /// <param name="conditions">One delegate per condition, in the order of <see cref="RuleInfo.Conditions"/>. For a message-only rule the state argument is <see langword="null"/>.</param>
    /// <param name="fire">Calls the rule method and adds what it returns to the context's outbox. For a message-only rule the state argument is <see langword="null"/>.</param>
    public Rule(RuleInfo info, Func<TState, TMessage, RuleContext, bool>[] conditions, Action<TState, TMessage, RuleContext> fire)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(conditions);
        ArgumentNullException.ThrowIfNull(fire);
        if (conditions.Length != info.Conditions.Count)
        {
            throw new ArgumentException($"Rule '{info}' declares {info.Conditions.Count} condition(s) but {conditions.Length} delegate(s) were given.", nameof(conditions));
        }

        Info = info;
        _conditions = conditions;
        _fire = fire;
        _needsState = info.Trigger != TriggerKind.Message;
        _from = info.From;
        _hasGuards = info.MaxFirings > 0 || info.Cooldown is not null;
        _allConditions = info.ConditionMode == ConditionMode.All;
        Name = info.Name;
        To = info.To;
        Trigger = info.Trigger;
        AwaitsReply = info.AwaitsReply;
        Approval = info.Approval;
        FiredWithoutMessages = info.FiredWithoutMessages;
    }

    /// <summary>What the rule is.</summary>
    public RuleInfo Info { get; }

    internal bool NeedsState => _needsState;

    // What applying a firing reads of Info, kept on the rule too: a firing then reads no line of the RuleInfo.

    /// <summary><see cref="RuleInfo.Name"/>.</summary>
    internal string Name { get; }

    /// <summary><see cref="RuleInfo.To"/>.</summary>
    internal string? To { get; }

    /// <summary><see cref="RuleInfo.Trigger"/>.</summary>
    internal TriggerKind Trigger { get; }

    /// <summary><see cref="RuleInfo.AwaitsReply"/>.</summary>
    internal bool AwaitsReply { get; }

    /// <summary><see cref="RuleInfo.Approval"/>.</summary>
    internal ApprovalInfo? Approval { get; }

    /// <summary>The result of a firing of this rule that publishes nothing (one per rule, immutable).</summary>
    internal FiringResult FiredWithoutMessages { get; }

    /// <summary>Whether the rule has a <see cref="RuleInfo.MaxFirings"/> or <see cref="RuleInfo.Cooldown"/> guard (its firing counters must be read).</summary>
    internal bool HasGuards => _hasGuards;

    /// <summary>
    /// Whether the rule fires, without saying why: the phase, the guards, then the conditions, exactly as
    /// <see cref="Runtime.RuleEvaluator.Passes{TState, TMessage}"/> decides them. An instance method, so the
    /// routing reaches it without a generic lookup; it allocates nothing.
    /// </summary>
    /// <param name="execution">The execution's bookkeeping; ignored (may be <see langword="null"/>) for a message-only rule.</param>
    /// <param name="state">The state; <see langword="null"/> for a message-only rule.</param>
    /// <param name="message">The message.</param>
    /// <param name="context">The rule context.</param>
    internal bool Passes(ExecutionInfo? execution, TState state, TMessage message, RuleContext context)
    {
        if (_needsState)
        {
            if (_from is { } from && !string.Equals(from, execution!.Phase, StringComparison.Ordinal))
            {
                return false;
            }

            if (_hasGuards && Runtime.RuleEvaluator.CheckGuards(Info, execution!, context.Now, out _) != Runtime.RuleEvaluator.Guard.Allows)
            {
                return false;
            }
        }

        var conditions = _conditions;
        if (conditions.Length == 0)
        {
            return true;
        }

        var all = _allConditions;
        for (var i = 0; i < conditions.Length; i++)
        {
            if (conditions[i](state, message, context) != all)
            {
                return !all;
            }
        }

        return all;
    }

    /// <summary>Evaluates the conditions; when <paramref name="outcomes"/> is given, records each one's result.</summary>
    internal bool ConditionsHold(TState state, TMessage message, RuleContext context, List<ConditionOutcome>? outcomes = null)
    {
        var conditions = _conditions;
        if (conditions.Length == 0)
        {
            return true;
        }

        var all = _allConditions;
        for (var i = 0; i < conditions.Length; i++)
        {
            var holds = conditions[i](state, message, context);
            outcomes?.Add(new ConditionOutcome(Info.Conditions[i], holds));
            if (outcomes is null && holds != all)
            {
                return holds;
            }
        }

        return outcomes is null ? all : all ? outcomes.TrueForAll(o => o.Holds) : outcomes.Exists(o => o.Holds);
    }

    /// <summary>
    /// Whether the rule's <see cref="RuleInfo.MaxFirings"/> and <see cref="RuleInfo.Cooldown"/> let it fire
    /// for <paramref name="execution"/> at <paramref name="now"/>. Called by generated dispatchers, for rules
    /// that have either guard.
    /// </summary>
    /// <param name="execution">The execution's bookkeeping (its firing counters).</param>
    /// <param name="now">The time of the event.</param>
    /// <returns><see langword="true"/> when neither guard stops the rule.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool GuardsAllow(ExecutionInfo execution, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(execution);
        return Runtime.RuleEvaluator.CheckGuards(Info, execution, now, out _) == Runtime.RuleEvaluator.Guard.Allows;
    }

    internal void Fire(TState state, TMessage message, RuleContext context) => _fire(state, message, context);

    // The steps of a firing of this rule by a message, as FlowDefinition.Fire takes them (FiringSteps): called by
    // the generated firing of a port (PortDispatcher.Fire) around its direct call of the rule method.

    /// <summary>
    /// The index of the phase the rule moves to among <paramref name="flow"/>'s phases (the current one's for a rule
    /// without a target; -1 when that is none of them), and whether moving there starts an iteration (a target at or
    /// before <paramref name="before"/>). Generated code that knows both phases uses constants instead.
    /// </summary>
    /// <param name="flow">The flow.</param>
    /// <param name="before">The execution's phase before the firing.</param>
    /// <param name="startsIteration">Whether the firing starts the next iteration.</param>
    /// <returns>The target phase's index.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public int TargetIndex(FlowDefinition flow, string before, out bool startsIteration)
    {
        ArgumentNullException.ThrowIfNull(flow);
        if (To is null)
        {
            startsIteration = false;
            return flow.TryPhaseIndex(before);
        }

        var toIndex = ToIndexIn(flow);
        startsIteration = toIndex <= flow.PhaseIndex(before);
        return toIndex;
    }

    /// <summary>
    /// What an approval rule that passed does under its declared policy, as <see cref="FlowDefinition{TState}.Fire{TMessage}"/>
    /// applies it: <see langword="null"/> to fire (no approval, or approved at once), otherwise the result to return
    /// (denied: nothing fired; asked: the execution waits for approval).
    /// </summary>
    /// <param name="execution">The execution's bookkeeping.</param>
    /// <param name="port">The message's port (the request keeps the message).</param>
    /// <param name="message">The message.</param>
    /// <param name="now">The time of the event.</param>
    /// <returns><see langword="null"/> when the rule fires now.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public FiringResult? ApplyApproval(ExecutionInfo execution, MessagePort<TMessage> port, TMessage message, DateTimeOffset now)
    {
        if (Approval is not { } approval)
        {
            return null;
        }

        // The rule's declared policy, as the runtime applies it when no option overrides it.
        switch (approval.Policy)
        {
            case ApprovalPolicy.Approve:
                Approvals.AutoApprove(execution, Info, now);
                return null;
            case ApprovalPolicy.Deny:
                Approvals.Deny(execution, Info, now);
                return FiringResult.None;
            default:
                Approvals.Request(execution, Info, port.Subject, port.Serialize(message), now);
                return new FiringResult(null, []) { AwaitsApproval = Info };
        }
    }

    /// <summary>
    /// Before the rule method of a message's firing: the awaited reply, when <paramref name="taskId"/> is one, lets
    /// the execution run again; then the flow's MaxIterations. Returns <see langword="false"/> when the execution
    /// was escalated instead (the rule method is not called).
    /// </summary>
    /// <param name="flow">The flow.</param>
    /// <param name="execution">The execution's bookkeeping.</param>
    /// <param name="startsIteration">Whether the firing starts the next iteration (<see cref="TargetIndex"/>).</param>
    /// <param name="taskId">The task id of a reply; <see langword="null"/> for a message that is none.</param>
    /// <param name="now">The time of the event.</param>
    /// <returns>Whether the rule method is called.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public bool Admit(FlowDefinition flow, ExecutionInfo execution, bool startsIteration, string? taskId, DateTimeOffset now)
    {
        if (taskId is not null)
        {
            Runtime.FiringSteps.ReplyArrived(flow, execution, now);
        }

        // A message's firing is never a chained one.
        return Runtime.FiringSteps.Admit(flow, execution, Name, 0, int.MaxValue, startsIteration);
    }

    /// <summary>Makes the context ready for the rule method (the task id of a rule that awaits a reply).</summary>
    /// <param name="context">The firing's context.</param>
    /// <param name="execution">The execution's bookkeeping.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Prepare(RuleContext context, ExecutionInfo execution) => Runtime.FiringSteps.Prepare(context, execution, AwaitsReply);

    /// <summary>After the rule method of a message's firing: the phase, the rule's counter, the iteration and the outcome.</summary>
    /// <param name="flow">The flow.</param>
    /// <param name="execution">The execution's bookkeeping.</param>
    /// <param name="context">The context the rule method got; <see langword="null"/> when its methods take none and it publishes nothing.</param>
    /// <param name="to">The phase the firing moves to: the rule's <see cref="RuleInfo.To"/>, or the phase before the firing for a rule without one (generated code passes the phase's name as a literal).</param>
    /// <param name="toIndex">The target phase's index (<see cref="TargetIndex"/>).</param>
    /// <param name="startsIteration">Whether the firing starts the next iteration.</param>
    /// <param name="now">The time of the event.</param>
    /// <returns>What the firing did, for the timeline.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public RuleAction Fired(FlowDefinition flow, ExecutionInfo execution, RuleContext? context, string to, int toIndex, bool startsIteration, DateTimeOffset now)
        => Runtime.FiringSteps.Fired(flow, execution, context, Name, to, toIndex, startsIteration, 0, now);

    /// <summary>
    /// Records a message's firing (update time, timeline entry, lifecycle event of an execution that ended) and
    /// returns its result, with the messages it publishes.
    /// </summary>
    /// <param name="flow">The flow.</param>
    /// <param name="execution">The execution's bookkeeping.</param>
    /// <param name="name">The rule's name, <see cref="RuleInfo.Name"/> (generated code passes it as a literal, as it passes the phases: constants the timeline entry takes without a write barrier).</param>
    /// <param name="source">The subject the message came on.</param>
    /// <param name="action">What the firing did (<see cref="RuleAction.Escalate"/> when <see cref="Admit"/> refused it).</param>
    /// <param name="before">The phase before the firing.</param>
    /// <param name="context">The firing's context; <see langword="null"/> when the rule got none.</param>
    /// <param name="now">The time of the event.</param>
    /// <returns>The firing's result.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public FiringResult Record(FlowDefinition flow, ExecutionInfo execution, string name, string source, RuleAction action, string before, RuleContext? context, DateTimeOffset now)
        => Result(Runtime.FiringSteps.Record(flow, execution, name, Trigger, source, action, before, FlowRuntimeOptions.DefaultMaxTimelineEntries, context?.Outbox, now));

    /// <summary>The result of a firing of this rule that published what <paramref name="context"/>'s outbox holds.</summary>
    /// <param name="context">The firing's context; <see langword="null"/> when the rule got none.</param>
    /// <returns>The result.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public FiringResult Result(RuleContext? context) => Result(context?.Outbox);

    private FiringResult Result(Outbox? outbox) => outbox is null || outbox.Count == 0 ? FiredWithoutMessages : new FiringResult(Info, outbox.ToArray());

    /// <summary>
    /// The index of the rule's <see cref="RuleInfo.To"/> among <paramref name="flow"/>'s phases: found once, then
    /// kept with the flow it was found in (a rule is a flow's; one handed to another flow is looked up again).
    /// </summary>
    internal int ToIndexIn(FlowDefinition flow)
    {
        if (_toIndex is { } known && ReferenceEquals(known.Flow, flow))
        {
            return known.Index;
        }

        var index = flow.PhaseIndex(Info.To!);
        _toIndex = new PhaseIndex(flow, index);
        return index;
    }

    private sealed record PhaseIndex(FlowDefinition Flow, int Index);
}
