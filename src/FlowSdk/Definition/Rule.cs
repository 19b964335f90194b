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
