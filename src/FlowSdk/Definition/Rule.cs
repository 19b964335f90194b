using System.ComponentModel;

namespace FlowSdk;

/// <summary>
/// A rule triggered by a message of type <typeparamref name="TMessage"/>: its description plus the
/// generated delegates that call the user's condition and rule methods directly.
/// </summary>
/// <typeparam name="TState">The flow's state class.</typeparam>
/// <typeparam name="TMessage">The triggering message type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class Rule<TState, TMessage>
    where TState : class, IFlowState, new()
{
    private readonly Func<TState, TMessage, RuleContext, bool>[] _conditions;
    private readonly Action<TState, TMessage, RuleContext> _fire;

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
    }

    /// <summary>What the rule is.</summary>
    public RuleInfo Info { get; }

    internal bool NeedsState => Info.Trigger != TriggerKind.Message;

    /// <summary>Evaluates the conditions; when <paramref name="outcomes"/> is given, records each one's result.</summary>
    internal bool ConditionsHold(TState state, TMessage message, RuleContext context, List<ConditionOutcome>? outcomes = null)
    {
        var conditions = _conditions;
        if (conditions.Length == 0)
        {
            return true;
        }

        var all = Info.ConditionMode == ConditionMode.All;
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

    internal void Fire(TState state, TMessage message, RuleContext context) => _fire(state, message, context);
}
