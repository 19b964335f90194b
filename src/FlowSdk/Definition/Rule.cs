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
    private readonly Func<TState, TMessage, bool>[] _conditions;
    private readonly Action<TState, TMessage, Outbox> _fire;

    /// <summary>Creates a rule. Called by generated code.</summary>
    /// <param name="info">What the rule is.</param>
    /// <param name="conditions">One delegate per condition, in the order of <see cref="RuleInfo.Conditions"/>. For a message-only rule the state argument is <see langword="null"/>.</param>
    /// <param name="fire">Calls the rule method and adds what it returns to the outbox. For a message-only rule the state argument is <see langword="null"/>.</param>
    public Rule(RuleInfo info, Func<TState, TMessage, bool>[] conditions, Action<TState, TMessage, Outbox> fire)
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

    internal bool ConditionsHold(TState state, TMessage message)
    {
        var conditions = _conditions;
        if (conditions.Length == 0)
        {
            return true;
        }

        if (Info.ConditionMode == ConditionMode.All)
        {
            foreach (var condition in conditions)
            {
                if (!condition(state, message))
                {
                    return false;
                }
            }

            return true;
        }

        foreach (var condition in conditions)
        {
            if (condition(state, message))
            {
                return true;
            }
        }

        return false;
    }

    internal void Fire(TState state, TMessage message, Outbox outbox) => _fire(state, message, outbox);
}
