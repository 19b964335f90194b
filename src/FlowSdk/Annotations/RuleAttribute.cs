namespace FlowSdk;

/// <summary>
/// Marks a static method of a <see cref="RulesAttribute{TState}"/> class as a rule. The method's
/// parameters choose its trigger:
/// <list type="bullet">
/// <item><c>(TState state, TMessage message)</c>: message + state. The message's correlation key
/// loads the execution (a new one is created when none exists).</item>
/// <item><c>(TMessage message)</c>: message only. No execution is loaded or written.</item>
/// </list>
/// The return type is <c>void</c> or a message type, which is published on its subject after the
/// state change is committed. Rules of a flow are evaluated in declaration order and the first
/// whose phase and conditions hold fires: at most one rule fires per event.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class RuleAttribute : Attribute
{
    /// <summary>
    /// The phase (a member of the flow's phase enum) the execution must be in for the rule to fire;
    /// <see langword="null"/> (the default) means any non-terminal phase.
    /// </summary>
    public object? From { get; set; }

    /// <summary>
    /// The phase (a member of the flow's phase enum) the execution moves to when the rule fires;
    /// <see langword="null"/> (the default) leaves the phase as it is.
    /// </summary>
    public object? To { get; set; }

    /// <summary>How the rule's <see cref="WhenAttribute"/> conditions combine; <see cref="ConditionMode.All"/> by default.</summary>
    public ConditionMode Conditions { get; set; } = ConditionMode.All;
}
